import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct FlattenTests {
    typealias Check = LayerGradientCheck

    @Test func joinsEveryAxisButTheFirstAndBackwardRestoresTheShape() {
        let x = Check.random([2, 3, 4, 5], seed: 1)
        let flatten = Flatten<Double>()
        let y = flatten.forward(x)
        #expect(y.shape == [2, 60])
        #expect(y.scalars == x.scalars)                 // the book's reshape: row-major order kept
        #expect(flatten.inputShape == [2, 3, 4, 5])
        let dout = Check.random([2, 60], seed: 2)
        let dx = flatten.backward(dout)
        #expect(dx.shape == [2, 3, 4, 5])
        #expect(dx.scalars == dout.scalars)
    }

    @Test func otherRanksAndAnEmptyBatch() {
        let flatten = Flatten<Float>()
        #expect(flatten.forward(.zeros([4, 3])).shape == [4, 3])
        #expect(flatten.forward(.zeros([5])).shape == [5, 1])
        #expect(flatten.backward(.zeros([5, 1])).shape == [5])
        #expect(flatten.forward(.zeros([0, 3, 2])).shape == [0, 6])
        #expect(flatten.backward(.zeros([0, 6])).shape == [0, 3, 2])
    }

    @Test func matchesAffinesOwnFlattening() {
        // Flatten then Affine is the same network as Affine alone on 4-d input.
        let x = Check.random([2, 3, 2, 2], seed: 3)
        let w = Check.random([12, 4], seed: 4), b = Check.random([4], seed: 5)
        let flatten = Flatten<Double>(), affine = Affine(weight: w, bias: b)
        let direct = Affine(weight: w, bias: b)
        #expect(affine.forward(flatten.forward(x)) == direct.forward(x))
        let dout = Check.random([2, 4], seed: 6)
        #expect(flatten.backward(affine.backward(dout)) == direct.backward(dout))
    }

    @Test func doesNotMutateItsInput() {
        let x = Check.random([2, 3, 4], seed: 7)
        let copy = x
        let flatten = Flatten<Double>()
        _ = flatten.forward(x)
        #expect(x == copy)
        #expect(flatten.parameters.isEmpty)
    }

    @Test func rejectsDoutOfTheWrongShape() async {
        await #expect(processExitsWith: .failure) {
            let flatten = Flatten<Double>()
            _ = flatten.forward(.zeros([2, 3, 4]))
            _ = flatten.backward(.zeros([3, 8]))
        }
    }

    @Test func rejectsBackwardBeforeForward() async {
        await #expect(processExitsWith: .failure) {
            _ = Flatten<Double>().backward(.zeros([2, 3]))
        }
    }
}
