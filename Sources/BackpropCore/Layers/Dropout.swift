/// §6.4.3 Dropout: during training each element is kept with probability 1 − ratio and erased otherwise.
///
/// Book semantics (the default, `inverted: false`):
/// - training: mask = uniform[0, 1) > ratio, y = x · mask; backward: dx = dout · mask.
/// - inference (`training: false`): y = x · (1 − ratio), the expected value of the training output;
///   backward: dx = dout · (1 − ratio).
///
/// Inverted dropout (`inverted: true`, as PyTorch): the scaling moves to training time —
/// training y = x · mask / (1 − ratio), backward dx = dout · mask / (1 − ratio); inference y = x, dx = dout.
///
/// Masks come from the layer's own `SeededGenerator`, so a layer built with the same seed draws the same
/// masks in the same order (for Float and Double alike: the uniforms are drawn in Double).
///
/// - forward: x of any shape → y of the same shape; in training keeps `mask` (true = kept).
/// - backward: dout of that shape → dx of that shape, using `mask` if the last forward was in training
///   mode (or a mask was set since).
public final class Dropout<Scalar: TensorScalar>: Layer {
    /// The probability of erasing an element during training.
    public let ratio: Double
    /// Whether the scaling by 1/(1 − ratio) happens at training time (PyTorch) instead of x·(1 − ratio)
    /// at inference (the book).
    public let inverted: Bool

    /// true where the last training forward kept the element. Setting it fixes the mask that the next
    /// `backward` uses (and tests can pass one to `forward(_:mask:)`).
    public var mask: Tensor<Bool>? {
        didSet { inferenceShape = nil }
    }

    /// Set by an inference forward, whose backward is a plain scaling and uses no mask.
    private var inferenceShape: [Int]?
    /// The source of the masks; public so that checkpoints can save and restore it.
    public var generator: SeededGenerator
    /// Where training outputs and dx are written, reused from step to step (see `ResultBuffer`).
    private var outputBuffer = AlternatingBuffers<Scalar>(), gradientBuffer = ReusedTensor<Scalar>()

    /// A dropout layer erasing a fraction `ratio` (in [0, 1); up to 1 for the book's semantics) of
    /// elements in training, with masks drawn from a generator seeded with `seed`.
    public init(ratio: Double = 0.5, seed: UInt64 = 0, inverted: Bool = false) {
        precondition(ratio >= 0 && (inverted ? ratio < 1 : ratio <= 1),
                     "Dropout.init: ratio must be in [0, 1\(inverted ? ")" : "]"), got \(ratio)")
        self.ratio = ratio
        self.inverted = inverted
        self.generator = SeededGenerator(seed: seed)
    }

    /// The factor kept elements are multiplied by in training: 1/(1 − ratio) inverted, 1 for the book.
    private var trainingScale: Scalar { inverted ? Scalar(1 / (1 - ratio)) : 1 }
    /// The factor every element is multiplied by in inference: 1 inverted, 1 − ratio for the book.
    private var inferenceScale: Scalar { inverted ? 1 : Scalar(1 - ratio) }

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        guard training else {
            mask = nil
            inferenceShape = x.shape
            return inverted ? x : x * inferenceScale   // §6.4.3: x * (1.0 - self.dropout_ratio)
        }
        // §6.4.3: self.mask = np.random.rand(*x.shape) > self.dropout_ratio
        var mask = self.mask
        self.mask = nil
        generator.uniformMask(shape: x.shape, above: ratio, into: &mask)
        return forward(x, mask: mask!)
    }

    /// The training-mode output for a given mask (true = kept) instead of a random one; the mask is kept
    /// for backward. The generator does not advance. Stops if the mask's shape differs from x's.
    public func forward(_ x: Tensor<Scalar>, mask: Tensor<Bool>) -> Tensor<Scalar> {
        precondition(mask.shape == x.shape,
                     "Dropout.forward: mask has shape \(mask.shape) but x has shape \(x.shape)")
        self.mask = mask
        return x.kept(where: mask, scaledBy: trainingScale, into: &outputBuffer)   // §6.4.3: x * self.mask
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        if let inferenceShape {
            checkGradientShape(dout.shape, inferenceShape, "Dropout")
            return inverted ? dout : dout * inferenceScale
        }
        guard let mask else { preconditionFailure("Dropout.backward called before forward") }
        checkGradientShape(dout.shape, mask.shape, "Dropout")
        return dout.kept(where: mask, scaledBy: trainingScale, into: &gradientBuffer)   // §6.4.3: dout * self.mask
    }
}
