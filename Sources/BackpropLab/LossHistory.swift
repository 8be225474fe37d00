/// The training loss of every step, kept in bounded memory for a run of any length: at most `capacity`
/// points, each the mean loss of `stride` consecutive steps. When full, neighbouring points are merged
/// in pairs and the stride doubles, so a curve of a million steps holds the same few hundred points.
struct LossHistory: Sendable, Equatable {
    struct Point: Sendable, Equatable, Encodable {
        /// The last iteration the point covers.
        var iteration: Int
        var loss: Double
    }

    let capacity: Int
    private(set) var points: [Point] = []
    /// Steps per point.
    private(set) var stride = 1
    private var pendingSum = 0.0, pendingCount = 0

    /// An empty history of at most `capacity` points (an even number, at least 2).
    init(capacity: Int = 400) {
        precondition(capacity >= 2 && capacity % 2 == 0, "LossHistory: capacity must be even and at least 2, got \(capacity)")
        self.capacity = capacity
    }

    /// Adds the loss of step `iteration`.
    mutating func append(iteration: Int, loss: Double) {
        pendingSum += loss
        pendingCount += 1
        guard pendingCount == stride else { return }
        points.append(Point(iteration: iteration, loss: pendingSum / Double(pendingCount)))
        pendingSum = 0
        pendingCount = 0
        if points.count == capacity {
            points = Swift.stride(from: 0, to: capacity, by: 2).map {
                Point(iteration: points[$0 + 1].iteration, loss: (points[$0].loss + points[$0 + 1].loss) / 2)
            }
            stride *= 2
        }
    }
}
