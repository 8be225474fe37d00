import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct SoftmaxTests {
    @Test func theBooksExample() {
        // §3.5.1: softmax([0.3, 2.9, 4.0]) = [0.01821127, 0.24519181, 0.73659691]
        let y = softmax(Tensor<Double>([0.3, 2.9, 4.0]))
        let expected = [0.01821127, 0.24519181, 0.73659691]
        #expect(y.shape == [3])
        for i in 0..<3 { #expect(Swift.abs(y[i] - expected[i]) < 5e-9) }
        #expect(Swift.abs(y.sum() - 1) < 1e-15)
        let f = softmax(Tensor<Float>([0.3, 2.9, 4.0]))
        for i in 0..<3 { #expect(Swift.abs(Double(f[i]) - expected[i]) < 1e-6) }
    }

    @Test func rowsAreNormalisedSeparately() {
        let x = Tensor<Double>([[0.3, 2.9, 4.0], [1, 1, 1]])
        let y = softmax(x)
        #expect(y.shape == [2, 3])
        let first = softmax(Tensor<Double>([0.3, 2.9, 4.0]))
        for j in 0..<3 {
            #expect(y[0, j] == first[j])
            #expect(Swift.abs(y[1, j] - 1.0 / 3) < 1e-15)
        }
    }

    @Test func largeLogitsDoNotOverflow() {
        // §3.5.2: the book's [1010, 1000, 990] gives nan without the max subtraction.
        let y = softmax(Tensor<Double>([1010, 1000, 990]))
        let expected = [9.99954600e-01, 4.53978686e-05, 2.06106005e-09]
        for i in 0..<3 { #expect(Swift.abs(y[i] - expected[i]) / expected[i] < 1e-8) }
        let f = softmax(Tensor<Float>([[1e4, -1e4, 0]]))
        #expect(f == Tensor<Float>([[1, 0, 0]]))
    }

    @Test func invariantToAShiftOfEachRow() {
        let x = LayerGradientCheck.random([3, 4], seed: 5)
        let shifted = x + Tensor<Double>(shape: [3, 1], scalars: [100, -50, 7])
        #expect(LayerGradientCheck.relativeError(softmax(shifted), softmax(x)) < 1e-13)
    }
}
