/// Over which examples a layer takes its sums over the batch (§6.3's μ and σ²): this process's batch
/// (`.local`: the book, and the default), or the global batch of a data-parallel step whose examples
/// are shared among ranks (`.global`): every rank's partial sums are added with the reducer, so each
/// rank normalises with the statistics of the whole batch, as one process would.
///
/// `.local` costs nothing: its `sum` returns its argument.
public enum BatchScope {
    case local
    case global(any GradientReducer)

    /// `partial` (a per-feature sum over this rank's examples) summed over all ranks, with the number
    /// of values summed (`count` on this rank) — one reduction of featureCount + 1 numbers.
    public func sum<Scalar: TensorScalar>(_ partial: Tensor<Scalar>, count: Int) -> (sum: Tensor<Scalar>, count: Int) {
        guard case .global(let reducer) = self else { return (partial, count) }
        var buffer = partial.scalars
        buffer.append(Scalar(count))
        reducer.allReduceSum(&buffer)
        let total = Int(buffer.removeLast().rounded())
        return (Tensor(shape: partial.shape, scalars: buffer), total)
    }

    /// `partial` summed over all ranks.
    public func sum<Scalar: TensorScalar>(_ partial: Tensor<Scalar>) -> Tensor<Scalar> {
        guard case .global(let reducer) = self else { return partial }
        var buffer = partial.scalars
        reducer.allReduceSum(&buffer)
        return Tensor(shape: partial.shape, scalars: buffer)
    }
}
