import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct IdentityTests {
    typealias Check = LayerGradientCheck

    @Test func passesValuesAndGradientsThrough() {
        let layer = Identity<Double>()
        let x = Check.random([2, 3, 2], seed: 71)
        #expect(layer.forward(x) == x)
        #expect(layer.forward(x, training: false) == x)
        #expect(layer.inputShape == [2, 3, 2])
        let dout = Check.random([2, 3, 2], seed: 72)
        #expect(layer.backward(dout) == dout)
        #expect(layer.parameters.isEmpty)
    }

    @Test func backwardMatchesNumericalGradient() {
        let x = Check.random([3, 4], seed: 73)
        let w = Check.random([3, 4], seed: 74)
        let layer = Identity<Double>()
        _ = layer.forward(x)
        let numeric = numericalGradient(of: { (Identity<Double>().forward($0) * w).sum() }, at: x)
        #expect(Check.relativeError(layer.backward(w), numeric) < Check.tolerance)
    }

    @Test func rejectsAGradientOfTheWrongShape() async {
        await #expect(processExitsWith: .failure) {
            let layer = Identity<Double>()
            _ = layer.forward(.zeros([2, 3]))
            _ = layer.backward(.zeros([6]))
        }
    }
}
