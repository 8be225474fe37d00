import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// The fused update kernels beyond the hand-worked first steps (`OptimizerTests`): the 8-wide SIMD path
/// and the scalar tail give the same bits, and decaying state is flushed to zero before it becomes
/// subnormal (which the CPU computes about 100× slower) without touching normal-sized numbers.
struct UpdateKernelTests {
    static func makers<T: TensorScalar>(_: T.Type) -> [(String, () -> any Optimizer<T>)] {
        [("SGD", { SGD<T>(learningRate: 0.1) }), ("Momentum", { Momentum<T>(learningRate: 0.1) }),
         ("Nesterov", { Nesterov<T>(learningRate: 0.1) }), ("AdaGrad", { AdaGrad<T>(learningRate: 0.1) }),
         ("RMSprop", { RMSprop<T>(learningRate: 0.1) }), ("Adam", { Adam<T>(learningRate: 0.1) })]
    }

    /// 19 elements in one parameter (two SIMD blocks and a tail of 3) against the same 19 as one-element
    /// parameters (tail path only), over five steps with varied gradients.
    static func simdMatchesScalar<T: TensorScalar>(_: T.Type) {
        let n = 19
        for (name, make) in makers(T.self) {
            let whole = Parameter<T>(name: "w", value: Tensor((0..<n).map { T(Double($0) * 0.37 - 3) }), decays: true)
            let singles = (0..<n).map { Parameter<T>(name: "w\($0)", value: Tensor([T(Double($0) * 0.37 - 3)]), decays: true) }
            let (a, b) = (make(), make())
            for step in 0..<5 {
                let g = (0..<n).map { T(Double(($0 * 7 + step * 3) % 11) - 5.5) * T(0.1) }
                whole.gradient = Tensor(g)
                for i in 0..<n { singles[i].gradient = Tensor([g[i]]) }
                a.update([whole])
                b.update(singles)
            }
            let simd = whole.value.scalars, scalar = singles.map { $0.value.scalars[0] }
            #expect(simd == scalar, "\(name) \(T.self): SIMD lanes and scalar tail differ")
        }
    }

    /// A parameter large enough to be split among threads (140 000 elements) against the same values as
    /// 14 parameters of 10 000 (each updated whole): the same bits, three Adam steps.
    @Test func splitUpdateMatchesWholeUpdates() {
        let n = 140_000, part = 10_000
        let start = (0..<n).map { Float(($0 * 37) % 1000) / 500 - 1 }
        let big = Parameter<Float>(name: "big", value: Tensor(start), decays: true)
        let parts = (0..<(n / part)).map { k in
            Parameter<Float>(name: "p\(k)", value: Tensor(Array(start[(k * part)..<((k + 1) * part)])), decays: true)
        }
        let (a, b) = (Adam<Float>(), Adam<Float>())
        for step in 0..<3 {
            let g = (0..<n).map { Float(($0 * 13 + step * 7) % 101) / 50 - 1 }
            big.gradient = Tensor(g)
            for (k, p) in parts.enumerated() { p.gradient = Tensor(Array(g[(k * part)..<((k + 1) * part)])) }
            a.update([big])
            b.update(parts)
        }
        #expect(big.value.scalars == parts.flatMap { $0.value.scalars })
    }

    @Test func simdPathMatchesScalarPathFloat() { Self.simdMatchesScalar(Float.self) }
    @Test func simdPathMatchesScalarPathDouble() { Self.simdMatchesScalar(Double.self) }

    /// After one real gradient then zeros, Adam's m decays by 0.9 and v by 0.999 per step: without the
    /// flush they would reach Float's subnormals after about 820 (m) and 80 000 (v) steps. With it, m is
    /// exactly 0 once below 2⁻¹⁰⁰ and never subnormal on the way; the parameter stops moving.
    @Test func adamStateGoesToZeroNotSubnormal() throws {
        let n = 11
        let w = Parameter<Float>(name: "w", value: Tensor([Float](repeating: 1, count: n)), decays: true)
        let adam = Adam<Float>()
        w.gradient = Tensor([Float](repeating: 0.5, count: n))
        adam.update([w])
        w.gradient = Tensor([Float](repeating: 0, count: n))
        var sawSubnormal = false
        for _ in 0..<1000 {
            adam.update([w])
            let state = adam.stateTensors(for: w)
            let m = try #require(state["m"]), v = try #require(state["v"])
            sawSubnormal = sawSubnormal || (m.scalars + v.scalars).contains { $0.isSubnormal }
        }
        let m = try #require(adam.stateTensors(for: w)["m"])
        #expect(!sawSubnormal)
        #expect(m.scalars.allSatisfy { $0 == 0 }, "m = 0.05·0.9^1000 ≈ 9e-48 must be flushed to 0")
        let before = w.value.scalars
        adam.update([w])
        #expect(w.value.scalars == before, "a zero m moves nothing")
    }

