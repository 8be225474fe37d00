import ArgumentParser
import Backprop
import Foundation

/// `backprop bench data-parallel`: step time and gradient all-reduce time of data-parallel training,
/// meant to be run as `mpirun -np N backprop bench data-parallel …` and alone (N = 1) for comparison
/// (scripts/bench_data_parallel.sh does both).
struct DataParallelBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data-parallel",
        abstract: "Time data-parallel training steps under mpirun: ms per step and ms in the gradient all-reduce.",
        discussion: """
        Every step is timed on its own after a warm-up, on random pixels (speed does not depend on them), \
        with the global batch shared among the ranks. Rank 0 prints, per network, the medians of the step \
        time and of the time in the one gradient all-reduce per step (waiting for the slowest rank \
        included), and the bytes all-reduced per step. Without mpirun it runs alone (no all-reduce).
        """
    )

    @Option(help: "Workload: \(NetworkSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")) (default: two-layer, mlp, cnn).")
    var model: NetworkSpec.Kind?

    @Option(help: "Threads per rank (default: the machine's cores shared among its ranks).")
    var threads: Int?

    @Option(help: "Timed steps (default: 200 two-layer, 100 mlp, 20 cnn, 10 deep-cnn).")
    var iterations: Int?

    @Option(help: "Untimed steps first.")
    var warmup = 5

    @Option(help: "Examples per global batch (at most 60000, an MNIST training set: the random images are made for it).")
    var batchSize = 100

    @Flag(help: "Print one JSON object per network.")
    var json = false

    func validate() throws {
        // The random images are allocated for the batch (784 bytes each): bounded before they are.
        guard (1...60_000).contains(batchSize) else { throw usageFailure("--batch-size \(batchSize): must be between 1 and 60000") }
    }

    func run() throws {
        let ranks = try DataParallelLaunch.join()
        defer { ranks?.finish() }
        Threads.count = threads ?? (ranks == nil ? Threads.count : DataParallelLaunch.defaultThreads)
        var rng = SeededGenerator(seed: 1)
        let count = Swift.max(1000, batchSize)
        let pixels = (0 ..< count * 784).map { _ in UInt8(rng.nextIndex(below: 256)) }
        let labels = (0 ..< count).map { _ in UInt8(rng.nextIndex(below: 10)) }
        let images = ImageSet(pixels: pixels, labels: labels, rows: 28, columns: 28)
        for workload in model.map({ [$0] }) ?? [.twoLayer, .mlp, .cnn] {
            let steps = iterations ?? [NetworkSpec.Kind.twoLayer: 200, .mlp: 100, .cnn: 20, .deepCNN: 10][workload]!
            let configuration = ModelBenchmark.configuration(workload)
            let spec = configuration.spec()
            let network = Network<Float>(spec: spec, seed: 0)
            let options = TrainingOptions(optimizer: configuration.effectiveOptimizer, learningRate: configuration.effectiveLearningRate,
                                          batchSize: batchSize, iterations: warmup + steps, seed: 0)
            let trainer = Trainer(network: network, optimizer: options.optimizer.make(learningRate: options.effectiveLearningRate),
                                  options: options, train: images, test: images,
                                  flatten: !spec.kind.isConvolutional, reducer: ranks)
            trainer.broadcastParametersFromRankZero()
            for _ in 0 ..< warmup { trainer.step() }
            var stepTimes: [Double] = [], reduceTimes: [Double] = []
            for _ in 0 ..< steps {
                let reducedBefore = trainer.allReduceSeconds
                let start = DispatchTime.now().uptimeNanoseconds
                trainer.step()
                stepTimes.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
                reduceTimes.append((trainer.allReduceSeconds - reducedBefore) * 1e3)
            }
            guard (ranks?.rank ?? 0) == 0 else { continue }
            let bytes = (network.parameterCount + 1) * MemoryLayout<Float>.size
            let row = DataParallelBenchRow(model: workload.rawValue, ranks: ranks?.rankCount ?? 1, threadsPerRank: Threads.count,
                                           batchSize: batchSize, steps: steps, parameters: network.parameterCount,
                                           allReduceBytesPerStep: bytes, msPerStepMedian: median(stepTimes),
                                           msAllReduceMedian: median(reduceTimes))
            if json {
                print(try jsonLine(row))
            } else {
                let name = workload.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                print("\(name) \(ranks?.rankCount ?? 1) rank(s) × \(Threads.count) thread(s): "
                      + String(format: "%8.2f ms/step, %7.2f ms in the all-reduce", median(stepTimes), median(reduceTimes))
                      + " of \(bytes) bytes (medians of \(steps) steps)")
            }
        }
    }

    private func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? .nan : (sorted[(sorted.count - 1) / 2] + sorted[sorted.count / 2]) / 2
    }
}

/// One line of `backprop bench data-parallel --json`.
struct DataParallelBenchRow: Codable {
    var model: String
    var ranks: Int
    var threadsPerRank: Int
    var batchSize: Int
    var steps: Int
    var parameters: Int
    var allReduceBytesPerStep: Int
    /// Milliseconds; null when no step was timed.
    var msPerStepMedian: Double?
    var msAllReduceMedian: Double?

    init(model: String, ranks: Int, threadsPerRank: Int, batchSize: Int, steps: Int, parameters: Int,
         allReduceBytesPerStep: Int, msPerStepMedian: Double, msAllReduceMedian: Double) {
        (self.model, self.ranks, self.threadsPerRank, self.batchSize) = (model, ranks, threadsPerRank, batchSize)
        (self.steps, self.parameters, self.allReduceBytesPerStep) = (steps, parameters, allReduceBytesPerStep)
        self.msPerStepMedian = msPerStepMedian.isFinite ? msPerStepMedian : nil
        self.msAllReduceMedian = msAllReduceMedian.isFinite ? msAllReduceMedian : nil
    }

    enum CodingKeys: String, CodingKey {
        case model, ranks, steps, parameters
        case threadsPerRank = "threads_per_rank"
        case batchSize = "batch_size"
        case allReduceBytesPerStep = "all_reduce_bytes_per_step"
        case msPerStepMedian = "ms_per_step_median"
        case msAllReduceMedian = "ms_all_reduce_median"
    }
}
