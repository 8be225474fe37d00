import ArgumentParser
import Backprop
import Foundation

/// `backprop bench`: benchmarks that print figures.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed.",
        subcommands: [TensorBench.self]
    )
}

/// `backprop bench tensor`: matmul against raw cblas_sgemm, and elementwise/reduction bandwidth.
struct TensorBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tensor",
        abstract: "Float32 matmul GFLOP/s (vs cblas_sgemm directly) and add/exp/sum GB/s, medians of repeated runs."
    )

    @Option(help: "Matrix size n for the n×n matmul.")
    var matrixSize = 1024

    @Option(help: "Elements for add, exp and sum.")
    var elements = 10_000_000

    @Option(help: "Timed runs per workload (the median is reported).")
    var repeats = 11

    @Option(help: "Threads for OpenBLAS and Backprop's own loops (default: all cores).")
    var threads: Int?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard matrixSize > 0, elements > 0, repeats > 0 else {
            throw ValidationError("--matrix-size, --elements and --repeats must be positive")
        }
    }

    func run() throws {
        if let threads { Threads.count = threads }
        let bench = TensorBenchmark(matrixSize: matrixSize, elements: elements, repeats: repeats)
        let results = bench.run()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(results), as: UTF8.self))
            return
        }
        for r in results {
            let name = r.name.padding(toLength: 30, withPad: " ", startingAt: 0)
            print("\(name) \(String(format: "%9.3f ms", r.seconds * 1e3))  \(String(format: "%8.2f", r.rate)) \(r.unit)")
        }
        print(String(format: "matmul ratio Tensor / cblas_sgemm: %.3f", results[0].rate / results[1].rate))
    }
}
