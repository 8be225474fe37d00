/// The operations of §5.6.3's Softmax-with-Loss layer, each one kernel (Kernels/Elementwise/SoftmaxCrossEntropyKernels.swift):
/// softmax with the cross-entropy error, one-hot targets from class indices, and (y − t)·scale.
extension Tensor where Scalar: TensorScalar {
    /// §3.5.2 softmax of each row of scores (N, C) — x − max first, so every exp ≤ 1 — and §4.2.4's
    /// summed cross-entropy −Σᵢ Σ_c tᵢc·log yᵢc against targets t (N, C), with log y = (x − max) −
    /// log Σ exp(x − max) exactly. Returns y (written into `buffer`) and the sum (not the mean).
    func softmaxCrossEntropy(_ t: Tensor, into buffer: inout some ResultBuffer<Scalar>) -> (y: Tensor, loss: Scalar) {
        precondition(rank == 2 && t.shape == shape,
                     "softmaxCrossEntropy: scores have shape \(shape) and targets \(t.shape); both must be (N, C)")
        var loss: Scalar = 0
        let y = buffer.write(shape: shape) { y in
            withUnsafeBufferPointer { px in
                t.withUnsafeBufferPointer { pt in
                    y.withUnsafeMutableBufferPointer { py in
                        loss = Scalar.softmaxCrossEntropy(px.baseAddress!, pt.baseAddress!, py.baseAddress!,
                                                          rows: shape[0], columns: shape[1])
                    }
                }
            }
        }
        return (y, loss)
    }

    /// (self − t)·scale, elementwise over tensors of one shape, written into `buffer`: §5.6.3's
    /// `(self.y - self.t) / batch_size` with scale = dout / N.
    func minus(_ t: Tensor, times scale: Scalar, into buffer: inout some ResultBuffer<Scalar>) -> Tensor {
        precondition(t.shape == shape, "minus(_:times:): shapes \(shape) and \(t.shape) differ")
        return buffer.write(shape: shape) { out in
            withUnsafeBufferPointer { py in
                t.withUnsafeBufferPointer { pt in
                    out.withUnsafeMutableBufferPointer { po in
                        guard po.count > 0 else { return }
                        Scalar.scaledDifference(py.baseAddress!, pt.baseAddress!, scale: scale, po.baseAddress!, count: po.count)
                    }
                }
            }
        }
    }

    /// One-hot rows (N, classes) from N class indices stored as numbers: row i is 1 at column t[i] and 0
    /// elsewhere, written into `buffer`. Returns nil and the first index that is not an integer in
    /// 0..<classes when there is one.
    static func oneHot(_ t: Tensor, classes: Int, into buffer: inout some ResultBuffer<Scalar>) -> (Tensor, bad: Int?) {
        precondition(t.rank == 1, "oneHot: class indices must be 1-d (N,), got shape \(t.shape)")
        var bad: Int?
        let rows = buffer.write(rows: t.count, columns: classes) { out in
            t.withUnsafeBufferPointer { pt in
                out.withUnsafeMutableBufferPointer { p in
                    guard p.count > 0 else { return }
                    bad = Scalar.oneHot(pt.baseAddress!, count: t.count, classes: classes, p.baseAddress!)
                }
            }
        }
        return (rows, bad)
    }
}
