#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import BackpropCore
import Foundation

/// `backprop bench model`: the time of one training step of the book's networks — sample a batch from
/// data already in memory, forward, backward, optimizer update — as the references in `../shared/bench`
/// time theirs (`ref_numpy.py`, `ref_torch.py`).
///
/// Every step is timed on its own after `warmup` untimed steps; the result gives the median, minimum
/// and mean milliseconds per step, examples per second, the GEMM work of one step in GFLOP/s and as a
/// fraction of this machine's GEMM peak, measured just before at the same thread count.
public struct ModelBenchmark: Sendable {
    /// The configuration a model is timed in: the registry's book defaults (`NetworkSpec.Kind`: two-layer
    /// 784-50-10 with SGD lr 0.1, cnn with Adam lr 0.001, deep-cnn with Adam and dropout 0.5), except
    /// mlp, timed as ch06's optimizer comparisons: 784-100-100-100-10, He init, Adam lr 0.001.
    public static func configuration(_ model: NetworkSpec.Kind) -> TrainingConfiguration {
        var configuration = TrainingConfiguration(model: model)
        if model == .mlp {
            configuration.hiddenSizes = [100, 100, 100]
            configuration.optimizer = .adam
        }
        return configuration
    }

    /// Timed steps by default: about a second of work each (2000 two-layer, 1000 mlp, 100 cnn, 40 deep-cnn).
    public static func defaultIterations(_ model: NetworkSpec.Kind) -> Int {
        switch model {
        case .twoLayer: 2000
        case .mlp: 1000
        case .cnn: 100
        case .deepCNN: 40
        }
    }

    /// One workload's figures (JSON keys in snake_case, as `backprop bench model --json` prints them).
    public struct Result: Codable, Sendable {
        /// The network timed, as `NetworkSpec.Kind` names it (e.g. "cnn").
        public var model: String
        /// The precision: "float32" or "float64".
        public var dtype: String
        /// Threads the steps ran on (`Threads.count`).
        public var threads: Int
        /// Examples per step.
        public var batchSize: Int
        /// Timed steps (after `warmup` untimed ones).
        public var iterations: Int
        /// Untimed steps run first.
        public var warmup: Int
        /// Median milliseconds per timed step.
        public var msPerStepMedian: Double
        /// Fastest timed step, in milliseconds.
        public var msPerStepMin: Double
        /// Mean milliseconds per timed step.
        public var msPerStepMean: Double
        /// Batch size / median step time.
        public var examplesPerSecond: Double
        /// Floating-point operations of the GEMMs of one step (2·m·n·k each), in millions, as computed:
        /// after Winograd where a convolution takes it (`LayerAlgorithm`).
        public var gemmMFLOPPerStep: Double
        /// The same work counted as if every convolution were one im2col product (the book's way).
        public var directMFLOPPerStep: Double
        /// GEMM work of a step divided by the median step time.
        public var gflops: Double
        /// This machine's GEMM rate at the same thread count and precision (an n×n·n×n product).
        public var gemmPeakGFLOPS: Double
        /// gflops / gemmPeakGFLOPS.
        public var peakRatio: Double
        /// Trainable scalars of the network (`Network.parameterCount`).
        public var parameters: Int
        /// Where the batches came from: a dataset directory, or "random pixels".
        public var data: String
        /// The kernel family OpenBLAS runs ("SkylakeX", …).
        public var blasCore: String
        /// Heap allocations per timed step; only when the process runs with scripts/malloc_count.c
        /// preloaded (scripts/count_allocations.sh), else nil.
        public var allocationsPerStep: Double?
        /// Heap bytes allocated per timed step; only with scripts/malloc_count.c preloaded, else nil.
        public var allocatedBytesPerStep: Double?
        /// Where a step's time goes, stage by stage (with `profileLayers`), else nil.
        public var stages: [StageTime]?
        /// With `alternateWithOneThread`: the median ms per step on 1 thread, timed in the same run; else nil.
        public var msPerStepMedianOneThread: Double?
        /// With `alternateWithOneThread`: msPerStepMedianOneThread / msPerStepMedian; else nil.
        public var speedupOverOneThread: Double?
        /// With `alternateWithOneThread`: the median time of the reference product
        /// (`referenceProductSize`², the same precision) on 1 thread divided by its median on `threads`,
        /// both timed between the blocks of steps; else nil.
        public var referenceSpeedupOverOneThread: Double?

