/// Operations with a `Tensor<Bool>` mask: the book's `x[mask] = 0` (ReLU) and `x * mask` (Dropout).
/// Each plain form returns a new tensor; the `into:` forms equal them and write into a reused buffer,
/// split among threads for large tensors (each element is computed alone, so the thread count does
/// not change the result).
extension Tensor where Scalar: TensorScalar {
    /// A copy with +0 where `mask` is true: the book's `out = x.copy(); out[mask] = 0`. Stops if the
    /// shapes differ.
    public func zeroed(where mask: Tensor<Bool>) -> Tensor {
        var buffer = ReusedTensor<Scalar>()
        return zeroed(where: mask, into: &buffer)
    }

    /// A copy where `mask` is true and +0 elsewhere, times `scale`: the book's `x * mask` (Dropout),
    /// and `x * mask / (1 − p)` for inverted dropout. Stops if the shapes differ.
    public func kept(where mask: Tensor<Bool>, scaledBy scale: Scalar = 1) -> Tensor {
        var buffer = ReusedTensor<Scalar>()
        return kept(where: mask, scaledBy: scale, into: &buffer)
    }

    /// `zeroed(where:)`, written into `buffer`.
    func zeroed(where mask: Tensor<Bool>, into buffer: inout some ResultBuffer<Scalar>) -> Tensor {
        precondition(mask.shape == shape, "zeroed(where:): mask has shape \(mask.shape) but the tensor has shape \(shape)")
        return buffer.write(shape: shape) { out in
            elementwise(with: mask, into: &out) { x, m, out, n in zeroWhereMasked(x, m, out, n) }
        }
    }

    /// `kept(where:scaledBy:)`, written into `buffer`.
    func kept(where mask: Tensor<Bool>, scaledBy scale: Scalar = 1, into buffer: inout some ResultBuffer<Scalar>) -> Tensor {
        precondition(mask.shape == shape, "kept(where:): mask has shape \(mask.shape) but the tensor has shape \(shape)")
        return buffer.write(shape: shape) { out in
            elementwise(with: mask, into: &out) { x, m, out, n in
                keepWhereMasked(x, m, out, n)
                if scale != 1 {
                    withUnsafePointer(to: scale) { s in
                        Scalar.applyBinary(.multiply, UnsafePointer(out), s, out,
                                           Loop2D(outer: 1, inner: n, aOuter: 0, aInner: 1, bOuter: 0, bInner: 0))
                    }
                }
            }
        }
    }

    /// §5.5.1 ReLU forward in one pass: sets `mask` to `self .<= 0` (into its old storage when free) and
    /// returns `zeroed(where: mask)`, written into `buffer`.
    func relu(mask: inout Tensor<Bool>?, into buffer: inout some ResultBuffer<Scalar>) -> Tensor {
        var newMask = reusable(&mask, shape: shape)
        let out = buffer.write(shape: shape) { out in
            guard count > 0 else { return }
            withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    newMask.withUnsafeMutableBufferPointer { m in
                        let (x, y, m) = (x.baseAddress!, y.baseAddress!, m.baseAddress!)
                        parallelChunks(count) { r in
                            Scalar.reluForward(x + r.lowerBound, y + r.lowerBound, mask: m + r.lowerBound, count: r.count)
                        }
                    }
                }
            }
        }
        mask = newMask
        return out
    }

    /// Runs `kernel` over self, the mask and `out`, in contiguous chunks split among threads when large.
    private func elementwise(with mask: Tensor<Bool>, into out: inout Tensor,
                             _ kernel: (UnsafePointer<Scalar>, UnsafePointer<Bool>, UnsafeMutablePointer<Scalar>, Int) -> Void) {
        guard count > 0 else { return }
        withUnsafeBufferPointer { x in
            mask.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { out in
                    let (x, m, out) = (x.baseAddress!, m.baseAddress!, out.baseAddress!)
                    parallelChunks(count) { r in kernel(x + r.lowerBound, m + r.lowerBound, out + r.lowerBound, r.count) }
                }
            }
        }
    }
}
