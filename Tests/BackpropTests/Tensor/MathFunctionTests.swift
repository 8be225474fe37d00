import Backprop
import Foundation
import Testing

// Elementwise functions: exp (the library's own polynomial), log, sqrt, tanh, abs and the other
// unary kernels.

/// |actual − expected| ≤ rtol·|expected|, with NaN matching NaN and infinities matching exactly.
private func relativelyClose<T: BinaryFloatingPoint>(_ actual: T, _ expected: T, rtol: T) -> Bool {
    if expected.isNaN { return actual.isNaN }
    if expected.isInfinite || expected == 0 { return actual == expected }
    return Swift.abs(actual - expected) <= rtol * Swift.abs(expected)
}

@Suite("Elementwise math functions")
struct MathFunctionTests {
    static let exactPoints: [Double] = [-100, -87.3, -87, -50, -20.5, -10, -1, -0.5, -1e-8, 0, 1e-8, 0.5, 1, 2, 10,
                                        20.5, 50, 88, 88.72]

    /// A sweep of every point in `exactPoints` plus steps of 0.01 over [-87, 88] (17,501 values).
    static func sweep() -> [Double] {
        exactPoints + (0...17_500).map { -87 + Double($0) / 100 }
    }

    @Test func expMatchesFoundationFloat() {
        let xs = Self.sweep().map { Float($0) }
        let y = exp(Tensor<Float>(xs))
        #expect(y.shape == [xs.count])
        var failures: [String] = []
        for (x, v) in zip(xs, y.scalars) where !relativelyClose(v, Foundation.exp(x), rtol: 2e-7) {
            failures.append("exp(\(x)) = \(v), Foundation \(Foundation.exp(x))")
        }
        #expect(failures.isEmpty, "\(failures.count) Float values off by more than 2e-7: \(failures.prefix(10))")
    }

    @Test func expMatchesFoundationDouble() {
        let xs = Self.sweep() + [-700, -708, 700, 709]
        let y = exp(Tensor<Double>(xs))
        #expect(y.shape == [xs.count])
        var failures: [String] = []
        for (x, v) in zip(xs, y.scalars) where !relativelyClose(v, Foundation.exp(x), rtol: 1e-15) {
            failures.append("exp(\(x)) = \(v), Foundation \(Foundation.exp(x))")
        }
        #expect(failures.isEmpty, "\(failures.count) Double values off by more than 1e-15: \(failures.prefix(10))")
    }

    @Test func expAtTheNamedPoints() {
        // A few values written out (np.exp in float64).
        expectTensorClose(exp(Tensor<Double>([0, 1, -1, 0.5, 10, -87, 88])), shape: [7],
                    [1, 2.718281828459045, 0.36787944117144233, 1.6487212707001282, 22026.465794806718,
                     1.6458114310822737e-38, 1.6516362549940018e+38], rtol: 1e-15)
        expectTensorClose(exp(Tensor<Float>([0, 1, -1, 0.5, 10, -87, 88])), shape: [7],
                    [1, 2.718281828459045, 0.36787944117144233, 1.6487212707001282, 22026.465794806718,
                     1.6458114310822737e-38, 1.6516362549940018e+38], rtol: 2e-7)
        #expect(exp(Tensor<Double>(0)).scalar == 1)
        #expect(exp(Tensor<Float>(0)).scalar == 1)
    }

    @Test func expSpecialValues() {
        func check<T: TensorScalar>(_: T.Type) {
            let y = exp(Tensor<T>([1000, -1000, .nan, .infinity, -.infinity]))
            #expect(y[0] == .infinity, "\(T.self) exp(1000)")
            #expect(y[1] == 0, "\(T.self) exp(-1000)")
            #expect(y[2].isNaN, "\(T.self) exp(nan)")
            #expect(y[3] == .infinity, "\(T.self) exp(inf)")
            #expect(y[4] == 0, "\(T.self) exp(-inf)")
        }
        check(Float.self)
        check(Double.self)
        // Just beyond the largest finite result.
        #expect(exp(Tensor<Float>([89])).scalar == .infinity)
        #expect(exp(Tensor<Double>([710])).scalar == .infinity)
        // Results in the subnormal range are still positive and close to libm.
        let tinyF = exp(Tensor<Float>([-100, -103])).scalars
        #expect(tinyF[0] > 0 && tinyF[1] > 0)
        #expect(Swift.abs(tinyF[0] - Foundation.exp(Float(-100))) <= Float.leastNonzeroMagnitude)
        let tinyD = exp(Tensor<Double>([-740])).scalar
        #expect(Swift.abs(tinyD - Foundation.exp(-740.0)) <= Double.leastNonzeroMagnitude)
    }

