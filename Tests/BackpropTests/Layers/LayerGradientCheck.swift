import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Helpers for the layer tests: backward checked against §4.4's central differences (§5.7.3), in Double.
enum LayerGradientCheck {
    /// The tolerance for `relativeError`.
    static let tolerance = 1e-6

    /// max|a − n| / max(1e-8, max|a| + max|n|); infinity if the shapes differ (so the check fails).
    static func relativeError(_ analytic: Tensor<Double>, _ numeric: Tensor<Double>) -> Double {
        guard analytic.shape == numeric.shape else { return .infinity }
        if analytic.count == 0 { return 0 }
        let difference = abs(analytic - numeric).max()
        let scale = abs(analytic).max() + abs(numeric).max()
        return difference / Swift.max(1e-8, scale)
    }

    /// The numerical gradient of `f` with respect to a parameter's value: each probe is written into
    /// `parameter.value` before `f` runs (so `f` re-runs the layer's forward), and the original value
    /// is restored afterwards.
    static func numericalGradient(of parameter: Parameter<Double>, _ f: () -> Double) -> Tensor<Double> {
        let original = parameter.value
        defer { parameter.value = original }
        return BackpropTraining.numericalGradient(of: { probe in
            parameter.value = probe
            return f()
        }, at: original)
    }

    /// Normal deviates of the given shape from a fixed seed.
    static func random(_ shape: [Int], seed: UInt64, standardDeviation: Double = 1) -> Tensor<Double> {
        var rng = SeededGenerator(seed: seed)
        return .randomNormal(shape, standardDeviation: standardDeviation, using: &rng)
    }
}
