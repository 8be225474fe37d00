import BackpropCore

/// How far backpropagation's gradient of one parameter is from the numerical one (§5.7.3).
public struct GradientDifference: Sendable, Codable, Equatable {
    /// The parameter's name, e.g. "W1".
    public var name: String
    /// Mean of |backprop − numerical| over the parameter's elements (what the book prints).
    public var meanAbsoluteDifference: Double
    /// Largest |backprop − numerical| over the parameter's elements.
    public var maxAbsoluteDifference: Double
}

/// §5.7.3 Gradient check: backprop's gradient (`network.gradient`) against central differences
/// (`network.numericalGradient`, h = 1e-4) on the same batch, per parameter in network order.
///
/// Run it in Double: in Float the numerical gradient itself is only good to about 1e-3.
/// ReLU kinks can make single elements disagree when an input sits within h of 0.
public func gradientCheck<Scalar: TensorScalar>(_ network: Network<Scalar>, _ x: Tensor<Scalar>,
                                                _ t: Tensor<Scalar>) -> [GradientDifference] {
    let numerical = network.numericalGradient(x, t)
    network.gradient(x, t)
    return network.parameters.map { p in
        let n = numerical[p.name]!
        var sum = 0.0, largest = 0.0
        for (a, b) in zip(p.gradient.scalars, n.scalars) {
            let d = Swift.abs(Double(a) - Double(b))
            sum += d
            largest = Swift.max(largest, d)
        }
        return GradientDifference(name: p.name, meanAbsoluteDifference: p.value.count == 0 ? 0 : sum / Double(p.value.count),
                                  maxAbsoluteDifference: largest)
    }
}

/// The gradient check on a sample of each parameter's elements: backprop's gradient against central
/// differences (h = 1e-4) at `elementsPerParameter` positions per parameter, drawn from `seed`.
/// For networks too large to difference every weight (a convolutional net has hundreds of thousands).
public func gradientCheck<Scalar: TensorScalar>(_ network: Network<Scalar>, _ x: Tensor<Scalar>, _ t: Tensor<Scalar>,
                                                elementsPerParameter: Int, seed: UInt64 = 0,
                                                h: Scalar = 1e-4) -> [GradientDifference] {
    precondition(elementsPerParameter >= 1, "gradientCheck: elementsPerParameter must be at least 1")
    network.gradient(x, t)
    let analytic = network.parameters.map { $0.gradient }
    var rng = SeededGenerator(seed: seed)
    return zip(network.parameters, analytic).map { p, gradient in
        let positions = Array(rng.permutation(p.value.count).prefix(elementsPerParameter))
        var sum = 0.0, largest = 0.0
        for i in positions {
            let saved = p.value.scalars[i]
            p.value.scalars[i] = saved + h
            let plus = network.loss(x, t, training: true)
            p.value.scalars[i] = saved - h
            let minus = network.loss(x, t, training: true)
            p.value.scalars[i] = saved
            let d = Swift.abs(Double(gradient.scalars[i]) - Double((plus - minus) / (2 * h)))
            sum += d
            largest = Swift.max(largest, d)
        }
        return GradientDifference(name: p.name, meanAbsoluteDifference: positions.isEmpty ? 0 : sum / Double(positions.count),
                                  maxAbsoluteDifference: largest)
    }
}