    @Test func expLargeTensorMatchesSmall() {
        // 300,000 elements run on several threads; each element must equal the one-element result.
        let n = 300_000
        let x = Tensor<Double>.arange(0, Double(n)) / Double(n) * 20 - 10
        let y = exp(x)
        for i in [0, 1, 149_999, 150_000, 262_143, n - 1] {
            #expect(y[i] == exp(Tensor<Double>(x[i])).scalar, "element \(i)")
        }
        var inPlace = x
        inPlace.apply(.exp)
        #expect(inPlace == y)
    }

    @Test func log() {
        func check<T: TensorScalar>(_: T.Type) {
            let x = Tensor<T>([1, T(M_E), 0.5, 2, 10, 0, -1, .infinity])
            expectTensorClose(BackpropCore.log(x), shape: [8],
                        [0, 1, -0.6931471805599453, 0.6931471805599453, 2.302585092994046, -.infinity, .nan, .infinity])
        }
        check(Float.self)
        check(Double.self)
        // Against libm element by element.
        let xs = (1...1000).map { Double($0) * 0.37 }
        #expect(BackpropCore.log(Tensor<Double>(xs)).scalars == xs.map { Foundation.log($0) })
    }

    @Test func sqrt() {
        func check<T: TensorScalar>(_: T.Type) {
            let y = BackpropCore.sqrt(Tensor<T>([[0, 1, 2], [4, 0.25, -1]]))
            #expect(y.shape == [2, 3])
            #expect(y[0, 0] == 0)
            #expect(y[0, 1] == 1)
            #expect(y[0, 2] == T(2).squareRoot())
            #expect(y[1, 0] == 2)
            #expect(y[1, 1] == 0.5)
            #expect(y[1, 2].isNaN)
        }
        check(Float.self)
        check(Double.self)
        #expect(BackpropCore.sqrt(Tensor<Double>([2])).scalar == 1.4142135623730951)
        #expect(BackpropCore.sqrt(Tensor<Float>([2])).scalar == 1.4142135)
    }

    @Test func tanh() {
        func check<T: TensorScalar>(_: T.Type) {
            expectTensorClose(BackpropCore.tanh(Tensor<T>([0, 0.5, -1, 3, 20, -20, .nan])), shape: [7],
                        [0, 0.46211715726000974, -0.7615941559557649, 0.9950547536867305, 1, -1, .nan])
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func abs() {
        func check<T: TensorScalar>(_: T.Type) {
            let y = BackpropCore.abs(Tensor<T>([-1.5, 0, 2, -.infinity, -0.0, .nan]))
            expectTensorExact(y, shape: [6], [1.5, 0, 2, .infinity, 0, .nan])
            #expect(y[4].sign == .plus, "abs(-0) is +0")
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func otherUnaryKernels() {
        func check<T: TensorScalar>(_: T.Type) {
            let x = Tensor<T>([-2, -0.5, 0, 0.5, 4])
            expectTensorExact(x.applying(.negate), shape: [5], [2, 0.5, 0, -0.5, -4])
            expectTensorExact(x.applying(.square), shape: [5], [4, 0.25, 0, 0.25, 16])
            expectTensorExact(x.applying(.reciprocal), shape: [5], [-0.5, -2, .infinity, 2, 0.25])
            expectTensorExact(x.applying(.relu), shape: [5], [0, 0, 0, 0.5, 4])
            // Sigmoid is finite for any input: 1 / (1 + exp(-x)).
            let s = Tensor<T>([-1000, -20, -1, 0, 1, 20, 1000]).applying(.sigmoid)
            expectTensorClose(s, shape: [7],
                        [0, 2.0611536181902037e-09, 0.2689414213699951, 0.5, 0.7310585786300049,
                         0.9999999979388463, 1])
            #expect(!s.scalars.contains { $0.isNaN })
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func shapesArePreserved() {
        let m = Tensor<Float>.ones([2, 0, 3])
        #expect(exp(m).shape == [2, 0, 3])
        #expect(BackpropCore.log(Tensor<Double>(1)).shape == [])
        #expect(BackpropCore.tanh(Tensor<Double>.zeros([3, 1])).shape == [3, 1])
        var e = Tensor<Double>.zeros([0])
        e.apply(.exp)
        #expect(e.shape == [0])
    }
}
