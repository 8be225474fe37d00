import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Every optimizer trains a two-layer net on the 3-class spiral to ≥ 95% training accuracy.
struct TrainingTests {
    func train(_ optimizer: any Optimizer<Double>, iterations: Int = 2000,
               seed: UInt64 = 0) -> (first: Double, last: Double, accuracy: Double) {
        let data = SpiralDataset(pointsPerClass: 100, classes: 3, seed: 1)
        let x = data.points, t = data.labelTensor(as: Double.self)
        let net = TwoLayerNet<Double>(inputSize: 2, hiddenSize: 100, outputSize: 3, weightInitStd: 1, seed: seed)
        var rng = SeededGenerator(seed: seed)
        var first = 0.0
        for i in 0..<iterations {
            let batch = (0..<100).map { _ in rng.nextIndex(below: 300) }
            let loss = net.gradient(x.gatheringRows(batch), t.gatheringRows(batch))
            optimizer.update(net.parameters)
            if i == 0 { first = loss }
        }
        return (first, net.loss(x, t), net.accuracy(x, t))
    }

    @Test(arguments: OptimizerKind.allCases)
    func everyOptimizerLearnsTheSpiral(_ kind: OptimizerKind) {
        let rates: [OptimizerKind: Double] = [.sgd: 1.0, .momentum: 0.3, .nesterov: 0.3, .adagrad: 0.5,
                                              .rmsprop: 0.01, .adam: 0.03]
        let result = train(kind.make(learningRate: rates[kind]!))
        #expect(result.last < result.first / 2, "\(kind): loss \(result.first) → \(result.last)")
        #expect(result.accuracy >= 0.95, "\(kind): training accuracy \(result.accuracy)")
    }

    @Test func trainingIsDeterministic() {
        let a = train(SGD<Double>(learningRate: 1), iterations: 50, seed: 3)
        let b = train(SGD<Double>(learningRate: 1), iterations: 50, seed: 3)
        #expect(a.last == b.last && a.accuracy == b.accuracy)
    }
}