    /// Momentum's v, RMSprop's h and Adam's m, v: zero below 2⁻¹⁰⁰ (Float) / 2⁻⁹⁹⁰ (Double), kept at and
    /// above it, for both signs; NaN and infinity kept.
    @Test func flushFloorsExactly() {
        let floorF = Float(sign: .plus, exponent: -100, significand: 1)
        #expect(FloatUpdateMath.flushState(floorF) == floorF)
        #expect(FloatUpdateMath.flushState(-floorF) == -floorF)
        #expect(FloatUpdateMath.flushState(floorF.nextDown) == 0)
        #expect(FloatUpdateMath.flushState(-floorF.nextDown) == 0)
        #expect(FloatUpdateMath.flushState(Float.leastNonzeroMagnitude) == 0)
        #expect(FloatUpdateMath.flushState(Float.infinity) == .infinity)
        #expect(FloatUpdateMath.flushState(Float.nan).isNaN)
        let lanes = SIMD8<Float>(floorF, floorF.nextDown, -floorF, -1e-35, 1, .infinity, -.infinity, Float.leastNormalMagnitude / 4)
        let flushed = FloatUpdateMath.flushState(lanes)
        #expect(flushed == SIMD8<Float>(floorF, 0, -floorF, 0, 1, .infinity, -.infinity, 0))
        let squareF = Float(sign: .plus, exponent: -50, significand: 1)
        #expect(FloatUpdateMath.squarable(SIMD8<Float>(repeating: squareF.nextDown))[0] == 0)
        #expect(FloatUpdateMath.squarable(squareF) == squareF)

        let floorD = Double(sign: .plus, exponent: -990, significand: 1)
        #expect(DoubleUpdateMath.flushState(floorD) == floorD)
        #expect(DoubleUpdateMath.flushState(floorD.nextDown) == 0)
        #expect(DoubleUpdateMath.flushState(-Double.leastNormalMagnitude) == 0)
        #expect(DoubleUpdateMath.flushState(Double.nan).isNaN)
        let lanesD = SIMD8<Double>(floorD, floorD.nextDown, -floorD, -1e-300, 1, .infinity, .leastNonzeroMagnitude, -2)
        #expect(DoubleUpdateMath.flushState(lanesD) == SIMD8<Double>(floorD, 0, -floorD, 0, 1, .infinity, 0, -2))
        let squareD = Double(sign: .plus, exponent: -495, significand: 1)
        #expect(DoubleUpdateMath.squarable(squareD.nextDown) == 0 && DoubleUpdateMath.squarable(squareD) == squareD)
    }

    /// Momentum with zero gradients: v shrinks by 0.9 per step and becomes exactly 0, never subnormal.
    @Test func momentumVelocityGoesToZero() throws {
        let w = Parameter<Double>(name: "w", value: Tensor([Double](repeating: 0, count: 9)), decays: true)
        let momentum = Momentum<Double>(learningRate: 0.01)
        w.gradient = Tensor([Double](repeating: 1, count: 9))
        momentum.update([w])
        w.gradient = Tensor([Double](repeating: 0, count: 9))
        var sawSubnormal = false
        for _ in 0..<7000 {   // 0.01·0.9^k < 2⁻¹⁰²² from k ≈ 6680
            momentum.update([w])
            sawSubnormal = sawSubnormal || momentum.stateTensors(for: w)["v"]!.scalars.contains { $0.isSubnormal }
        }
        #expect(!sawSubnormal)
        #expect(try #require(momentum.stateTensors(for: w)["v"]).scalars.allSatisfy { $0 == 0 })
    }
}
