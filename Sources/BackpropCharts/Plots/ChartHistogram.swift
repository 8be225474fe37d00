import BackpropCore
import BackpropTraining

/// Bars of a histogram: `counts[k]` values fell in [edges[k], edges[k + 1]) (the book's `plt.hist`).
public struct ChartHistogram: Sendable {
    /// counts.count + 1 increasing bin edges.
    public var edges: [Double]
    /// The number of values in each bin, one per bar.
    public var counts: [Int]
    /// The bars' fill, a CSS colour.
    public var color: String

    /// Bars of `counts` between `edges`; stops unless there is one edge more than counts.
    public init(edges: [Double], counts: [Int], color: String = "#1f77b4") {
        precondition(edges.count == counts.count + 1, "ChartHistogram: \(edges.count) edges for \(counts.count) bins")
        self.edges = edges
        self.counts = counts
        self.color = color
    }
}
