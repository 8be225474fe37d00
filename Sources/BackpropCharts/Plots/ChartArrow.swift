import BackpropCore
import BackpropTraining

/// Arrows from one point to another (the book's `plt.quiver`).
public struct ChartArrow: Sendable {
    /// Where the arrow starts and where its head points.
    public var fromX: Double, fromY: Double, toX: Double, toY: Double

    /// An arrow from (fromX, fromY) to (toX, toY), head at the end.
    public init(fromX: Double, fromY: Double, toX: Double, toY: Double) {
        (self.fromX, self.fromY, self.toX, self.toY) = (fromX, fromY, toX, toY)
    }
}
