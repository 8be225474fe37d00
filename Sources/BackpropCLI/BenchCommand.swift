import ArgumentParser
import Backprop
import Foundation

/// `backprop bench`: benchmarks that print figures.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed: training steps of the book's networks (default), or the tensor core.",
        discussion: """
        `backprop bench` times the four fixed workloads (TwoLayerNet in float32 and float64, the MLP, \
        SimpleConvNet, DeepConvNet); `backprop bench --model cnn --threads 1 --json` one of them. \
        scripts/bench_compare.py runs these side by side with the NumPy and PyTorch references.
        """,
        subcommands: [ModelBench.self, TensorBench.self, DataParallelBench.self, DataBench.self],
        defaultSubcommand: ModelBench.self
    )
}

/// `backprop bench model`: ms per training step of the book's networks.
struct ModelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Time training steps (batch sampling, forward, backward, update) of the book's networks.",
        discussion: """
        Each step is timed on its own after a warm-up, with the data already in memory (Fashion-MNIST \
        when installed, else random pixels: speed does not depend on them). Prints per workload the \
        median and minimum ms per step, examples/s, the GEMM work in GFLOP/s and its ratio to this \
        machine's GEMM rate on a 1024×1024 product at the same thread count. Without --model: \
        two-layer in float32 and float64, mlp, cnn and deep-cnn in float32.
        """
    )

    @Option(help: "Workload: \(NetworkSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")) (default: all).")
    var model: NetworkSpec.Kind?

    @Option(help: "Precision: float32, float64 (default: float32; both for two-layer when --model is not given).")
    var dtype: DType?

    @Option(help: "Threads to share the work among; OpenBLAS itself runs single-threaded (default: all cores).")
    var threads: Int?

    @Option(help: "Timed steps (default: 2000 two-layer, 1000 mlp, 100 cnn, 40 deep-cnn).")
    var iterations: Int?

    @Option(help: "Untimed steps first.")
    var warmup = 10

    @Option(help: "Examples per step.")
    var batchSize = 100

    @Option(help: ArgumentHelp("Dataset directory to take batches from, or 'random' for random pixels "
                + "(default: $BACKPROP_DATA, else /usr/share/datasets/fashion-mnist, else random pixels)."))
    var data: String?

    @Flag(help: "Print JSON: one object for --model, else an array of them.")
    var json = false

    @Flag(help: """
        Also time every stage's forward and backward (a layer, or a fused group under its first layer), \
        the batch and the update (medians per step).
        """)
    var layers = false

    @Option(help: "How convolutions compute: automatic (Winograd where it pays), fast (im2col kernels), winograd, book.")
    var convolution: LayerAlgorithm = .automatic

    @Flag(help: ArgumentHelp("Also time the steps on 1 thread, alternating with --threads in blocks of 5 steps in the same run, "
              + "and print the speed-up, beside that of a 512² matrix product timed between the blocks "
              + "(what the machine gave compute-bound work in the same moments)."))
    var scaling = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        if let iterations, iterations < 1 { throw ValidationError("--iterations must be at least 1, got \(iterations)") }
        if warmup < 0 { throw ValidationError("--warmup must not be negative, got \(warmup)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if scaling && (threads ?? ProcessInfo.processInfo.activeProcessorCount) < 2 {
            throw ValidationError("--scaling compares with 1 thread, so it needs --threads 2 or more")
        }
    }

    /// The run timed for `model` in `dtype`: the benchmark's configuration of the model
    /// (`ModelBenchmark.configuration`) with this command's --batch-size, --threads and --data, validated as
    /// `train` validates its own (exit 64 naming the flag).
    private func configuration(_ model: NetworkSpec.Kind, _ dtype: Precision) throws -> TrainingConfiguration {
        var configuration = ModelBenchmark.configuration(model)
        configuration.batchSize = batchSize
        configuration.dtype = dtype
        configuration.threads = threads
        configuration.data = data
        let problems = configuration.problems()
        if !problems.isEmpty { throw usageFailure(problems.joined(separator: "; ")) }
        return configuration
    }

    /// The per-stage table under a workload's line.
    private func printStages(_ stages: [ModelBenchmark.StageTime]) {
        let total = stages.reduce(0) { $0 + $1.forwardMs + $1.backwardMs }
        let width = Swift.max(25, stages.map(\.name.count).max() ?? 0)   // a fused group names its layers in full
        let header = "stage".padding(toLength: width, withPad: " ", startingAt: 0)
        print("  " + header + " output shape          forward ms  backward ms   share")
        for s in stages {
            let shape = s.outputShape.isEmpty ? "" : "(" + s.outputShape.map(String.init).joined(separator: ", ") + ")"
            print("  " + s.name.padding(toLength: width, withPad: " ", startingAt: 0) + " "
                  + shape.padding(toLength: 20, withPad: " ", startingAt: 0)
                  + String(format: " %11.3f %12.3f  %5.1f%%", s.forwardMs, s.backwardMs, 100 * (s.forwardMs + s.backwardMs) / total))
        }
        print(String(format: "  %@ %60.3f ms", "sum of stages".padding(toLength: width, withPad: " ", startingAt: 0), total))
        if stages.contains(where: { $0.name.hasSuffix("; lean)") }) {
            print("  lean: the group keeps no ReLU mask or pooling input, only the maxima's positions (as training runs it)")
        }
    }

    /// The work of a step as computed, against im2col's, and how close its rate comes to the GEMM peak.
    private func printSpeedOfLight(_ r: ModelBenchmark.Result) {
        print(String(format: "  speed of light: %.1f M multiply-adds/step done (%.1f M the im2col way), %.1f GFLOP/s = %.1f%% "
                     + "of the %.1f GFLOP/s GEMM peak; at the peak a step would take %.3f ms",
                     r.gemmMFLOPPerStep / 2, r.directMFLOPPerStep / 2, r.gflops, 100 * r.peakRatio, r.gemmPeakGFLOPS,
                     r.gemmMFLOPPerStep / r.gemmPeakGFLOPS))
    }

    func run() throws {
        if let threads { Threads.count = threads }
        try reportingErrors {
            let (train, dataName) = try trainingImages()
            var runs: [(NetworkSpec.Kind, Precision)] = []
            if let model {
                runs = [(model, dtype ?? .float32)]
            } else if let dtype {
                runs = NetworkSpec.Kind.allCases.map { ($0, dtype) }
            } else {
                runs = [(.twoLayer, .float32), (.twoLayer, .float64), (.mlp, .float32), (.cnn, .float32), (.deepCNN, .float32)]
            }
            var results: [ModelBenchmark.Result] = []
            if !json {
                print("backprop bench: \(Threads.count) thread(s), batch \(batchSize), OpenBLAS \(BLASInfo.coreName), data \(dataName)")
                print("workload          dtype    ms/step median      min   examples/s   GFLOP/s  of GEMM peak")
            }
            for (model, dtype) in runs {
                var bench = ModelBenchmark(configuration: try configuration(model, dtype), iterations: iterations, warmup: warmup)
                bench.profileLayers = layers
                bench.alternateWithOneThread = scaling
                bench.convolution = convolution
                let r = bench.configuration.dtype == .float64 ? bench.run(Double.self, train: train, dataName: dataName)
                                          : bench.run(Float.self, train: train, dataName: dataName)
                results.append(r)
                if !json {
                    print(r.model.padding(toLength: 17, withPad: " ", startingAt: 0) + " "
                          + r.dtype.padding(toLength: 8, withPad: " ", startingAt: 0)
                          + String(format: " %14.3f %8.3f %12.0f %9.1f  %5.1f%% of %.0f", r.msPerStepMedian, r.msPerStepMin,
                                   r.examplesPerSecond, r.gflops, 100 * r.peakRatio, r.gemmPeakGFLOPS)
                          + (r.allocationsPerStep.map {
                              String(format: "  %.1f allocations/step (%.0f KB)", $0, (r.allocatedBytesPerStep ?? 0) / 1e3)
                          } ?? ""))
                    if let one = r.msPerStepMedianOneThread, let speedup = r.speedupOverOneThread {
                        print(String(format: "  1 thread, alternating in the same run: %.3f ms/step; %d threads %.2f× faster",
                                     one, r.threads, speedup)
                              + (r.referenceSpeedupOverOneThread.map {
                                  String(format: " (a %d² matrix product between the blocks: %.2f×)",
                                         ModelBenchmark.referenceProductSize, $0)
                              } ?? ""))
                    }
                    printSpeedOfLight(r)
                    if let stages = r.stages { printStages(stages) }
                }
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let data = model != nil ? try encoder.encode(results[0]) : try encoder.encode(results)
                print(String(decoding: data, as: UTF8.self))
            }
        }
    }

    /// The training images of the dataset directory, or random pixels when none is installed and none
    /// was asked for.
    private func trainingImages() throws -> (any LabeledDataset, String) {
        let path = DatasetDirectory.resolve(data)
        if data == "random" || (data == nil && !FileManager.default.fileExists(atPath: path)) {
            return (ModelBenchmark.randomImages(count: 10_000), "random pixels")
        }
        return (try DatasetDirectory(path: path).train, path)
    }
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

    @Option(help: "Threads to share the work among; OpenBLAS itself runs single-threaded (default: all cores).")
    var threads: Int?

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1, got \(threads)") }
        guard matrixSize > 0, elements > 0, repeats > 0 else {
            throw ValidationError("--matrix-size, --elements and --repeats must be positive")
        }
        let (square, overflow) = matrixSize.multipliedReportingOverflow(by: matrixSize)
        try SizeLimits.checkBenchmarkArrays(flag: "--matrix-size \(matrixSize)", arrays: 3, count: overflow ? Int.max : square,
                                            what: "three \(matrixSize)×\(matrixSize) float32 matrices")
        try SizeLimits.checkBenchmarkArrays(flag: "--elements \(elements)", arrays: 3, count: elements,
                                            what: "three arrays of \(elements) float32 values")
    }

    /// The work of a step as computed, against im2col's, and how close its rate comes to the GEMM peak.
    private func printSpeedOfLight(_ r: ModelBenchmark.Result) {
        print(String(format: "  speed of light: %.1f M multiply-adds/step done (%.1f M the im2col way), %.1f GFLOP/s = %.1f%% "
                     + "of the %.1f GFLOP/s GEMM peak; at the peak a step would take %.3f ms",
                     r.gemmMFLOPPerStep / 2, r.directMFLOPPerStep / 2, r.gflops, 100 * r.peakRatio, r.gemmPeakGFLOPS,
                     r.gemmMFLOPPerStep / r.gemmPeakGFLOPS))
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
