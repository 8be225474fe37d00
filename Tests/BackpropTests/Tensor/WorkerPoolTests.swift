import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// `WorkerPool` runs every iteration of a loop exactly once, on several threads, and falls back to the
/// calling thread when a loop is already running (nested loops, or loops started from several threads).
struct WorkerPoolTests {
    /// Counts per iteration, written by whichever thread runs it (each slot by one iteration only).
    private final class Counts: @unchecked Sendable {
        let slots: UnsafeMutablePointer<Int>
        let count: Int
        init(_ count: Int) {
            self.count = count
            slots = .allocate(capacity: count)
            slots.initialize(repeating: 0, count: count)
        }
        deinit { slots.deallocate() }
        var values: [Int] { Array(UnsafeBufferPointer(start: slots, count: count)) }
    }

    @Test(arguments: [2, 3, 5])
    func everyIterationOnce(threads: Int) {
        let pool = WorkerPool.shared
        for count in [2, 3, 7, 64] {
            let counts = Counts(count)
            pool.run(count, threads: threads) { i in counts.slots[i] += 1 }
            #expect(counts.values == Array(repeating: 1, count: count), "\(count) iterations on \(threads) threads")
        }
    }

    /// Many short loops in a row (workers spinning between them, then sleeping and woken again).
    @Test func manyLoopsInARow() {
        let counts = Counts(4)
        for round in 0..<2000 {
            WorkerPool.shared.run(4, threads: 2) { i in counts.slots[i] += 1 }
            if round == 1000 { Thread.sleep(forTimeInterval: 0.05) }   // long enough for the workers to sleep
        }
        #expect(counts.values == [2000, 2000, 2000, 2000])
    }

    /// Iterations really run on more than one thread. Other tests run pool loops at the same time, and a
    /// loop started while another runs takes its calling thread alone (by design), so the test tries up
    /// to 100 times for a moment when the pool is free; a pool that never used a second thread fails.
    @Test func usesAnotherThread() {
        func threadsOfOneLoop() -> Set<Int> {
            let threadIDs = Counts(2)
            // Each iteration waits a little so that the caller cannot take both before a worker wakes.
            WorkerPool.shared.run(2, threads: 2) { i in
                threadIDs.slots[i] = Int(bitPattern: UInt(pthread_self()))   // the OS thread, not a Foundation object
                Thread.sleep(forTimeInterval: 0.02)
            }
            return Set(threadIDs.values)
        }
        let tries = (1...100).lazy.map { _ in threadsOfOneLoop() }
        #expect(tries.contains { $0.count == 2 })
    }

    /// A loop inside a loop's body runs on that body's thread, whole.
    @Test func nestedLoopRunsSerially() {
        let counts = Counts(12)
        WorkerPool.shared.run(3, threads: 3) { outer in
            WorkerPool.shared.run(4, threads: 2) { inner in counts.slots[outer * 4 + inner] += 1 }
        }
        #expect(counts.values == Array(repeating: 1, count: 12))
    }

    /// Loops started at once from several threads all complete, each iteration once.
    @Test func concurrentCallers() {
        let callers = 4, count = 8, rounds = 200
        let counts = Counts(callers * count)
        DispatchQueue.concurrentPerform(iterations: callers) { caller in
            for _ in 0..<rounds {
                WorkerPool.shared.run(count, threads: 2) { i in counts.slots[caller * count + i] += 1 }
            }
        }
        #expect(counts.values == Array(repeating: rounds, count: callers * count))
    }
}
