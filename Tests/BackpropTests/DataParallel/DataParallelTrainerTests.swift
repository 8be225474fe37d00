import Backprop
import Foundation
import Testing

/// Data-parallel training through `Trainer`'s `GradientReducer` hook, with ranks simulated on threads
/// of this process (`InMemoryRanks`): no MPI needed. N ranks on the same global batches must give the
/// one-process run — losses, weights, running statistics, evaluation — up to summation order.
struct DataParallelTrainerTests {
    /// What a run leaves: the loss of every step, every tensor, and the test-set evaluation.
    struct Outcome {
        var losses: [Double] = []
        var tensors: [String: [Double]] = [:]
        var testLoss = 0.0, testAccuracy = 0.0
        var confusion: [[Int]] = []
    }

    /// MultiLayerNet with batch normalization after each hidden Affine and weight decay (§6.3, §6.4).
    static func mlpWithBatchNorm(seed: UInt64) -> Network<Double> {
        Network(spec: NetworkSpec(kind: .mlp, inputSize: 16, hiddenSizes: [12, 10], outputSize: 4,
                                  weightInit: .he, weightDecay: 0.01, batchNorm: true), seed: seed)
    }

    /// TwoLayerNet (§5.7).
    static func twoLayer(seed: UInt64) -> Network<Double> {
        Network(spec: NetworkSpec(kind: .twoLayer, inputSize: 16, hiddenSizes: [10], outputSize: 4,
                                  weightInit: .standardDeviation(0.1)), seed: seed)
    }

    /// A small convolutional net with per-channel batch normalization on 4-d input:
    /// Conv(3 filters 3×3, pad 1) → BN per channel → ReLU → Pool(2×2, stride 2) → Flatten → Affine(12→4).
    static func smallConvNet(seed: UInt64) -> Network<Double> {
        var rng = SeededGenerator(seed: seed)
        let layers: [any Layer<Double>] = [
            Convolution(weight: .randomNormal([3, 1, 3, 3], standardDeviation: 0.3, using: &rng), bias: .zeros([3]), pad: 1),
            BatchNormalization(featureCount: 3, perChannel: true), Relu(),
            Pooling(poolHeight: 2, poolWidth: 2, stride: 2), Flatten(),
            Affine(weight: .randomNormal([12, 4], standardDeviation: 0.3, using: &rng), bias: .zeros([4])),
        ]
        return Network(layers: layers, lossLayer: SoftmaxWithLoss())
    }

    /// Trains `network` for `steps` steps (on its rank's share when `reducer` is given) and evaluates it.
    static func train(_ network: Network<Double>, reducer: (any GradientReducer)?, optimizer: OptimizerKind,
                      steps: Int, batchSize: Int, flatten: Bool = true, schedule: LearningRateSchedule = .constant,
                      augmentation: ImageAugmentation? = nil) -> Outcome {
        let options = TrainingOptions(optimizer: optimizer, batchSize: batchSize, iterations: steps, seed: 5,
                                      learningRateSchedule: schedule, warmup: schedule == .constant ? 0 : 2,
                                      augmentation: augmentation)
        let trainer = Trainer(network: network, optimizer: optimizer.make(learningRate: options.effectiveLearningRate),
                              options: options, train: DataFixtures.quadrantTrain, test: DataFixtures.quadrantTest,
                              flatten: flatten, reducer: reducer)
        trainer.broadcastParametersFromRankZero()
        var outcome = Outcome()
        for _ in 0..<steps { outcome.losses.append(trainer.step()) }
        for p in network.parameters { outcome.tensors[p.name] = p.value.scalars }
        for (index, bn) in network.layers.compactMap({ $0 as? BatchNormalization<Double> }).enumerated() {
            outcome.tensors["running_mean\(index)"] = bn.runningMean.scalars
            outcome.tensors["running_var\(index)"] = bn.runningVariance.scalars
        }
        (outcome.testLoss, outcome.testAccuracy, outcome.confusion) = trainer.evaluate(trainer.testSet, confusion: true)
        return outcome
    }

