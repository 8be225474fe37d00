import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// BatchSampler: shuffled epochs, partial last batch, determinism, Codable resume.
struct BatchSamplerTests {
    /// All the batches of `epochs` epochs.
    func batches(_ sampler: inout BatchSampler, epochs: Int) -> [[[Int]]] {
        var cache: [Int] = []
        var result: [[[Int]]] = []
        for _ in 0..<epochs {
            var epoch: [[Int]] = []
            for _ in 0..<sampler.batchesPerEpoch { epoch.append(sampler.next(cache: &cache)) }
            result.append(epoch)
        }
        return result
    }

    @Test(arguments: [(10, 4), (10, 10), (10, 1), (7, 3), (1, 1), (1000, 100), (1001, 100), (60000, 100)])
    func everyEpochIsAPermutation(count: Int, batchSize: Int) {
        var sampler = BatchSampler(count: count, batchSize: batchSize, seed: 42)
        let expectedBatches = (count + batchSize - 1) / batchSize
        #expect(sampler.batchesPerEpoch == expectedBatches)
        let epochs = count > 10000 ? 2 : 4
        for (e, epoch) in batches(&sampler, epochs: epochs).enumerated() {
            let flat = epoch.flatMap { $0 }
            #expect(flat.count == count, "epoch \(e)")
            #expect(flat.sorted() == Array(0..<count), "epoch \(e) covers each index once")
            #expect(flat == sampler.order(ofEpoch: e), "epoch \(e) follows order(ofEpoch:)")
            let sizes = epoch.map(\.count)
            #expect(sizes.dropLast().allSatisfy { $0 == batchSize }, "epoch \(e): \(sizes)")
            #expect(sizes.last == count - batchSize * (expectedBatches - 1), "epoch \(e): last batch \(sizes)")
        }
        #expect(sampler.epoch == epochs && sampler.position == 0 && sampler.atEpochStart)
    }

    @Test func lastPartialBatch() {
        var sampler = BatchSampler(count: 10, batchSize: 4, seed: 0)
        var cache: [Int] = []
        #expect(sampler.atEpochStart && sampler.epoch == 0)
        #expect(sampler.next(cache: &cache).count == 4)
        #expect(sampler.position == 4 && !sampler.atEpochStart)
        #expect(sampler.next(cache: &cache).count == 4)
        #expect(sampler.position == 8 && sampler.epoch == 0)
        #expect(sampler.next(cache: &cache).count == 2)
        #expect(sampler.position == 0 && sampler.epoch == 1 && sampler.atEpochStart)
        #expect(sampler.next(cache: &cache).count == 4)
        #expect(sampler.epoch == 1 && sampler.position == 4)
    }

    @Test func batchLargerThanCountIsClamped() {
        var sampler = BatchSampler(count: 5, batchSize: 100, seed: 1)
        #expect(sampler.batchSize == 5 && sampler.batchesPerEpoch == 1)
        var cache: [Int] = []
        #expect(sampler.next(cache: &cache).sorted() == [0, 1, 2, 3, 4])
        #expect(sampler.epoch == 1)
    }

    @Test func epochsDifferAndAreShuffled() {
        let sampler = BatchSampler(count: 100, batchSize: 10, seed: 3)
        let orders = (0..<5).map { sampler.order(ofEpoch: $0) }
        #expect(Set(orders).count == 5, "five epochs, five different orders")
        #expect(orders.allSatisfy { $0 != Array(0..<100) }, "shuffled, not identity")
    }

    @Test func sameSeedSameOrderDifferentSeedDifferent() {
        var a = BatchSampler(count: 50, batchSize: 8, seed: 9)
        var b = BatchSampler(count: 50, batchSize: 8, seed: 9)
        var c = BatchSampler(count: 50, batchSize: 8, seed: 10)
        let ba = batches(&a, epochs: 3), bb = batches(&b, epochs: 3), bc = batches(&c, epochs: 3)
        #expect(ba == bb)
        #expect(ba != bc)
        #expect(a == b)
    }

    /// The order of an epoch depends only on (seed, epoch): a sampler that was restored, and so starts
    /// with an empty cache, hands out the same batches.
    @Test func codableRoundTripMidEpochContinuesIdentically() throws {
        var original = BatchSampler(count: 10, batchSize: 4, seed: 77)
        var cache: [Int] = []
        _ = original.next(cache: &cache)   // epoch 0, position 4
        let data = try JSONEncoder().encode(original)
        var restored = try JSONDecoder().decode(BatchSampler.self, from: data)
        #expect(restored == original)
        #expect(restored.epoch == 0 && restored.position == 4 && restored.seed == 77)

        var restoredCache: [Int] = []
        for step in 0..<9 {
            let a = original.next(cache: &cache)
            let b = restored.next(cache: &restoredCache)
            #expect(a == b, "step \(step)")
        }
        #expect(restored == original)
    }

