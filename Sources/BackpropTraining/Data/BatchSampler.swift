import BackpropCore

/// Mini-batches of example indices: each epoch a fresh permutation from the seed, cut into batches of
/// `batchSize`; the last batch of an epoch holds the remainder (it is not dropped). No data is copied.
///
/// With `withReplacement`, each batch is instead `batchSize` indices drawn independently and uniformly
/// from all examples — the book's `np.random.choice(train_size, batch_size)` in `train_neuralnet.py` and
/// `common/trainer.py` — with an "epoch" still `batchesPerEpoch` batches, so runs of the same length
/// compare (an example may then appear twice in a batch, or not at all in an epoch).
///
/// The permutation of epoch e depends only on (seed, e), and a batch drawn with replacement only on
/// (seed, e, position), so the sampler's whole state is a few numbers: a checkpoint saves it and a
/// resumed run sees exactly the batches an uninterrupted run would have.
public struct BatchSampler: Sendable, Codable, Equatable {
    /// Examples to sample from (indices 0..<count).
    public let count: Int
    /// Indices per batch (the last batch of an epoch may hold fewer).
    public let batchSize: Int
    /// The seed of every epoch's permutation and every draw.
    public let seed: UInt64
    /// Whether batches are drawn with replacement (the book) instead of walking a permutation.
    public let withReplacement: Bool
    /// The epoch the next batch comes from (0-based).
    public private(set) var epoch = 0
    /// Examples of the current epoch already handed out.
    public private(set) var position = 0

    private enum CodingKeys: String, CodingKey { case count, batchSize, seed, withReplacement, epoch, position }

    /// Batches over `count` examples (count ≥ 1, batchSize ≥ 1), shuffled from `seed`, or drawn with
    /// replacement when `withReplacement`.
    public init(count: Int, batchSize: Int, seed: UInt64, withReplacement: Bool = false) {
        precondition(count >= 1 && batchSize >= 1, "BatchSampler: count \(count) and batchSize \(batchSize) must be ≥ 1")
        self.count = count
        self.batchSize = Swift.min(batchSize, count)
        self.seed = seed
        self.withReplacement = withReplacement
    }

    /// Decodes a saved state; one saved before `withReplacement` existed walks permutations.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        count = try c.decode(Int.self, forKey: .count)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        seed = try c.decode(UInt64.self, forKey: .seed)
        withReplacement = try c.decodeIfPresent(Bool.self, forKey: .withReplacement) ?? false
        epoch = try c.decode(Int.self, forKey: .epoch)
        position = try c.decode(Int.self, forKey: .position)
    }

    /// Batches per epoch (the last may be partial).
    public var batchesPerEpoch: Int { (count + batchSize - 1) / batchSize }

    /// Examples handed out by the first `iterations` batches from the start of a run: every full epoch
    /// holds `count`, and the last batch of an epoch only the remainder (with or without replacement),
    /// so this is what throughput must count, not `iterations × batchSize`. A Double: it cannot overflow.
    public func examples(inIterations iterations: Int) -> Double {
        guard iterations > 0 else { return 0 }
        let (epochs, batches) = iterations.quotientAndRemainder(dividingBy: batchesPerEpoch)
        return Double(epochs) * Double(count) + Double(Swift.min(batches * batchSize, count))
    }

    /// The permutation used in `epoch`.
    public func order(ofEpoch epoch: Int) -> [Int] {
        var permutation: [Int] = []
        order(ofEpoch: epoch, into: &permutation)
        return permutation
    }

    /// `order(ofEpoch:)` written into `order`, reusing its storage.
    public func order(ofEpoch epoch: Int, into order: inout [Int]) {
        var rng = SeededGenerator(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(epoch + 1))
        rng.permutation(count, into: &order)
    }

    /// The next batch's indices; moves to the next epoch after the last batch of one.
    public mutating func next(cache: inout [Int]) -> [Int] {
        var batch: [Int] = []
        next(cache: &cache, into: &batch)
        return batch
    }

    /// `next(cache:)` writing the indices into `batch` (its storage is reused: no allocation once it
    /// has room for a batch).
    public mutating func next(cache: inout [Int], into batch: inout [Int]) {
        let end = Swift.min(position + batchSize, count)
        batch.removeAll(keepingCapacity: true)
        if withReplacement {
            var rng = SeededGenerator(seed: (seed &+ 0xD1B5_4A32_D192_ED03 &* UInt64(epoch + 1))
                                          ^ (UInt64(position) &* 0x94D0_49BB_1331_11EB))
            for _ in position..<end { batch.append(rng.nextIndex(below: count)) }
        } else {
            if position == 0 || cache.count != count { order(ofEpoch: epoch, into: &cache) }
            batch.append(contentsOf: cache[position..<end])
        }
        position = end
        if position == count {
            epoch += 1
            position = 0
        }
    }

    /// Whether a decoded state is possible: a position inside an epoch, a non-negative epoch.
    public var isValid: Bool {
        count >= 1 && batchSize >= 1 && batchSize <= count && epoch >= 0 && position >= 0 && position < count
    }

    /// true when no batch of the current epoch has been handed out yet (at the start, or right after an
    /// epoch ended).
    public var atEpochStart: Bool { position == 0 }
}
