import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct MeanSquaredErrorLossTests {
    typealias Check = LayerGradientCheck

    @Test func theBooksExampleAsABatchOfOne() {
        // §4.2.1: mean_squared_error(y, t) = 0.0975 for "2" with probability 0.6.
        let y = Tensor<Double>([[0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]])
        let t = Tensor<Double>([[0, 0, 1, 0, 0, 0, 0, 0, 0, 0]])
        let layer = MeanSquaredErrorLoss<Double>()
        #expect(Swift.abs(layer.forward(y, t) - 0.0975) < 1e-15)
        #expect(layer.output == y)
        #expect(layer.target == t)
        #expect(Check.relativeError(layer.backward(), y - t) < 1e-15)
    }

    @Test func dividesByTheBatchSize() {
        let x = Tensor<Double>([[1, 2], [3, 4]])
        let t = Tensor<Double>([[0, 2], [3, 6]])
        let layer = MeanSquaredErrorLoss<Double>()
        // Σ(y − t)² = 1 + 4 = 5; 0.5 · 5 / N with N = 2.
        #expect(layer.forward(x, t) == 1.25)
        #expect(layer.loss == 1.25)
        #expect(layer.backward() == Tensor([[0.5, 0], [0, -1]]))
        #expect(layer.backward(4) == Tensor([[2, 0], [0, -4]]))
    }

    @Test func backwardMatchesNumericalGradient() {
        let x = Check.random([4, 3], seed: 81)
        let t = Check.random([4, 3], seed: 82)
        let layer = MeanSquaredErrorLoss<Double>()
        _ = layer.forward(x, t)
        let numeric = numericalGradient(of: { MeanSquaredErrorLoss<Double>().forward($0, t) }, at: x)
        #expect(Check.relativeError(layer.backward(), numeric) < Check.tolerance)
    }

    @Test func rejectsTargetsOfAnotherShape() async {
        await #expect(processExitsWith: .failure) {
            _ = MeanSquaredErrorLoss<Double>().forward(.zeros([2, 3]), .zeros([2]))
        }
    }
}
