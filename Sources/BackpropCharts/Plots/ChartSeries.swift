import BackpropCore
import BackpropTraining

/// One line or set of points in a `ChartPanel`: the book's `plt.plot(x, y, …)`.
public struct ChartSeries: Sendable {
    /// How the points are joined.
    public enum Line: Sendable { case solid, dashed, dotted }
    /// What marks each point.
    public enum Marker: Sendable { case circle, square, plus }

    /// The legend's label; an empty name leaves the series out of the legend.
    public var name: String
    /// x and y of each point (same count); a non-finite y breaks the line there.
    public var x: [Double]
    /// The y of each point, one per x; a non-finite y breaks the line there.
    public var y: [Double]
    /// A CSS colour; nil takes the next colour of `Chart.palette` (matplotlib's).
    public var color: String?
    /// nil draws no line (a scatter plot).
    public var line: Line?
    /// nil draws no markers.
    public var marker: Marker?
    /// The marker's radius in pixels.
    public var markerSize: Double
    /// The line's width in pixels.
    public var lineWidth: Double

    /// A series named `name` through the points (x[i], y[i]); stops unless x and y have the same count.
    public init(_ name: String, x: [Double], y: [Double], color: String? = nil, line: Line? = .solid,
                marker: Marker? = nil, markerSize: Double = 3, lineWidth: Double = 2) {
        precondition(x.count == y.count, "ChartSeries \(name): \(x.count) x values but \(y.count) y values")
        self.name = name
        self.x = x
        self.y = y
        self.color = color
        self.line = line
        self.marker = marker
        self.markerSize = markerSize
        self.lineWidth = lineWidth
    }
}
