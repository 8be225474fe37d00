import BackpropCore

/// A synthetic classification dataset: `classes` interleaved spiral arms in the plane (the classic
/// cs231n spiral), made in-process from a seed — for tests and `--data synthetic`.
///
/// Point j of class k: radius r = j / pointsPerClass, angle θ = 4·(k + r) + 0.2·noise (noise ~ N(0, 1)),
/// position (r·sin θ, r·cos θ). Not linearly separable; a small two-layer net fits it well.
public struct SpiralDataset: Sendable {
    /// Inputs, (classes·pointsPerClass, 2).
    public var points: Tensor<Double>
    /// Class index of each point, in 0..<classes.
    public var labels: [Int]
    public let classes: Int

    /// `classes` arms of `pointsPerClass` points each, the noise drawn from `seed` (same seed, same points).
    public init(pointsPerClass: Int = 100, classes: Int = 3, seed: UInt64 = 0) {
        precondition(pointsPerClass > 0 && classes > 0,
                     "SpiralDataset: pointsPerClass and classes must be positive, got \(pointsPerClass), \(classes)")
        var rng = SeededGenerator(seed: seed)
        var xs: [Double] = []
        var labels: [Int] = []
        for k in 0..<classes {
            for j in 0..<pointsPerClass {
                let r = Double(j) / Double(pointsPerClass)
                let theta = 4 * (Double(k) + r) + 0.2 * rng.nextNormal()
                xs.append(r * portableSin(theta))
                xs.append(r * portableSin(theta + .pi / 2))
                labels.append(k)
            }
        }
        self.points = Tensor(shape: [classes * pointsPerClass, 2], scalars: xs)
        self.labels = labels
        self.classes = classes
    }

    /// Labels as a tensor of class indices, the form `Network.loss` takes.
    public func labelTensor<Scalar: TensorScalar>(as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        Tensor(labels.map { Scalar($0) })
    }

    /// Points converted to another precision.
    public func inputs<Scalar: TensorScalar>(as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        points.map { Scalar($0) }
    }
}

/// sin in plain IEEE arithmetic (range reduction to [−π/2, π/2] and a Taylor polynomial), so the
/// dataset is bit-identical on every platform.
func portableSin(_ x: Double) -> Double {
    let twoPi = 2 * Double.pi
    var y = x - (x / twoPi).rounded() * twoPi            // [−π, π]
    if y > .pi / 2 { y = .pi - y } else if y < -.pi / 2 { y = -.pi - y }
    let y2 = y * y
    var q = 1.0                                           // sin y / y = 1 − y²/(2·3)·(1 − y²/(4·5)·(1 − …))
    for k in stride(from: 23, through: 3, by: -2) { q = 1 - y2 / Double(k * (k - 1)) * q }
    return y * q
}

extension SpiralDataset {
    /// The first `n` points (all when n ≥ count).
    public func prefix(_ n: Int) -> SpiralDataset {
        let k = Swift.max(0, Swift.min(n, labels.count))
        var copy = self
        copy.points = points.rows(0..<k)
        copy.labels = Array(labels[0..<k])
        return copy
    }
}
