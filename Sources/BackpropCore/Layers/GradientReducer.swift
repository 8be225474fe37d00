/// What data-parallel training needs from the processes (ranks) that share a training step: an
/// element-wise sum over all of them. `Trainer` calls it once per step on one buffer holding every
/// gradient; `BatchNormalization` calls it for the batch statistics (see `BatchScope`).
///
/// Backprop itself holds no transport: an MPI implementation lives in the `BackpropMPI` target (built
/// only where Open MPI is installed); the tests use an in-memory one. Every rank must call the
/// reductions in the same order with buffers of the same length — a collective operation, as
/// `MPI_Allreduce`. An implementation stops the whole job, with a message, when a peer has gone: it
/// never returns a partial sum.
public protocol GradientReducer: AnyObject {
    /// This process's rank, 0 ..< `rankCount`. Rank 0 holds the run's files.
    var rank: Int { get }
    /// The number of ranks sharing each step.
    var rankCount: Int { get }
    /// Replaces every element by its sum over all ranks.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>)
    /// Replaces every element by its sum over all ranks.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>)
}

extension GradientReducer {
    /// Replaces every element of `buffer` by its sum over all ranks (Float or Double).
    public func allReduceSum<T: TensorScalar>(_ buffer: inout [T]) {
        buffer.withUnsafeMutableBufferPointer { pointer in
            if T.self == Float.self {
                pointer.withMemoryRebound(to: Float.self) { allReduceSum($0) }
            } else if T.self == Double.self {
                pointer.withMemoryRebound(to: Double.self) { allReduceSum($0) }
            } else {
                preconditionFailure("GradientReducer.allReduceSum: \(T.self) is neither Float nor Double")
            }
        }
    }

    /// Gives every rank rank 0's `buffer` (a sum in which the other ranks contribute zeros: exact).
    public func broadcastFromRankZero<T: TensorScalar>(_ buffer: inout [T]) {
        if rank != 0 {
            for i in buffer.indices { buffer[i] = 0 }
        }
        allReduceSum(&buffer)
    }

    /// The part of `count` items (a global batch, a dataset) this rank handles: a contiguous slice,
    /// the first `count % rankCount` ranks one item longer than the others.
    public func share(of count: Int) -> Range<Int> {
        Self.share(of: count, rank: rank, rankCount: rankCount)
    }

    /// Rank `rank`'s contiguous slice of `count` items shared among `rankCount` ranks.
    public static func share(of count: Int, rank: Int, rankCount: Int) -> Range<Int> {
        let base = count / rankCount, extra = count % rankCount
        let start = rank * base + Swift.min(rank, extra)
        return start ..< start + base + (rank < extra ? 1 : 0)
    }
}
