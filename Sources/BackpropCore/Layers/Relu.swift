/// §5.5.1 ReLU layer: y = x (x > 0), 0 (x ≤ 0); ∂y/∂x = 1 (x > 0), 0 (x ≤ 0).
///
/// - forward: x of any shape → out of the same shape; keeps `mask` (true where x ≤ 0).
/// - backward: dout of that shape → dx = dout with the masked elements set to 0. Unlike the book's
///   `dout[self.mask] = 0`, the caller's dout is left as it was: dx is another tensor.
public final class Relu<Scalar: TensorScalar>: Layer {
    /// true where the last forward's input was ≤ 0, kept for backward. (Set as well by a following max
    /// Pooling layer's `forward(_:afterRelu:)`, when a network runs the two as one pass; nil after a lean
    /// Convolution → Relu → Pooling group's forward, which keeps ReLU's gradient in the pooling's maxima.)
    public internal(set) var mask: Tensor<Bool>?
    /// Where out (also by the fused pass) and dx are written, reused from batch to batch (see `ResultBuffer`).
    var outputBuffer = AlternatingBuffers<Scalar>()
    private var gradientBuffer = ReusedTensor<Scalar>()

    /// A layer with no mask kept yet.
    public init() {}

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        // §5.5.1: self.mask = (x <= 0); out = x.copy(); out[self.mask] = 0 — both lines in one pass
        x.relu(mask: &mask, into: &outputBuffer)
    }

    /// `forward(convolution.forward(x))`, with ReLU run on each image of the convolution's output right
    /// after it is written, from cache (`Convolution.forward(_:eachImage:)`): the same out and mask, bit
    /// for bit. Stops unless `convolution.writesOutputByImage(x.shape)`.
    package func forward(_ x: Tensor<Scalar>, afterConvolution convolution: Convolution<Scalar>) -> Tensor<Scalar> {
        let shape = convolution.outputShape(for: x.shape), size = shape.dropFirst().reduce(1, *)
        var newMask = reusable(&mask, shape: shape)
        let out = outputBuffer.write(shape: shape) { out in
            out.withUnsafeMutableBufferPointer { y in
                newMask.withUnsafeMutableBufferPointer { m in
                    let (y, m) = (y.baseAddress, m.baseAddress)
                    convolution.forward(x) { o, images in
                        let start = images.lowerBound * size
                        Scalar.reluForward(o, y! + start, mask: m! + start, count: images.count * size)
                    }
                }
            }
        }
        mask = newMask
        return out
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let mask else {
            preconditionFailure("Relu.backward: no mask kept (called before forward, or after a lean group's forward, "
                                + "whose backward the Pooling after it takes)")
        }
        checkGradientShape(dout.shape, mask.shape, "Relu")
        // §5.5.1: dout[self.mask] = 0; dx = dout
        return dout.zeroed(where: mask, into: &gradientBuffer)
    }
}