    /// Every rank's outcome of a run on `rankCount` simulated ranks; rank r builds its network from
    /// seed 1 + r, so the ranks agree only if rank 0's weights were broadcast.
    static func trainOnRanks(_ rankCount: Int, _ make: @escaping @Sendable (UInt64) -> Network<Double>, optimizer: OptimizerKind,
                             steps: Int, batchSize: Int, flatten: Bool = true, schedule: LearningRateSchedule = .constant,
                             augmentation: ImageAugmentation? = nil) -> (outcomes: [Outcome], reductions: Int) {
        let hub = InMemoryRanks(rankCount: rankCount)
        let outcomes = hub.run { rank in
            train(make(1 + UInt64(rank.rank)), reducer: rank, optimizer: optimizer, steps: steps, batchSize: batchSize, flatten: flatten,
                  schedule: schedule, augmentation: augmentation)
        }
        return (outcomes, hub.reductions)
    }

    /// |a − b| ≤ 1e-12 · max |a| for every element of every tensor, the same for each step's loss, and
    /// the same test accuracy and confusion matrix.
    static func expectClose(_ a: Outcome, _ b: Outcome, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.losses.count == b.losses.count, sourceLocation: sourceLocation)
        for (step, (x, y)) in zip(a.losses, b.losses).enumerated() {
            #expect(abs(x - y) <= 1e-12 * abs(x), "\(what): step \(step + 1) loss \(x) vs \(y)", sourceLocation: sourceLocation)
        }
        #expect(Set(a.tensors.keys) == Set(b.tensors.keys), sourceLocation: sourceLocation)
        for (name, x) in a.tensors {
            guard let y = b.tensors[name] else { continue }
            let scale = x.map(abs).max() ?? 0
            let worst = zip(x, y).map { abs($0 - $1) }.max() ?? 0
            // A bias just before a batch norm has ∂L/∂b = 0 exactly (BN subtracts the mean): it stays 0 up
            // to rounding noise (~1e-17) on both sides, and only that is checked for it.
            if scale < 1e-12 {
                #expect((y.map(abs).max() ?? 0) < 1e-12, "\(what): \(name) should stay 0 up to rounding: \(y)",
                        sourceLocation: sourceLocation)
                continue
            }
            #expect(worst <= 1e-12 * scale, "\(what): \(name) differs by \(worst) (largest element \(scale))",
                    sourceLocation: sourceLocation)
        }
        #expect(abs(a.testLoss - b.testLoss) <= 1e-12 * abs(a.testLoss), "\(what): test loss \(a.testLoss) vs \(b.testLoss)",
                sourceLocation: sourceLocation)
        #expect(a.testAccuracy == b.testAccuracy, "\(what): test accuracy", sourceLocation: sourceLocation)
        #expect(a.confusion == b.confusion, "\(what): confusion matrix", sourceLocation: sourceLocation)
    }

    @Test("2 and 3 ranks of MultiLayerNet with batch norm and weight decay equal one process (unequal shares of 25)")
    func mlpWithBatchNormMatchesOneProcess() {
        let alone = Self.train(Self.mlpWithBatchNorm(seed: 1), reducer: nil, optimizer: .sgd, steps: 15, batchSize: 25)
        for rankCount in [2, 3] {
            let (outcomes, reductions) = Self.trainOnRanks(rankCount, Self.mlpWithBatchNorm, optimizer: .sgd, steps: 15, batchSize: 25)
            for (rank, outcome) in outcomes.enumerated() { Self.expectClose(alone, outcome, "\(rankCount) ranks, rank \(rank)") }
            // The broadcast, per step one gradient sum plus 2 + 2 per batch-norm layer, one evaluation.
            #expect(reductions == 1 + 15 * (1 + 4 * 2) + 1)
        }
        #expect(alone.losses.last! < alone.losses.first!, "the run should learn: \(alone.losses)")
    }

    @Test("2 ranks of TwoLayerNet with Adam equal one process; one reduction per step")
    func twoLayerMatchesOneProcess() {
        let alone = Self.train(Self.twoLayer(seed: 1), reducer: nil, optimizer: .adam, steps: 14, batchSize: 30)
        let (outcomes, reductions) = Self.trainOnRanks(2, Self.twoLayer, optimizer: .adam, steps: 14, batchSize: 30)
        for (rank, outcome) in outcomes.enumerated() { Self.expectClose(alone, outcome, "rank \(rank)") }
        #expect(reductions == 1 + 14 + 1)
    }

    @Test("2 ranks of a convolutional net with per-channel batch norm equal one process")
    func convNetMatchesOneProcess() {
        let alone = Self.train(Self.smallConvNet(seed: 1), reducer: nil, optimizer: .momentum, steps: 8, batchSize: 20, flatten: false)
        let (outcomes, _) = Self.trainOnRanks(2, Self.smallConvNet, optimizer: .momentum, steps: 8, batchSize: 20, flatten: false)
        for (rank, outcome) in outcomes.enumerated() { Self.expectClose(alone, outcome, "rank \(rank)") }
    }

    @Test("2 ranks with a cosine schedule and crops and flips equal one process: each rank augments its share as the whole batch would")
    func scheduledAugmentedConvNetMatchesOneProcess() {
        let augmentation = ImageAugmentation(cropPadding: 1, horizontalFlip: true)
        let alone = Self.train(Self.smallConvNet(seed: 1), reducer: nil, optimizer: .momentum, steps: 8, batchSize: 20, flatten: false,
                               schedule: .cosine, augmentation: augmentation)
        let (outcomes, _) = Self.trainOnRanks(2, Self.smallConvNet, optimizer: .momentum, steps: 8, batchSize: 20, flatten: false,
                                              schedule: .cosine, augmentation: augmentation)
        for (rank, outcome) in outcomes.enumerated() { Self.expectClose(alone, outcome, "rank \(rank)") }
        let plain = Self.train(Self.smallConvNet(seed: 1), reducer: nil, optimizer: .momentum, steps: 8, batchSize: 20, flatten: false)
        #expect(plain.losses != alone.losses, "augmentation and the schedule change the run")
    }

    @Test("A reducer of one rank is the one-process run, bit for bit")
    func oneRankIsExact() {
        let alone = Self.train(Self.mlpWithBatchNorm(seed: 1), reducer: nil, optimizer: .adam, steps: 6, batchSize: 40)
        let (outcomes, _) = Self.trainOnRanks(1, Self.mlpWithBatchNorm, optimizer: .adam, steps: 6, batchSize: 40)
        #expect(outcomes[0].losses.map(\.bitPattern) == alone.losses.map(\.bitPattern))
        #expect(outcomes[0].tensors.mapValues { $0.map(\.bitPattern) } == alone.tensors.mapValues { $0.map(\.bitPattern) })
        #expect(outcomes[0].testLoss.bitPattern == alone.testLoss.bitPattern)
    }

    @Test("Shares of a batch: contiguous, in rank order, the first ranks one longer")
    func shares() {
        #expect((0..<3).map { InMemoryRanks.Rank.share(of: 10, rank: $0, rankCount: 3) } == [0..<4, 4..<7, 7..<10])
        #expect((0..<2).map { InMemoryRanks.Rank.share(of: 25, rank: $0, rankCount: 2) } == [0..<13, 13..<25])
        #expect((0..<4).map { InMemoryRanks.Rank.share(of: 2, rank: $0, rankCount: 4) } == [0..<1, 1..<2, 2..<2, 2..<2])
    }

    @Test("Batch statistics over two ranks' halves are those of the whole batch (§6.3.1)")
    func batchScopeSumsOverRanks() {
        let x = Tensor<Double>(shape: [4, 2], scalars: [1, 10, 2, 20, 3, 30, 6, 60])
        let whole = BatchNormalization<Double>(featureCount: 2).forward(x, training: true)
        let hub = InMemoryRanks(rankCount: 2)
        let halves = hub.run { rank in
            let bn = BatchNormalization<Double>(featureCount: 2)
            bn.scope = .global(rank)
            let rows = rank.rank == 0 ? [1.0, 10, 2, 20] : [3.0, 30, 6, 60]
            return (bn.forward(Tensor(shape: [2, 2], scalars: rows), training: true).scalars, bn.runningMean.scalars)
        }
        // μ = (3, 30), σ² = (3.5, 350): x̂ of the first feature is (x − 3)/√(3.5 + 1e-6).
        let expected = [1.0, 2, 3, 6].map { ($0 - 3) / (3.5 + 1e-6).squareRoot() }
        #expect(zip(halves[0].0 + halves[1].0, whole.scalars).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(zip(stride(from: 0, to: 8, by: 2).map { (halves[0].0 + halves[1].0)[$0] }, expected).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(abs(halves[0].1[0] - 0.3) < 1e-15 && abs(halves[0].1[1] - 3) < 1e-14, "running mean \(halves[0].1)")   // (1 − 0.9)·μ
        #expect(halves[0].1 == halves[1].1)
    }
}
