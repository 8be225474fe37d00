import Backprop
import Foundation

/// Simulated ranks in one process, for testing data-parallel training without MPI: each rank runs on
/// its own thread with its own `InMemoryRanks.Rank`; `allReduceSum` waits until every rank has given
/// its buffer, then gives each the sum, added in rank order (so every rank gets the same bits).
final class InMemoryRanks: @unchecked Sendable {
    let rankCount: Int
    private let condition = NSCondition()
    private var contributions: [[Double]?]
    private var sum: [Double] = []
    private var generation = 0
    /// How many reductions have completed.
    private(set) var reductions = 0

    init(rankCount: Int) {
        self.rankCount = rankCount
        contributions = Array(repeating: nil, count: rankCount)
    }

    /// One rank's handle.
    final class Rank: GradientReducer {
        let hub: InMemoryRanks
        let rank: Int
        var rankCount: Int { hub.rankCount }

        init(hub: InMemoryRanks, rank: Int) {
            self.hub = hub
            self.rank = rank
        }

        func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) {
            let total = hub.reduce(rank: rank, buffer.map(Double.init))
            for i in buffer.indices { buffer[i] = Float(total[i]) }
        }

        func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) {
            let total = hub.reduce(rank: rank, Array(buffer))
            for i in buffer.indices { buffer[i] = total[i] }
        }
    }

    private func reduce(rank: Int, _ values: [Double]) -> [Double] {
        condition.lock()
        defer { condition.unlock() }
        let current = generation
        contributions[rank] = values
        if contributions.allSatisfy({ $0 != nil }) {
            var total = contributions[0]!
            for other in contributions.dropFirst() {
                precondition(other!.count == total.count, "InMemoryRanks: buffers of \(total.count) and \(other!.count) elements")
                for i in total.indices { total[i] += other![i] }
            }
            sum = total
            contributions = Array(repeating: nil, count: rankCount)
            generation += 1
            reductions += 1
            condition.broadcast()
        } else {
            while generation == current { condition.wait() }
        }
        return sum
    }

    /// Runs `body(rank)` for every rank on its own thread and returns the results in rank order.
    func run<T>(_ body: @escaping @Sendable (Rank) -> T) -> [T] {
        let results = ResultBox<T>(count: rankCount)
        let group = DispatchGroup()
        for rank in 0..<rankCount {
            group.enter()
            let thread = Thread { [self] in
                results.set(rank, body(Rank(hub: self, rank: rank)))
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        return results.values
    }
}

/// Results written by several threads.
private final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [T?]
    init(count: Int) { slots = Array(repeating: nil, count: count) }
    func set(_ index: Int, _ value: T) { lock.withLock { slots[index] = value } }
    var values: [T] { lock.withLock { slots.map { $0! } } }
}
