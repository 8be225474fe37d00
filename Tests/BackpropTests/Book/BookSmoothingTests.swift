import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// `smoothCurve` and `kaiserWindow` against NumPy's `smooth_curve` (common/util.py) and `np.kaiser`,
/// whose outputs below were printed by NumPy 1.26.
struct BookSmoothingTests {
    @Test func kaiserWindowIsNumPys() {
        let numpy: [Double] = [0.4386762798370488, 0.6113943543616491, 0.7676749968275236, 0.8921614338542881,
                     0.9723298008693713, 1.0, 0.9723298008693713, 0.8921614338542881, 0.7676749968275236,
                     0.6113943543616491, 0.4386762798370488]
        let ours = kaiserWindow(length: 11, beta: 2)
        #expect(ours.count == 11)
        for (a, b) in zip(ours, numpy) { #expect(abs(a - b) <= 1e-15, "\(a) vs NumPy \(b)") }
        #expect(kaiserWindow(length: 1, beta: 2) == [1])
    }

    @Test func smoothCurveIsTheBooks() {
        // x[i] = ((7i) mod 13) / 13 + 0.01 i, i = 0…14; y = smooth_curve(x) in NumPy.
        let x: [Double] = (0..<15).map { (i: Int) -> Double in Double((7 * i) % 13) / 13 + 0.01 * Double(i) }
        let numpy: [Double] = [0.3728510444084145, 0.35770798162617806, 0.3957053540928879, 0.4021670249934151,
                     0.45939770002222813, 0.4818392937604829, 0.5512376293164402, 0.5787623706835598,
                     0.5957155322909113, 0.6025912669101036, 0.6245415833160591, 0.5920110724143,
                     0.5893206343040923, 0.5864200722207982, 0.584618500305875]
        let y = smoothCurve(x)
        #expect(y.count == x.count)
        for (a, b) in zip(y, numpy) { #expect(abs(a - b) <= 1e-14, "\(a) vs NumPy \(b)") }
        // A constant stays constant; fewer than 11 values come back unchanged.
        for v in smoothCurve(Array(repeating: 2.5, count: 30)) { #expect(abs(v - 2.5) <= 1e-14) }
        #expect(smoothCurve([3, 1, 2]) == [3, 1, 2])
    }

    @Test func logspaceIsNumPys() {
        // np.logspace(0, -4, 16).tolist()
        let numpy: [Double] = [1.0, 0.5411695265464637, 0.2928644564625237, 0.15848931924611134, 0.08576958985908942,
                     0.046415888336127795, 0.025118864315095794, 0.013593563908785255, 0.007356422544596414,
                     0.003981071705534973, 0.0021544346900318843, 0.0011659144011798323, 0.000630957344480193,
                     0.0003414548873833601, 0.00018478497974222906, 0.0001]
        let ours = BatchNormComparison.logspace(0, -4, count: 16)
        #expect(ours.count == 16)
        for (a, b) in zip(ours, numpy) { #expect(abs(a - b) <= 2e-16 * b, "\(a) vs NumPy \(b)") }
        #expect(BatchNormComparison().weightScales == ours)
    }

    @Test func halfRoundingIsIEEEBinary16() {
        // Exact cases: the largest half, the overflow threshold (ties to even past 65504), the smallest
        // subnormal and normal, ties to even at 1 + 2⁻¹¹, signed zero.
        #expect(roundedToHalf(65504) == 65504)
        #expect(roundedToHalf(65519.99) == 65504)
        #expect(roundedToHalf(65520) == .infinity)
        #expect(roundedToHalf(-1e6) == -.infinity)
        #expect(roundedToHalf(0x1p-24) == 0x1p-24)
        #expect(roundedToHalf(0x1p-25) == 0, "a tie between 0 and the smallest subnormal goes to even (0)")
        #expect(roundedToHalf(0x1.8p-25) == 0x1p-24)
        #expect(roundedToHalf(0x1p-14) == 0x1p-14)
        #expect(roundedToHalf(1 + 0x1p-11) == 1, "tie to even")
        #expect(roundedToHalf(1 + 3 * 0x1p-11) == 1 + 0x1p-9, "tie to even, upwards")
        #expect(roundedToHalf(0.1) == 0.0999755859375)
        #expect(roundedToHalf(-0.0).sign == .minus && roundedToHalf(-1e-9).sign == .minus)
        #expect(roundedToHalf(.nan).isNaN)
        #if !(os(macOS) && arch(x86_64))
        // Against the hardware conversion, over random floats of every magnitude half can hold.
        var rng = SeededGenerator(seed: 16)
        for _ in 0..<20_000 {
            let exponent = Double(rng.nextIndex(below: 46)) - 30      // 2⁻³⁰ … 2¹⁵
            let x = Float((rng.nextUniform() * 2 - 1) * Double(sign: .plus, exponent: Int(exponent), significand: 1))
            #expect(Float(roundedToHalf(Double(x))) == Float(Float16(x)), "\(x)")
        }
        #endif
    }
}
