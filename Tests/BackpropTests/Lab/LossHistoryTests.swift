@testable import BackpropLab
import Testing

/// The live curve's memory stays bounded over any number of steps, and its points are true means.
@Suite("Lab loss history")
struct LossHistoryTests {
    @Test("a million steps keep at most the capacity, each point the mean of its steps")
    func bounded() {
        var history = LossHistory(capacity: 8)
        for i in 1...1_000_000 { history.append(iteration: i, loss: Double(i)) }
        #expect(history.points.count <= 8 && history.points.count >= 4)
        #expect(history.stride == 131_072)
        // The first point covers steps 1…stride: its mean is (1 + stride) / 2.
        #expect(history.points[0].iteration == history.stride)
        #expect(history.points[0].loss == Double(1 + history.stride) / 2)
    }

    @Test("fewer steps than the capacity: every step is a point")
    func small() {
        var history = LossHistory(capacity: 8)
        for i in 1...7 { history.append(iteration: i, loss: Double(i) * 0.5) }
        #expect(history.points.map(\.loss) == [0.5, 1, 1.5, 2, 2.5, 3, 3.5])
    }
}