    /// Seeds above 2^53 survive JSON exactly (a Double round trip would not).
    @Test func codableKeepsLargeSeedsExactly() throws {
        var sampler = BatchSampler(count: 20, batchSize: 3, seed: UInt64.max - 12345)
        var cache: [Int] = []
        _ = sampler.next(cache: &cache)
        _ = sampler.next(cache: &cache)
        let decoded = try JSONDecoder().decode(BatchSampler.self, from: JSONEncoder().encode(sampler))
        #expect(decoded.seed == UInt64.max - 12345)
        #expect(decoded == sampler)
        #expect(decoded.order(ofEpoch: 0) == sampler.order(ofEpoch: 0))
    }

    @Test func codableKeys() throws {
        let sampler = BatchSampler(count: 3, batchSize: 2, seed: 5)
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(sampler)) as? [String: Any]
        #expect(Set(object?.keys.map { $0 } ?? []) == ["count", "batchSize", "seed", "withReplacement", "epoch", "position"])
    }

    /// A decoded state is checked by `isValid`: a position inside the epoch, non-negative counters.
    @Test func isValidForDecodedStates() throws {
        func decode(_ text: String) throws -> BatchSampler { try JSONDecoder().decode(BatchSampler.self, from: Data(text.utf8)) }
        var live = BatchSampler(count: 10, batchSize: 4, seed: 1)
        var cache: [Int] = []
        for _ in 0..<7 {
            #expect(live.isValid)
            _ = live.next(cache: &cache)
        }
        #expect(try decode(#"{"count":10,"batchSize":4,"seed":1,"epoch":3,"position":8}"#).isValid)
        for bad in [#"{"count":10,"batchSize":4,"seed":1,"epoch":0,"position":10}"#,
                    #"{"count":10,"batchSize":4,"seed":1,"epoch":0,"position":-1}"#,
                    #"{"count":10,"batchSize":4,"seed":1,"epoch":-2,"position":0}"#,
                    #"{"count":10,"batchSize":0,"seed":1,"epoch":0,"position":0}"#,
                    #"{"count":10,"batchSize":11,"seed":1,"epoch":0,"position":0}"#,
                    #"{"count":0,"batchSize":1,"seed":1,"epoch":0,"position":0}"#] {
            #expect(try !decode(bad).isValid, "\(bad)")
        }
    }

    /// With replacement (the book's np.random.choice): each batch is `batchSize` indices in range, an
    /// epoch is still `batchesPerEpoch` batches, examples repeat within an epoch, batches are seeded.
    @Test func withReplacementDrawsIndependentBatches() {
        var sampler = BatchSampler(count: 1000, batchSize: 100, seed: 5, withReplacement: true)
        let epochs = batches(&sampler, epochs: 2)
        #expect(sampler.epoch == 2 && sampler.atEpochStart)
        let first = epochs[0].flatMap { $0 }
        #expect(epochs.allSatisfy { $0.count == 10 && $0.allSatisfy { $0.count == 100 } })
        #expect(first.allSatisfy { (0..<1000).contains($0) })
        // 1000 draws from 1000: about 632 distinct (1 − 1/e); a permutation would give exactly 1000.
        #expect((550...720).contains(Set(first).count), "\(Set(first).count) distinct of 1000 draws")
        #expect(epochs[0] != epochs[1])
        var again = BatchSampler(count: 1000, batchSize: 100, seed: 5, withReplacement: true)
        #expect(batches(&again, epochs: 2) == epochs)
        var shuffled = BatchSampler(count: 1000, batchSize: 100, seed: 5)
        #expect(batches(&shuffled, epochs: 1)[0] != epochs[0])
        var other = BatchSampler(count: 1000, batchSize: 100, seed: 6, withReplacement: true)
        #expect(batches(&other, epochs: 1)[0] != epochs[0])
    }

    /// A state saved mid-epoch continues with the same batches; a state saved before the option existed
    /// decodes as shuffled epochs.
    @Test func withReplacementResumesAndOldStatesDecode() throws {
        var original = BatchSampler(count: 37, batchSize: 5, seed: 2, withReplacement: true)
        var cache: [Int] = []
        _ = original.next(cache: &cache)
        _ = original.next(cache: &cache)
        var restored = try JSONDecoder().decode(BatchSampler.self, from: try JSONEncoder().encode(original))
        #expect(restored == original && restored.withReplacement)
        var cacheB: [Int] = []
        for _ in 0..<20 { #expect(restored.next(cache: &cacheB) == original.next(cache: &cache)) }
        let old = try JSONDecoder().decode(BatchSampler.self,
                                           from: Data(#"{"count":10,"batchSize":4,"seed":1,"epoch":1,"position":4}"#.utf8))
        #expect(!old.withReplacement && old.epoch == 1 && old.position == 4)
        let options = try JSONDecoder().decode(TrainingOptions.self, from: Data(
            #"{"optimizer":"adam","batchSize":100,"iterations":50,"seed":3}"#.utf8))
        #expect(options == TrainingOptions(optimizer: .adam, batchSize: 100, iterations: 50, seed: 3))
        let roundTrip = TrainingOptions(optimizer: .sgd, learningRate: 0.1, seed: 4, batchesWithReplacement: true)
        #expect(try JSONDecoder().decode(TrainingOptions.self, from: JSONEncoder().encode(roundTrip)) == roundTrip)
    }
}
