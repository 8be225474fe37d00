import BackpropCore
import BackpropTraining
import Foundation

/// One axis of a `ChartPanel`: its range, tick values and tick labels, linear or logarithmic.
/// Linear axes fitted to data end at multiples of a nice step (1, 2 or 5 × 10ᵏ: `Nice`, the package's
/// one implementation of it); fixed ranges keep their ends and put ticks at the multiples of a nice step
/// inside them.
package struct ChartAxis {
    var lo: Double
    package var hi: Double
    var ticks: [Double]
    var labels: [String]
    var isLog: Bool

    /// The axis position of `v` as a fraction 0…1 of the way from lo to hi (outside for values outside;
    /// nil for a value a log axis cannot show).
    func fraction(_ v: Double) -> Double? {
        guard v.isFinite else { return nil }
        if isLog {
            guard v > 0 else { return nil }
            return (log10(v) - log10(lo)) / (log10(hi) - log10(lo))
        }
        return (v - lo) / (hi - lo)
    }

    /// A linear axis over `fixed`, or fitted to `values` (with `includeZero`, 0 is in the range).
    static func linear(values: [Double], fixed: ClosedRange<Double>?, includeZero: Bool = false,
                       maximumSteps: Double = 6) -> ChartAxis {
        if let fixed, fixed.upperBound > fixed.lowerBound {
            let step = niceStep((fixed.upperBound - fixed.lowerBound) / maximumSteps)
            let first = (fixed.lowerBound / step - 1e-9).rounded(.up)
            let last = (fixed.upperBound / step + 1e-9).rounded(.down)
            let ticks = first <= last ? stride(from: first, through: last, by: 1).map { k in
                Swift.abs(k) < 1e-9 ? 0 : k * step
            } : []
            return ChartAxis(lo: fixed.lowerBound, hi: fixed.upperBound, ticks: ticks,
                             labels: ticks.map { label($0, step: step) }, isLog: false)
        }
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if includeZero { lo = Swift.min(lo, 0); hi = Swift.max(hi, 0) }
        let axis = Nice(lo: lo, hi: hi, maximumSteps: maximumSteps)
        let ticks = axis.ticks
        return ChartAxis(lo: axis.lo, hi: axis.hi, ticks: ticks, labels: ticks.map { label($0, step: axis.step) },
                         isLog: false)
    }

    /// A range whose ends are multiples of a nice step (1, 2 or 5 × 10ᵏ).
    package struct Nice: Equatable {
        package var lo: Double
        package var hi: Double
        package var step: Double

        package init(lo: Double, hi: Double, step: Double) {
            (self.lo, self.hi, self.step) = (lo, hi, step)
        }

        /// The tightest nice range holding `lo...hi` in at most `maximumSteps` steps (the finest nice
        /// step that fits); 0…1 by 0.2 for a range that is not finite or runs backwards. An empty range
        /// is widened: 0…0 to 0…1, v…v by 10 % of v on both sides.
        package init(lo: Double, hi: Double, maximumSteps: Double = 8) {
            self.init(lo: 0, hi: 1, step: 0.2)
            guard lo.isFinite, hi.isFinite, lo <= hi else { return }
            var lo = lo, hi = hi
            if hi - lo <= 0 {
                let pad = Swift.abs(lo) * 0.1
                (lo, hi) = lo == 0 ? (0, 1) : (lo - pad, hi + pad)
            }
            guard (hi - lo).isFinite else { return }
            var step = ChartAxis.niceStep((hi - lo) / maximumSteps)
            for _ in 0..<4 {
                guard step.isFinite, step > 0 else { return }
                // The tolerance keeps rounding noise (1 / 0.2 = 5.000…1) from adding a step.
                let axisLo = (lo / step + 1e-9).rounded(.down) * step
                let axisHi = (hi / step - 1e-9).rounded(.up) * step
                guard axisLo.isFinite, axisHi.isFinite, axisHi > axisLo else { return }
                if ((axisHi - axisLo) / step).rounded() <= maximumSteps {
                    (self.lo, self.hi, self.step) = (axisLo, axisHi, step)
                    return
                }
                step = ChartAxis.niceStep(step * 1.5)   // the next nice step: 1 → 2 → 5 → 10
            }
        }

        /// The tick values, lo through hi in steps (at most 101 of them); values within rounding noise
        /// of 0 are 0.
        var ticks: [Double] {
            let n = Swift.min(100, Int(((hi - lo) / step).rounded()))
            return (0...Swift.max(0, n)).map { i in
                let v = lo + Double(i) * step
                return Swift.abs(v) < step * 1e-9 ? 0 : v
            }
        }
    }

    /// The nice number (1, 2, 5 or 10 × 10ᵏ) at least `raw`; 1 for a `raw` that is not positive and finite.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let magnitude = pow(10, (log10(raw) + 1e-12).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1.0000001 ? 1 : fraction <= 2.0000001 ? 2 : fraction <= 5.0000001 ? 5 : 10
        return nice * magnitude
    }

    /// A logarithmic axis from the power of ten at or below the smallest positive value to the one at or
    /// above the largest (or over `fixed`), ticks at powers of ten (every second or third when there
    /// are many).
    static func logarithmic(values: [Double], fixed: ClosedRange<Double>?) -> ChartAxis {
        var lo: Double, hi: Double
        if let fixed, fixed.lowerBound > 0, fixed.upperBound > fixed.lowerBound {
            (lo, hi) = (fixed.lowerBound, fixed.upperBound)
        } else {
            let positive = values.filter { $0.isFinite && $0 > 0 }
            lo = pow(10, (log10(positive.min() ?? 0.1) + 1e-9).rounded(.down))
            hi = pow(10, (log10(positive.max() ?? 1) - 1e-9).rounded(.up))
            if hi <= lo { hi = lo * 10 }
        }
        let first = Int((log10(lo) - 1e-9).rounded(.up)), last = Int((log10(hi) + 1e-9).rounded(.down))
        let every = Swift.max(1, (last - first + 7) / 8)
        let exponents = first <= last ? Array(stride(from: first, through: last, by: every)) : []
        return ChartAxis(lo: lo, hi: hi, ticks: exponents.map { pow(10, Double($0)) },
                         labels: exponents.map(powerOfTen), isLog: true)
    }

    /// A tick label: as many decimals as the step needs, or scientific for very large or small values.
    static func label(_ v: Double, step: Double) -> String {
        if v == 0 { return "0" }
        if Swift.abs(v) >= 1e6 || step < 1e-4 {
            let exponent = Int(log10(Swift.abs(v)).rounded(.down))
            let mantissa = v / pow(10, Double(exponent))
            let text = String(format: "%.1f", mantissa).replacingOccurrences(of: ".0", with: "")
            return text == "1" ? powerOfTen(exponent) : text == "-1" ? "−" + powerOfTen(exponent)
                : text.replacingOccurrences(of: "-", with: "−") + "×" + powerOfTen(exponent)
        }
        let decimals = Swift.min(12, Swift.max(0, -Int((log10(step) + 1e-9).rounded(.down))))
        return String(format: "%.\(decimals)f", v).replacingOccurrences(of: "-", with: "−")
    }

    /// "10" with the exponent in superscript digits: 10⁻³, 10⁰, 10¹³.
    static func powerOfTen(_ exponent: Int) -> String {
        let superscripts: [Character: String] = ["0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵",
                                                 "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹", "-": "⁻"]
        return "10" + String(exponent).map { superscripts[$0] ?? String($0) }.joined()
    }
}