        enum CodingKeys: String, CodingKey {
            case model, dtype, threads, iterations, warmup, parameters, data, gflops
            case batchSize = "batch_size"
            case msPerStepMedian = "ms_per_step_median"
            case msPerStepMin = "ms_per_step_min"
            case msPerStepMean = "ms_per_step_mean"
            case examplesPerSecond = "examples_per_second"
            case gemmMFLOPPerStep = "gemm_mflop_per_step"
            case directMFLOPPerStep = "direct_mflop_per_step"
            case gemmPeakGFLOPS = "gemm_peak_gflops"
            case peakRatio = "peak_ratio"
            case blasCore = "blas_core"
            case allocationsPerStep = "allocations_per_step"
            case allocatedBytesPerStep = "allocated_bytes_per_step"
            case stages
            case msPerStepMedianOneThread = "ms_per_step_median_1_thread"
            case speedupOverOneThread = "speedup_over_1_thread"
            case referenceSpeedupOverOneThread = "reference_gemm_speedup_over_1_thread"
        }
    }

    /// One stage of a profiled step: a layer's forward and backward, the loss layer, the batch, the update.
    public struct StageTime: Codable, Sendable, Equatable {
        /// "batch", "1 Convolution", "2 Relu", …, "loss SoftmaxWithLoss", "update Adam".
        public var name: String
        /// The stage's output shape (a layer's forward output; empty for the others).
        public var outputShape: [Int]
        /// Median milliseconds per step of the forward part (batch, update: their whole time).
        public var forwardMs: Double
        /// Median milliseconds per step of the backward part (0 for batch and update).
        public var backwardMs: Double

        enum CodingKeys: String, CodingKey {
            case name
            case outputShape = "output_shape"
            case forwardMs = "forward_ms"
            case backwardMs = "backward_ms"
        }
    }

    /// The run timed: its network, optimizer, batch size and seed (by default `configuration(model)`);
    /// its epochs and iterations are not used (the bench times `warmup` + `iterations` steps).
    public var configuration: TrainingConfiguration
    /// The network timed.
    public var model: NetworkSpec.Kind { configuration.model }
    /// Examples per step.
    public var batchSize: Int { configuration.batchSize }
    /// Seed of the weights and batches.
    public var seed: UInt64 { configuration.seed }
    /// Timed steps.
    public var iterations: Int
    /// Untimed steps first.
    public var warmup: Int
    /// After the timed steps, run as many again stage by stage, timing each layer's forward and backward
    /// (`Result.stages`). The stages' sum is a little above the step time (the clock is read ~30 more times).
    public var profileLayers = false
    /// How the convolutions compute (`LayerAlgorithm`): `.automatic`, the default, as the layers choose;
    /// `.fast` to time the im2col kernels alone, `.winograd` to force Winograd on every 3×3 stride-1 one.
    public var convolution = LayerAlgorithm.automatic
    /// Time the steps alternately on `Threads.count` threads and on 1, in blocks of `alternationBlock`
    /// timed steps (each block after one untimed step, in which layers lay their scratch out again for
    /// the new thread count), `iterations` timed steps each: the ratio of the two medians is then
    /// measured under the same conditions, which separate runs on a shared machine are not.
    ///
    /// After every block it also times one `referenceProductSize`² matrix product at the block's thread
    /// count (`Result.referenceSpeedupOverOneThread`): what the same moments gave a purely compute-bound
    /// job shared the same way, the ceiling to read the step's speed-up against on a shared machine.
    public var alternateWithOneThread = false
    /// Timed steps per block with `alternateWithOneThread`.
    public static let alternationBlock = 5
    /// n of the n×n·n×n product timed after every block with `alternateWithOneThread` (about 4 ms on one
    /// thread in Float: long enough to be compute-bound, short beside a block of CNN steps).
    public static let referenceProductSize = 512

