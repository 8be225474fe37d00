import Backprop

/// How far the optimizer moved one parameter in a single step: ‖W_after − W_before‖, beside ‖W_before‖
/// and the gradient's norm, so the reader sees the update the learning rate and optimizer made (§6.1).
struct ParameterUpdate: Encodable, Sendable, Equatable {
    var name: String
    var shape: [Int]
    var gradientNorm: Double
    var moved: Double
    var norm: Double

    /// The values of `parameters`, copied, to measure the next update against.
    static func values<Scalar: TensorScalar>(_ parameters: [Parameter<Scalar>]) -> [[Scalar]] {
        parameters.map { Array($0.value.scalars) }
    }

    /// One row per parameter: how far each moved from `before` (as `values` took them).
    static func rows<Scalar: TensorScalar>(_ parameters: [Parameter<Scalar>], before: [[Scalar]]) -> [ParameterUpdate] {
        zip(parameters, before).map { parameter, old in
            let new = parameter.value.scalars
            var moved = 0.0, norm = 0.0, gradient = 0.0
            for (a, b) in zip(old, new) {
                moved += (Double(b) - Double(a)) * (Double(b) - Double(a))
                norm += Double(a) * Double(a)
            }
            for g in parameter.gradient.scalars { gradient += Double(g) * Double(g) }
            return ParameterUpdate(name: parameter.name, shape: parameter.value.shape, gradientNorm: gradient.squareRoot(),
                                   moved: moved.squareRoot(), norm: norm.squareRoot())
        }
    }
}
