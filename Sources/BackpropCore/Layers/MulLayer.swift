/// §5.4.1 Multiplication layer: out = x·y; ∂out/∂x = y, ∂out/∂y = x — backward swaps the inputs.
///
/// - forward: x and y of shapes that broadcast together (NumPy's rule); keeps x and y.
/// - backward: dout of the output's shape → (dx = dout·y, dy = dout·x), each summed back to its
///   input's shape when that input was broadcast.
///
/// On plain numbers it reads as the book's shopping example:
///
///     let mulAppleLayer = MulLayer<Double>()
///     let applePrice = mulAppleLayer.forward(100, 2)      // 200
///     let (dApple, dAppleNum) = mulAppleLayer.backward(1.1)  // (2.2, 110.00000000000001)
public final class MulLayer<Scalar: TensorScalar> {
    /// x of the last forward, kept for backward (dy = dout · x).
    public private(set) var x: Tensor<Scalar>?
    /// y of the last forward, kept for backward (dx = dout · y).
    public private(set) var y: Tensor<Scalar>?

    /// A layer with nothing kept yet.
    public init() {}

    /// x·y elementwise, broadcasting.
    @_disfavoredOverload   // so that literals pick the plain-number forms below
    public func forward(_ x: Tensor<Scalar>, _ y: Tensor<Scalar>) -> Tensor<Scalar> {
        self.x = x
        self.y = y
        return x * y
    }

    /// (dout·y, dout·x), each reduced to its input's shape.
    @_disfavoredOverload
    public func backward(_ dout: Tensor<Scalar>) -> (dx: Tensor<Scalar>, dy: Tensor<Scalar>) {
        guard let x, let y else { preconditionFailure("MulLayer.backward called before forward") }
        checkGradientShape(dout.shape, broadcastShape(x.shape, y.shape, operation: "MulLayer"), "MulLayer")
        let dx = dout * y   // §5.4.1: the gradient reaching x is multiplied by the other input
        let dy = dout * x
        return (dx.sum(toShape: x.shape), dy.sum(toShape: y.shape))
    }

    /// x·y on plain numbers.
    public func forward(_ x: Scalar, _ y: Scalar) -> Scalar {
        forward(Tensor(x), Tensor(y)).scalar
    }

    /// (dout·y, dout·x) on plain numbers.
    public func backward(_ dout: Scalar) -> (dx: Scalar, dy: Scalar) {
        let (dx, dy) = backward(Tensor(dout))
        return (dx.scalar, dy.scalar)
    }
}
