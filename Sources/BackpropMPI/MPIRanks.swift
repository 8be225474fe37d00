import Backprop
import CBackpropMPI
import Foundation

/// The ranks of an Open MPI job (`MPI_COMM_WORLD`) as a `GradientReducer`: the sums are
/// `MPI_Allreduce(MPI_IN_PLACE, …, MPI_SUM)`, the broadcast `MPI_Bcast` of bytes.
///
/// Errors return (MPI_ERRORS_RETURN) instead of aborting inside the library; a failed collective —
/// usually a peer that has died — prints one line naming the operation and Open MPI's reason, then
/// ends the whole job with `MPI_Abort`: a rank never trains on a partial sum and never waits forever.
/// (When a rank is killed, mpirun itself usually notices first and stops the others with SIGTERM.)
///
/// Only the thread that created it may use it (MPI_THREAD_FUNNELED).
public final class MPIRanks: GradientReducer {
    public let rank: Int
    public let rankCount: Int
    private var finished = false

    /// Whether this process was started by mpirun (Open MPI's launcher sets these variables).
    public static var launchedByMPIRun: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["OMPI_COMM_WORLD_SIZE"] != nil || environment["PMIX_RANK"] != nil
    }

    /// Joins the job: MPI_Init_thread and MPI_ERRORS_RETURN. Call once per process.
    public init() throws {
        let code = backprop_mpi_init()
        guard code == 0 else { throw MPIError(operation: "MPI_Init_thread", reason: MPIRanks.describe(code)) }
        let rank = backprop_mpi_rank(), size = backprop_mpi_size()
        guard rank >= 0, size >= 1 else { throw MPIError(operation: "MPI_Comm_rank", reason: "no rank in MPI_COMM_WORLD") }
        self.rank = Int(rank)
        self.rankCount = Int(size)
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) {
        for chunk in Self.chunks(buffer.count) {
            check(backprop_mpi_allreduce_sum_float(buffer.baseAddress! + chunk.lowerBound, Int32(chunk.count)), "MPI_Allreduce")
        }
    }

    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) {
        for chunk in Self.chunks(buffer.count) {
            check(backprop_mpi_allreduce_sum_double(buffer.baseAddress! + chunk.lowerBound, Int32(chunk.count)), "MPI_Allreduce")
        }
    }

    /// Gives every rank rank 0's `bytes` (of any length; the other ranks' `bytes` are replaced).
    public func broadcastFromRankZero(_ bytes: inout [UInt8]) {
        var length = [Double(rank == 0 ? bytes.count : 0)]
        broadcastFromRankZero(&length)
        if rank != 0 { bytes = Array(repeating: 0, count: Int(length[0])) }
        bytes.withUnsafeMutableBytes { raw in
            for chunk in Self.chunks(raw.count) {
                check(backprop_mpi_broadcast_bytes(raw.baseAddress! + chunk.lowerBound, Int32(chunk.count), 0), "MPI_Bcast")
            }
        }
    }

    /// MPI_Finalize, once (every rank must call it at the end of a job that went well).
    public func finish() {
        guard !finished else { return }
        finished = true
        _ = backprop_mpi_finalize()
    }

    /// Ends every rank of the job with `status`.
    public func abort(status: Int32) -> Never {
        backprop_mpi_abort(status)
        exit(status)
    }

    /// Stops the job with one line when an MPI call failed.
    private func check(_ code: Int32, _ operation: String) {
        guard code != 0 else { return }
        FileHandle.standardError.write(Data(("backprop: rank \(rank) of \(rankCount): \(operation) failed (\(Self.describe(code))); "
                                             + "another rank has probably stopped, so the job ends\n").utf8))
        abort(status: 1)
    }

    /// Ranges of at most 2³⁰ elements (MPI counts are 32-bit).
    private static func chunks(_ count: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: 1 << 30).map { $0 ..< Swift.min(count, $0 + (1 << 30)) }
    }

    private static func describe(_ code: Int32) -> String {
        var text = [CChar](repeating: 0, count: 512)
        backprop_mpi_error_string(code, &text, Int32(text.count))
        let message = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return message.isEmpty ? "MPI error \(code)" : message
    }
}

/// An MPI call that failed while joining the job.
public struct MPIError: Error, CustomStringConvertible {
    /// The MPI call that failed, e.g. "MPI_Init_thread".
    public let operation: String
    /// Why: Open MPI's message for the error code ("MPI error <code>" when it has none), or what was wrong.
    public let reason: String
    public var description: String { "\(operation) failed: \(reason)" }
}
