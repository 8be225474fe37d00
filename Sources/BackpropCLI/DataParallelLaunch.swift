import ArgumentParser
import Backprop
import Foundation
#if canImport(BackpropMPI)
import BackpropMPI
#endif

/// The ranks of the MPI job a `backprop train` runs in (`mpirun -np N backprop train …`): the
/// gradient sums, a broadcast of bytes from rank 0 (a checkpoint to resume), and the end of the job.
protocol RankGroup: GradientReducer {
    func broadcastFromRankZero(_ bytes: inout [UInt8])
    func finish()
}

#if canImport(BackpropMPI)
extension MPIRanks: RankGroup {}
#endif

/// Data-parallel training under mpirun: joining the job, and the steps every rank must take together.
enum DataParallelLaunch {
    /// The job this process is a rank of when mpirun started it, else nil. Without Open MPI in the build,
    /// refuses to be one of several ranks (they would be separate runs writing the same files).
    static func join() throws -> (any RankGroup)? {
        #if canImport(BackpropMPI)
        guard MPIRanks.launchedByMPIRun else { return nil }
        do {
            return try MPIRanks()
        } catch {
            printError("backprop: cannot join the MPI job: \(error)")
            throw ExitCode(ExitStatus.failure)
        }
        #else
        if let size = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"].flatMap({ Int($0) }), size > 1 {
            printError("backprop: mpirun started \(size) ranks, but this backprop was built without Open MPI "
                       + "(install libopenmpi-dev with scripts/setup.sh, then rebuild); refusing to train \(size) separate copies")
            throw ExitCode(64)
        }
        return nil
        #endif
    }

    /// Threads per rank when --threads is not given: this machine's cores shared among its ranks.
    static var defaultThreads: Int {
        let local = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap { Int($0) } ?? 1
        return Swift.max(1, ProcessInfo.processInfo.activeProcessorCount / Swift.max(1, local))
    }

    /// The checkpoint at `path`: read and checked by rank 0 and sent to the others whole, so that every
    /// rank resumes from the same bytes (the file need only exist where rank 0 runs).
    static func readCheckpoint(_ path: String, ranks: (any RankGroup)?) throws -> CheckpointContents {
        guard let ranks else { return try Checkpoint.read(path: path) }
        var bytes: [UInt8] = []
        var failure: (any Error)?
        if ranks.rank == 0 {
            do { bytes = try Checkpoint.read(path: path).file.encoded() } catch { failure = error }
        }
        ranks.broadcastFromRankZero(&bytes)   // empty: rank 0 could not read it, and says why
        if let failure { throw failure }
        guard !bytes.isEmpty else { throw ExitCode(ExitStatus.badData) }
        return try Checkpoint.parse(bytes, path: path)
    }

    /// Why the ranks cannot share the sampler's batches: every batch, the last of an epoch too, needs an
    /// example per rank.
    static func batchProblem(_ sampler: BatchSampler, ranks: Int) -> String? {
        let last = sampler.count % sampler.batchSize
        guard sampler.batchSize < ranks || (last != 0 && last < ranks) else { return nil }
        return "\(ranks) ranks need at least \(ranks) examples in every batch, but batches hold \(sampler.batchSize) "
            + "and the last of an epoch \(last == 0 ? sampler.batchSize : last) (\(sampler.count) training examples)"
    }
}

/// Runs `body` on every rank and stops them all when it throws on any: a rank whose `body` threw
/// rethrows its error (rank 0 first: the others stay quiet when rank 0 failed too), and the rest exit
/// quietly with status 1.
func onEveryRank<T>(_ ranks: (any RankGroup)?, _ body: () throws -> T) throws -> T {
    guard let ranks else { return try body() }
    let result = Result { try body() }
    var failed = [0.0, 0.0]   // rank 0 failed, some rank failed
    if case .failure = result { failed = [ranks.rank == 0 ? 1 : 0, 1] }
    ranks.allReduceSum(&failed)
    switch result {
    case .success(let value) where failed[1] == 0: return value
    case .failure(let error) where ranks.rank == 0 || failed[0] == 0: throw error
    default: throw ExitCode(ExitStatus.failure)
    }
}

/// Under mpirun: mpirun ends the ranks with SIGTERM when one of them died or the job was interrupted
/// (Ctrl-C). Rank 0 then prints one line — where the run stood and what the checkpoint holds — and
/// exits, after any checkpoint write in progress (each is a temporary file renamed into place, so the
/// file is always a whole epoch).
final class TerminationNotice: @unchecked Sendable {
    private let lock = NSLock()
    private var iteration = 0
    private var savedIteration: Int?
    private var sources: [DispatchSourceSignal] = []

    /// Catches SIGTERM and SIGINT for the rest of the process.
    func catchTermination(rank: Int, rankCount: Int, checkpoint: String?) {
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()   // held for good: no checkpoint write starts after this
                if rank == 0 {
                    let saved = checkpoint.map { path in
                        savedIteration.map { "\(path) holds iteration \($0); continue with --resume \(path) on any number of ranks" }
                            ?? "\(path) was not written yet"
                    } ?? "no --checkpoint was given"
                    printError("backprop: the MPI job ended at iteration \(iteration) (a rank of \(rankCount) stopped, "
                               + "or the job was interrupted); \(saved)")
                }
                _exit(143)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Records the iteration reached.
    func reached(_ iteration: Int) { lock.withLock { self.iteration = iteration } }

    /// Runs a checkpoint write, which a termination waits for; records what it saved.
    func saving(iteration: Int, _ body: () throws -> Void) rethrows {
        try lock.withLock {
            try body()
            savedIteration = iteration
        }
    }
}
