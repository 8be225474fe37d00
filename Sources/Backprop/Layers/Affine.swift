/// §5.6.2 Affine (fully connected) layer: out = x·W + b.
///
/// Backward (§5.6.2, figure 5-25 and its batch form):
/// ∂L/∂x = ∂L/∂out · Wᵀ, ∂L/∂W = xᵀ · ∂L/∂out, ∂L/∂b = Σ over the batch of ∂L/∂out.
///
/// - W: (in, out), the parameter `weight` named "W" (weight decay applies); b: (out,), the parameter
///   `bias` named "b" (no decay).
/// - forward: x of any rank ≥ 1 with N = shape[0] is flattened to (N, in) — the book's
///   `x.reshape(x.shape[0], -1)`, so a 4-D image batch (N, C, H, W) needs in = C·H·W — and gives out (N, out).
///   Keeps the flattened x and x's original shape.
/// - backward: dout (N, out) → dx of x's original shape; writes ∂L/∂W into `weight.gradient` and
///   ∂L/∂b into `bias.gradient`. The transposes are BLAS flags, never copies.
/// - Each large product is shared out among `Threads.count` threads along its longest axis (`sharedGemm`:
///   SimpleConvNet's forward by the inner dimension, ∂x by columns, ∂W by rows).
/// - out, dx and the gradients live in buffers reused from batch to batch while the shapes stay the
///   same (one still held elsewhere is copied on write, never overwritten).
public final class Affine<Scalar: TensorScalar>: Layer {
    /// W, of shape (in, out).
    public let weight: Parameter<Scalar>
    /// b, of shape (out,).
    public let bias: Parameter<Scalar>

    /// The last forward's input flattened to (N, in), kept for backward.
    public private(set) var x: Tensor<Scalar>?
    /// The last forward's input shape before flattening; dx gets this shape back.
    public private(set) var originalShape: [Int]?
    /// The last forward's output and the last backward's dx, kept to be reused.
    private var output: Tensor<Scalar>?
    private var inputGradient: Tensor<Scalar>?
    /// (N, in) of the last flattened input of rank > 2, kept so flattening allocates nothing.
    private var flatShape: [Int] = []

    /// An Affine layer over the given W (in, out) and b (out,). Stops if the shapes disagree.
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>) {
        precondition(weight.rank == 2,
                     "Affine.init: W must be 2-d (in, out), got shape \(weight.shape) (b has shape \(bias.shape))")
        precondition(bias.shape == [weight.shape[1]],
                     "Affine.init: W has shape \(weight.shape) so b must have shape [\(weight.shape[1])], got \(bias.shape)")
        self.weight = Parameter(name: "W", value: weight, decays: true)
        self.bias = Parameter(name: "b", value: bias, decays: false)
    }

    /// [weight, bias].
    public var parameters: [Parameter<Scalar>] { [weight, bias] }

    public func forward(_ x: Tensor<Scalar>, training: Bool = true) -> Tensor<Scalar> {
        let w = weight.value, b = bias.value
        precondition(x.rank >= 1, "Affine.forward: x must have a batch axis, got shape \(x.shape)")
        precondition(w.rank == 2 && b.shape == [w.shape[1]],
                     "Affine.forward: W has shape \(w.shape) and b has shape \(b.shape); they no longer agree")
        let n = x.shape[0], outputs = w.shape[1]
        let features = x.shape.dropFirst().reduce(1, *)
        precondition(features == w.shape[0],
                     "Affine.forward: x has shape \(x.shape) (\(features) features per example) but W has shape \(w.shape)")
        // The book's x.reshape(x.shape[0], -1): the same elements viewed as (N, in).
        if x.rank != 2 && !(flatShape.count == 2 && flatShape[0] == n && flatShape[1] == features) { flatShape = [n, features] }
        let flat = x.rank == 2 ? x : Tensor(shape: flatShape, scalars: x.scalars)
        self.x = flat
        originalShape = x.shape
        var out = reusable(&output, rows: n, columns: outputs)
        // §5.6.2: out = x·W + b — b is copied into every row, then the product is accumulated onto it.
        flat.withUnsafeBufferPointer { px in
            w.withUnsafeBufferPointer { pw in
                b.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { po in
                        guard n > 0 else { return }
                        for i in 0..<n { (po.baseAddress! + i * outputs).update(from: pb.baseAddress!, count: outputs) }
                        guard features > 0 else { return }
                        sharedGemm(transposeA: false, transposeB: false, m: n, n: outputs, k: features,
                                    alpha: 1, px.baseAddress!, lda: features, pw.baseAddress!, ldb: outputs,
                                    beta: 1, po.baseAddress!, ldc: outputs)
                    }
                }
            }
        }
        output = out
        return out
    }

    public func backward(_ dout: Tensor<Scalar>) -> Tensor<Scalar> {
        guard let originalShape, let x else { preconditionFailure("Affine.backward called before forward") }
        backwardParameters(dout)
        let w = weight.value
        let n = x.shape[0], features = w.shape[0], outputs = w.shape[1]
        var dx = reusable(&inputGradient, shape: originalShape)
        // §5.6.2: dx = dout·Wᵀ, (N, out)·(out, in), written straight into x's original shape.
        dout.withUnsafeBufferPointer { pd in
            w.withUnsafeBufferPointer { pw in
                dx.withUnsafeMutableBufferPointer { px in
                    guard n > 0, features > 0 else { return }
                    guard outputs > 0 else { px.update(repeating: 0); return }
                    sharedGemm(transposeA: false, transposeB: true, m: n, n: features, k: outputs,
                                alpha: 1, pd.baseAddress!, lda: outputs, pw.baseAddress!, ldb: outputs,
                                beta: 0, px.baseAddress!, ldc: features)
                }
            }
        }
        inputGradient = dx
        return dx
    }

    /// dW and db only (no dx), for a network's first layer.
    public func backwardParameters(_ dout: Tensor<Scalar>) {
        guard let x else { preconditionFailure("Affine.backward called before forward") }
        let w = weight.value
        let n = x.shape[0], features = w.shape[0], outputs = w.shape[1]
        if !(dout.rank == 2 && dout.shape[0] == n && dout.shape[1] == outputs) {
            checkGradientShape(dout.shape, [n, outputs], "Affine")
        }
        if weight.gradient.shape != w.shape { weight.gradient = .zeros(w.shape) }
        if bias.gradient.shape != bias.value.shape { bias.gradient = .zeros(bias.value.shape) }
        // §5.6.2: dW = xᵀ·dout, db = Σ_N dout
        x.withUnsafeBufferPointer { px in
            dout.withUnsafeBufferPointer { pd in
                weight.gradient.withUnsafeMutableBufferPointer { pw in
                    guard features > 0, outputs > 0 else { return }
                    guard n > 0 else { pw.update(repeating: 0); return }
                    sharedGemm(transposeA: true, transposeB: false, m: features, n: outputs, k: n,
                                alpha: 1, px.baseAddress!, lda: features, pd.baseAddress!, ldb: outputs,
                                beta: 0, pw.baseAddress!, ldc: outputs)
                }
                bias.gradient.withUnsafeMutableBufferPointer { pb in
                    guard outputs > 0 else { return }
                    guard n > 0 else { pb.update(repeating: 0); return }
                    Scalar.reduce(.sum, pd.baseAddress!, outer: 1, length: n, inner: outputs, pb.baseAddress!)
                }
            }
        }
    }
}
