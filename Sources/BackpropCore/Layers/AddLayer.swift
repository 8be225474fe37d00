/// §5.4.2 Addition layer: out = x + y; ∂out/∂x = ∂out/∂y = 1 — backward passes dout through to both.
///
/// - forward: x and y of shapes that broadcast together; keeps only their shapes.
/// - backward: dout of the output's shape → (dx = dout, dy = dout), each summed back to its input's
///   shape when that input was broadcast (a bias added to every row gets the sum over rows).
public final class AddLayer<Scalar: TensorScalar> {
    /// The shape of x in the last forward, kept for backward (dx is summed back to it).
    public private(set) var xShape: [Int]?
    /// The shape of y in the last forward, kept for backward (dy is summed back to it).
    public private(set) var yShape: [Int]?

    /// A layer with nothing kept yet.
    public init() {}

    /// x + y elementwise, broadcasting.
    @_disfavoredOverload   // so that literals pick the plain-number forms below
    public func forward(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>) -> Tensor<Scalar> {
        xShape = x.shape
        yShape = y.shape
        return x + y
    }

    /// (dout, dout), each reduced to its input's shape.
    @_disfavoredOverload
    public func backward(_ dout: Tensor<Scalar>) -> (dx: Tensor<Scalar>, dy: Tensor<Scalar>) {
        guard let xShape, let yShape else { preconditionFailure("AddLayer.backward called before forward") }
        checkGradientShape(dout.shape, broadcastShape(xShape, yShape, operation: "AddLayer"), "AddLayer")
        return (dout.sum(toShape: xShape), dout.sum(toShape: yShape))
    }

    /// x + y on plain numbers.
    public func forward(_ x: Scalar, _ y: Scalar) -> Scalar {
        forward(Tensor(x), Tensor(y)).scalar
    }

    /// (dout, dout) on plain numbers.
    public func backward(_ dout: Scalar) -> (dx: Scalar, dy: Scalar) {
        let (dx, dy) = backward(Tensor(dout))
        return (dx.scalar, dy.scalar)
    }
}
