/// Leaky ReLU, the §5.5.1 ReLU with a small slope for negative inputs:
/// y = x (x > 0), slope·x (x ≤ 0); ∂y/∂x = 1 (x > 0), slope (x ≤ 0). slope = 0.01 by default.
///
/// - forward: x of any shape → y of the same shape; keeps `mask` (true where x ≤ 0), as ReLU.
/// - backward: dout of that shape → dout with the masked elements multiplied by the slope. The caller's
///   `dout` is left untouched: a new tensor is returned.
public final class LeakyRelu<Scalar: TensorScalar>: Layer {
    /// The factor applied where x ≤ 0.
    public let slope: Scalar
    /// true where the last forward's input was ≤ 0, kept for backward.
    public private(set) var mask: Tensor<Bool>?

    /// A layer that multiplies x ≤ 0 by `slope` (PyTorch's default 0.01).
    public init(slope: Scalar = 0.01) {
        self.slope = slope
    }

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        let mask = x .<= 0
        self.mask = mask
        return .where(mask, x * slope, x)
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let mask else { preconditionFailure("LeakyRelu.backward called before forward") }
        checkGradientShape(dout.shape, mask.shape, "LeakyRelu")
        return .where(mask, dout * slope, dout)   // dx = dout (x > 0), slope·dout (x ≤ 0)
    }
}
