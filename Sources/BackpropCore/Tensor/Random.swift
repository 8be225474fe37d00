extension Tensor where Scalar: TensorScalar {
    /// Normal deviates with the given mean and standard deviation, from `generator`.
    public static func randomNormal(_ shape: [Int], mean: Scalar = 0, standardDeviation: Scalar = 1,
                                    using generator: inout SeededGenerator) -> Tensor {
        let n = shape.reduce(1, *)
        var deviates = [Double](repeating: 0, count: n)     // a concrete loop: no generic dispatch per draw
        for i in 0..<n { deviates[i] = generator.nextNormal() }
        return Tensor(shape: shape, scalars: scaled(deviates, by: standardDeviation, plus: mean))
    }

    /// Uniform deviates in [low, high), from `generator`.
    public static func randomUniform(_ shape: [Int], low: Scalar = 0, high: Scalar = 1,
                                     using generator: inout SeededGenerator) -> Tensor {
        precondition(low <= high, "randomUniform: low \(low) is greater than high \(high)")
        let n = shape.reduce(1, *)
        var deviates = [Double](repeating: 0, count: n)
        for i in 0..<n { deviates[i] = generator.nextUniform() }
        return Tensor(shape: shape, scalars: scaled(deviates, by: high - low, plus: low))
    }

    /// offset + scale·d for each d, computed in Scalar as `Scalar(d)` first (the values the generic
    /// per-element form gave), with the conversion done by a concrete loop per type.
    private static func scaled(_ deviates: [Double], by scale: Scalar, plus offset: Scalar) -> [Scalar] {
        if Scalar.self == Float.self {
            let s = scale as! Float, o = offset as! Float
            return unsafeBitCast(deviates.map { o + s * Float($0) }, to: [Scalar].self)
        }
        if Scalar.self == Double.self {
            let s = scale as! Double, o = offset as! Double
            return unsafeBitCast(deviates.map { o + s * $0 }, to: [Scalar].self)
        }
        return deviates.map { offset + scale * Scalar($0) }
    }
}
