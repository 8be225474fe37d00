import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct NumericalGradientTests {
    /// §4.4: the gradient of f(x0, x1) = x0² + x1² at (3, 4) is (6, 8); the book prints 6.00000000000378, 7.999999999999119.
    @Test func functionTwoAtTheBooksPoints() {
        let f: (Tensor<Double>) -> Double = { ($0 * $0).sum() }
        let g1 = numericalGradient(of: f, at: Tensor([3.0, 4.0]))
        #expect(Swift.abs(g1[0] - 6) < 1e-9 && Swift.abs(g1[1] - 8) < 1e-9)
        let g2 = numericalGradient(of: f, at: Tensor([0.0, 2.0]))
        #expect(Swift.abs(g2[0]) < 1e-9 && Swift.abs(g2[1] - 4) < 1e-9)
        let g3 = numericalGradient(of: f, at: Tensor([3.0, 0.0]))
        #expect(Swift.abs(g3[0] - 6) < 1e-9 && Swift.abs(g3[1]) < 1e-9)
    }

    @Test func leavesTheInputUntouchedAndKeepsItsShape() {
        let x = Tensor<Double>(shape: [2, 2], scalars: [1, 2, 3, 4])
        let g = numericalGradient(of: { exp($0).sum() }, at: x)
        #expect(g.shape == [2, 2])
        #expect(x == Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]))
        for i in 0..<4 { #expect(Swift.abs(g.scalars[i] - Foundation.exp(x.scalars[i])) < 1e-6) }
    }
}