    /// A benchmark of `configuration`'s run: `iterations` timed steps (nil for `defaultIterations`)
    /// after `warmup` untimed ones.
    public init(configuration: TrainingConfiguration, iterations: Int? = nil, warmup: Int = 10) {
        precondition(configuration.batchSize >= 1 && (iterations ?? 1) >= 1 && warmup >= 0,
                     "ModelBenchmark: batch size \(configuration.batchSize), iterations \(iterations ?? 0), warm-up \(warmup)")
        self.configuration = configuration
        self.iterations = iterations ?? Self.defaultIterations(configuration.model)
        self.warmup = warmup
    }

    /// A benchmark of `model` in `configuration(model)`: batches of `batchSize`, `iterations` timed steps
    /// (nil for `defaultIterations(model)`) after `warmup` untimed ones, weights and batches from `seed`.
    public init(model: NetworkSpec.Kind, batchSize: Int = 100, iterations: Int? = nil, warmup: Int = 10, seed: UInt64 = 0) {
        var configuration = Self.configuration(model)
        configuration.batchSize = batchSize
        configuration.seed = seed
        self.init(configuration: configuration, iterations: iterations, warmup: warmup)
    }

    /// Times the workload on `train` (flattened rows or (N, 1, 28, 28) images as the network needs).
    /// `dataName` is reported as is.
    public func run<Scalar: TensorScalar>(_: Scalar.Type, train: any LabeledDataset, dataName: String) -> Result {
        let spec = configuration.spec()
        let network = Self.withConvolutions(convolution, Network<Scalar>(spec: spec, seed: seed))
        let options = configuration.options(trainingCount: train.count, iterations: warmup + iterations)
        let optimizer: any Optimizer<Scalar> = options.optimizer.make(learningRate: options.effectiveLearningRate)
        let trainer = Trainer(network: network, optimizer: optimizer, options: options, train: train, test: train,
                              flatten: !spec.kind.isConvolutional)
        let peak = Self.gemmPeak(Scalar.self)
        for _ in 0..<warmup { trainer.step() }
        var times: [Double] = []
        times.reserveCapacity(iterations)
        let counter = AllocationCounter()
        let (allocationsBefore, bytesBefore) = counter?.read() ?? (0, 0)
        let threads = Threads.count
        let alternating = alternateWithOneThread && threads > 1
        var oneThreadTimes: [Double] = []
        // Reference product times after each block: [0] on `threads`, [1] on 1 thread.
        var referenceTimes: [[Double]] = [[], []]
        func timed(_ work: () -> Void, into times: inout [Double]) {
            let start = DispatchTime.now().uptimeNanoseconds
            work()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        func timedStep(into times: inout [Double]) { timed({ _ = trainer.step() }, into: &times) }
        if alternating {
            oneThreadTimes.reserveCapacity(iterations)
            let n = Self.referenceProductSize
            var rng = SeededGenerator(seed: 11)
            let a = Tensor<Scalar>.randomNormal([n, n], using: &rng), b = Tensor<Scalar>.randomNormal([n, n], using: &rng)
            var c = Tensor<Scalar>.zeros([n, n])
            var block = 0
            while times.count < iterations || oneThreadTimes.count < iterations {
                let single = block % 2 == 1
                Threads.count = single ? 1 : threads
                trainer.step()
                for _ in 0..<Self.alternationBlock {
                    if single { timedStep(into: &oneThreadTimes) } else { timedStep(into: &times) }
                }
                timed({ matmul(a, b, into: &c) }, into: &referenceTimes[single ? 1 : 0])
                block += 1
            }
            Threads.count = threads
            times.removeLast(times.count - iterations)
            oneThreadTimes.removeLast(oneThreadTimes.count - iterations)
        } else {
            for _ in 0..<iterations { timedStep(into: &times) }
        }
        let (allocationsAfter, bytesAfter) = counter?.read() ?? (0, 0)
        let sorted = times.sorted()
        let median = Self.median(sorted)
        let oneThreadMedian = alternating ? Self.median(oneThreadTimes.sorted()) : nil
        let flops = Self.gemmFlopsPerStep(network, batch: Swift.min(batchSize, train.count), spec: spec)
        let directFlops = Self.gemmFlopsPerStep(network, batch: Swift.min(batchSize, train.count), spec: spec, direct: true)
        let gflops = flops / (median / 1e3) / 1e9
        return Result(model: model.rawValue, dtype: Scalar.dtypeName, threads: Threads.count, batchSize: batchSize,
                      iterations: iterations, warmup: warmup, msPerStepMedian: median, msPerStepMin: sorted[0],
                      msPerStepMean: times.reduce(0, +) / Double(times.count),
                      examplesPerSecond: Double(Swift.min(batchSize, train.count)) / (median / 1e3),
                      gemmMFLOPPerStep: flops / 1e6, directMFLOPPerStep: directFlops / 1e6, gflops: gflops,
                      gemmPeakGFLOPS: peak, peakRatio: gflops / peak,
                      parameters: network.parameterCount, data: dataName, blasCore: BLASInfo.coreName,
                      // Alternating, the untimed steps re-lay scratch out: no count per step then.
                      allocationsPerStep: alternating
                          ? nil : counter.map { _ in Double(allocationsAfter - allocationsBefore) / Double(iterations) },
                      allocatedBytesPerStep: alternating ? nil : counter.map { _ in Double(bytesAfter - bytesBefore) / Double(iterations) },
                      stages: profileLayers ? profile(network, optimizer, train: train, spec: spec) : nil,
                      msPerStepMedianOneThread: oneThreadMedian,
                      speedupOverOneThread: oneThreadMedian.map { $0 / median },
                      referenceSpeedupOverOneThread: alternating
                          ? Self.median(referenceTimes[1].sorted()) / Self.median(referenceTimes[0].sorted()) : nil)
    }

    /// The median of sorted values (the mean of the middle two for an even count).
    private static func median(_ sorted: [Double]) -> Double {
        sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// `iterations` steps as `Trainer.step` and `Network.gradient` make them (the bench has no weight
    /// decay), on a fresh random batch each, with the clock read around every stage; medians per stage.
    private func profile<Scalar: TensorScalar>(_ network: Network<Scalar>, _ optimizer: any Optimizer<Scalar>,
                                               train: any LabeledDataset, spec: NetworkSpec) -> [StageTime] {
        let layers = network.layers
        var forward = Array(repeating: [Double](), count: layers.count + 3)   // batch, layers…, loss, update
        var backward = Array(repeating: [Double](), count: layers.count + 3)
        var shapes = Array(repeating: [Int](), count: layers.count + 3)
        var stages: [Int: Int] = [:]   // slot of a stage's first layer → layers in the stage
        var rng = SeededGenerator(seed: seed &+ 1)
        let batch = Swift.min(batchSize, train.count)
        func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
        func ms(_ from: UInt64, _ to: UInt64) -> Double { Double(to - from) / 1e6 }
        var indices = [Int](repeating: 0, count: batch)
        var inputSlots: [Tensor<Scalar>?] = [nil, nil], labelSlot: Tensor<Scalar>?
        for step in 0..<iterations {
            var t0 = now()
            // Batches as the trainer makes them: into buffers kept from earlier steps (two for the inputs,
            // since the first layer still holds the last one).
            for k in 0..<batch { indices[k] = rng.nextIndex(below: train.count) }
            train.inputs(indices, flatten: !spec.kind.isConvolutional, into: &inputSlots[step % 2])
            train.labelTensor(indices, into: &labelSlot)
            let x = inputSlots[step % 2]!, labels = labelSlot!
            var t1 = now()
            forward[0].append(ms(t0, t1))
            // The network's own stages: a fused group is timed whole under its first layer, both ways;
            // the others in it show 0.
            var y = x, i = 0
            while i < layers.count {
                t0 = now()
                let next: Int, input = y.shape
                (y, next) = network.forwardStage(y, at: i, training: true)
                forward[i + 1].append(ms(t0, now()))
                stages[i + 1] = next - i
                // Inside a group only a Convolution changes the shape (the Relu keeps it); the last gives y's.
                var shape = input
                for j in i..<next {
                    if let conv = layers[j] as? Convolution<Scalar> { shape = conv.outputShape(for: shape) }
                    shapes[j + 1] = j == next - 1 ? y.shape : shape
                }
                i = next
            }
            t0 = now()
            _ = network.lossLayer.forward(y, labels)
            var dout = network.lossLayer.backward(1)
            t1 = now()
            forward[layers.count + 1].append(ms(t0, t1))
            var index = layers.count - 1
            while index >= 0 {
                t0 = now()
                let next: Int
                (dout, next) = network.backwardStage(dout, at: index)
                backward[next + 2].append(ms(t0, now()))
                stages[next + 2] = Swift.max(stages[next + 2] ?? 1, index - next)
                index = next
            }
            t0 = now()
            optimizer.update(network.parameters)
            forward[layers.count + 2].append(ms(t0, now()))
        }
        func median(_ v: [Double]) -> Double { v.isEmpty ? 0 : Self.median(v.sorted()) }
        func typeName(_ value: Any) -> String {
            let name = String(describing: type(of: value))
            return name.firstIndex(of: "<").map { String(name[..<$0]) } ?? name
        }
        var names = ["batch"] + layers.enumerated().map { "\($0.offset + 1) \(typeName($0.element))" }
        // A group's first layer names the others: "1 Convolution (+ Relu, Pooling)", "; lean" when the group
        // keeps no ReLU mask or pooling input (`Network.keepsLayerState` off, as the trainer runs).
        for (slot, count) in stages where count > 1 {
            let others = slot..<(slot + count - 1)
            let lean = others.contains { (layers[$0] as? Pooling<Scalar>)?.reluInPositions == true }
            names[slot] += " (+ " + others.map { typeName(layers[$0]) }.joined(separator: ", ") + (lean ? "; lean" : "") + ")"
        }
        names += ["loss \(typeName(network.lossLayer))", "update \(typeName(optimizer))"]
        return names.indices.map { i in
            StageTime(name: names[i], outputShape: shapes[i], forwardMs: median(forward[i]), backwardMs: median(backward[i]))
        }
    }

    /// sgemm (Float) or dgemm (Double) GFLOP/s on a 1024×1024 product at the current thread count:
    /// the best of 7 runs after a warm-up.
    public static func gemmPeak<Scalar: TensorScalar>(_: Scalar.Type) -> Double {
        let n = 1024
        var rng = SeededGenerator(seed: 7)
        let a = Tensor<Scalar>.randomNormal([n, n], using: &rng)
        let b = Tensor<Scalar>.randomNormal([n, n], using: &rng)
        var c = Tensor<Scalar>.zeros([n, n])
        matmul(a, b, into: &c)
        var best = Double.infinity
        for _ in 0..<7 {
            let start = DispatchTime.now().uptimeNanoseconds
            matmul(a, b, into: &c)
            best = Swift.min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }

    /// `count` images of random pixels with random labels (seeded): stands in for a dataset when none is
    /// installed. Speed does not depend on the pixel values.
    public static func randomImages(count: Int, seed: UInt64 = 0) -> ImageSet {
        var rng = SeededGenerator(seed: seed)
        let pixels = (0..<(count * 784)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let labels = (0..<count).map { _ in UInt8(rng.next() % 10) }
        return ImageSet(pixels: pixels, labels: labels, rows: 28, columns: 28)
    }
}

/// The allocation counters of scripts/malloc_count.c when it is preloaded into this process.
struct AllocationCounter {
    private typealias Counter = @convention(c) () -> UInt64
    private let count: Counter
    private let bytes: Counter

    /// nil unless the process runs with the counting library preloaded.
    init?() {
        #if os(Linux)
        guard let c = dlsym(nil, "backprop_allocation_count"), let b = dlsym(nil, "backprop_allocated_bytes") else { return nil }
        count = unsafeBitCast(c, to: Counter.self)
        bytes = unsafeBitCast(b, to: Counter.self)
        #else
        return nil
        #endif
    }

    /// Allocations and bytes so far.
    func read() -> (UInt64, UInt64) { (count(), bytes()) }
}
