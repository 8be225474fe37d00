import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Trainer: iteration counts, one history row per epoch (and one at the end), the loss and accuracy in
/// them, and learning on the synthetic quadrant set.
struct TrainerTests {
    func makeTrainer(iterations: Int, batchSize: Int = 100, optimizer: OptimizerKind = .sgd, learningRate: Double = 0.3,
                     seed: UInt64 = 7) -> Trainer<Float> {
        let options = TrainingOptions(optimizer: optimizer, learningRate: learningRate, batchSize: batchSize,
                                      iterations: iterations, seed: seed)
        let net = TwoLayerNet<Float>(inputSize: 16, hiddenSize: 12, outputSize: 4, weightInitStd: 0.1, seed: 1)
        return Trainer(network: net, optimizer: optimizer.make(learningRate: learningRate), options: options,
                       train: DataFixtures.quadrantTrain, test: DataFixtures.quadrantTest)
    }

    @Test func optionsDefaults() {
        let o = TrainingOptions()
        #expect(o.optimizer == .sgd && o.learningRate == nil && o.batchSize == 100 && o.iterations == 10_000 && o.seed == 0)
        #expect(o.effectiveLearningRate == 0.01)
        #expect(TrainingOptions(optimizer: .adam).effectiveLearningRate == 0.001)
        #expect(TrainingOptions(optimizer: .adam, learningRate: 0.5).effectiveLearningRate == 0.5)
    }

    @Test func historyRowEveryEpoch() {
        let trainer = makeTrainer(iterations: 30)
        #expect(trainer.iterationsPerEpoch == 3)
        var losses: [Double] = []
        var progressIterations: [Int] = []
        var recorded: [EpochRecord] = []
        trainer.run(progress: { p in
            losses.append(p.loss)
            progressIterations.append(p.iteration)
            #expect(p.totalIterations == 30)
        }, epochEnded: { recorded.append($0) })
        #expect(trainer.iteration == 30 && trainer.optimizer.step == 30)
        #expect(progressIterations == Array(1...30))
        #expect(trainer.history.count == 10)
        #expect(trainer.history == recorded)
        #expect(trainer.history.map(\.iteration) == Array(stride(from: 3, through: 30, by: 3)))
        #expect(trainer.history.map(\.epoch) == (1...10).map(Double.init))
        for (k, row) in trainer.history.enumerated() {
            let mean = losses[(3 * k)..<(3 * k + 3)].reduce(0, +) / 3
            #expect(Swift.abs(row.loss - mean) <= 1e-12 * Swift.abs(mean), "row \(k): loss \(row.loss), mean of steps \(mean)")
            #expect(row.trainAccuracy >= 0 && row.trainAccuracy <= 1 && row.testAccuracy >= 0 && row.testAccuracy <= 1)
            #expect(row.seconds >= 0)
            if k > 0 { #expect(row.seconds >= trainer.history[k - 1].seconds) }
        }
        #expect(trainer.pendingLoss.count == 0 && trainer.pendingLoss.sum == 0)
        #expect(trainer.sampler.epoch == 10 && trainer.sampler.atEpochStart)
    }

    /// A run that ends mid-epoch gets a final row with a fractional epoch.
    @Test func finalRowMidEpoch() {
        let trainer = makeTrainer(iterations: 10)
        trainer.run()
        #expect(trainer.history.map(\.iteration) == [3, 6, 9, 10])
        let last = trainer.history.last!
        #expect(Swift.abs(last.epoch - (3 + 100.0 / 300.0)) < 1e-12)
        #expect(trainer.sampler.epoch == 3 && trainer.sampler.position == 100)
    }

    /// 300 examples in batches of 128: 128, 128, 44 per epoch.
    @Test func partialBatches() {
        let trainer = makeTrainer(iterations: 7, batchSize: 128)
        #expect(trainer.iterationsPerEpoch == 3)
        trainer.run()
        #expect(trainer.history.map(\.iteration) == [3, 6, 7])
        #expect(trainer.history.map(\.epoch) == [1, 2, 2 + 128.0 / 300.0])
    }

    /// Stopping early and calling run again continues the same run, with the same rows.
    @Test func stopAndContinue() {
        let straight = makeTrainer(iterations: 12)
        straight.run()
        let split = makeTrainer(iterations: 12)
        split.run(shouldStop: { split.iteration >= 4 })
        #expect(split.iteration == 4 && split.history.count == 1 && split.pendingLoss.count == 1)
        split.run()
        #expect(split.iteration == 12)
        #expect(DataFixtures.historyBits(split.history) == DataFixtures.historyBits(straight.history))
        #expect(DataFixtures.parameterBytes(split.network) == DataFixtures.parameterBytes(straight.network))
        // Nothing more to do once the iterations are done.
        split.run()
        #expect(split.iteration == 12 && split.history.count == 4)
    }

    @Test(arguments: [OptimizerKind.sgd, .adam, .momentum])
    func accuracyGoesUp(kind: OptimizerKind) {
        let rates: [OptimizerKind: Double] = [.sgd: 0.5, .adam: 0.02, .momentum: 0.1]
        let trainer = makeTrainer(iterations: 150, optimizer: kind, learningRate: rates[kind]!)
        let before = trainer.evaluate(DataFixtures.quadrantTrain)
        #expect(before.accuracy < 0.6, "the untrained net should not already know the task: \(before.accuracy)")
        trainer.run()
        let first = trainer.history.first!, last = trainer.history.last!
        #expect(last.trainAccuracy > before.accuracy + 0.3, "\(kind): \(before.accuracy) → \(last.trainAccuracy)")
        #expect(last.trainAccuracy >= 0.9, "\(kind): final training accuracy \(last.trainAccuracy)")
        #expect(last.testAccuracy >= 0.85, "\(kind): final test accuracy \(last.testAccuracy)")
        #expect(last.loss < first.loss, "\(kind): loss \(first.loss) → \(last.loss)")
        let after = trainer.evaluate(DataFixtures.quadrantTrain)
        #expect(after.accuracy == last.trainAccuracy && after.loss < before.loss)
    }

    @Test func evaluateMatchesNetworkAccuracy() {
        let trainer = makeTrainer(iterations: 6)
        trainer.run()
        let set = DataFixtures.quadrantSet(count: 2345, seed: 3)   // many chunks, the last one partial
        let all = Array(0..<set.count)
        let expected = trainer.network.accuracy(set.images(all, as: Float.self), set.labels(all, as: Float.self))
        let result = trainer.evaluate(set)
        #expect(result.accuracy == expected)
        let loss = Double(trainer.network.loss(set.images(all, as: Float.self), set.labels(all, as: Float.self)))
        #expect(Swift.abs(result.loss - loss) < 1e-4 * Swift.abs(loss))
        // Any chunk size gives the same accuracy and confusion matrix (the loss up to summation order).
        for chunk in [1, 7, 1000, 5000] {
            let other = BackpropTraining.evaluate(trainer.network, on: set, confusion: true, chunkSize: chunk)
            let reference = BackpropTraining.evaluate(trainer.network, on: set, confusion: true)
            #expect(other.accuracy == expected && other.confusion == reference.confusion, "chunk \(chunk)")
            #expect(Swift.abs(other.loss - loss) < 1e-4 * Swift.abs(loss), "chunk \(chunk)")
        }
    }
}
