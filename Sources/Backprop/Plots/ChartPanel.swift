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

/// Contour lines of a function sampled on a grid: the book's `plt.contour(X, Y, Z)`.
public struct ChartContours: Sendable {
    /// The grid's x values (increasing) and y values (increasing).
    public var xs: [Double]
    public var ys: [Double]
    /// values[j][i] = f(xs[i], ys[j]); a non-finite value leaves its cells out.
    public var values: [[Double]]
    /// The levels drawn, each in its own colour (low dark blue to high yellow, like matplotlib's viridis).
    public var levels: [Double]

    public init(xs: [Double], ys: [Double], levels: [Double], function: (Double, Double) -> Double) {
        self.xs = xs
        self.ys = ys
        self.values = ys.map { y in xs.map { x in function(x, y) } }
        self.levels = levels
    }
}

/// Arrows from one point to another (the book's `plt.quiver`).
public struct ChartArrow: Sendable {
    public var fromX: Double, fromY: Double, toX: Double, toY: Double

    public init(fromX: Double, fromY: Double, toX: Double, toY: Double) {
        (self.fromX, self.fromY, self.toX, self.toY) = (fromX, fromY, toX, toY)
    }
}

/// Bars of a histogram: `counts[k]` values fell in [edges[k], edges[k + 1]) (the book's `plt.hist`).
public struct ChartHistogram: Sendable {
    /// counts.count + 1 increasing bin edges.
    public var edges: [Double]
    public var counts: [Int]
    public var color: String

    public init(edges: [Double], counts: [Int], color: String = "#1f77b4") {
        precondition(edges.count == counts.count + 1, "ChartHistogram: \(edges.count) edges for \(counts.count) bins")
        self.edges = edges
        self.counts = counts
        self.color = color
    }
}

/// One plot of a `Chart`: axes with ticks, labels and grid, then (bottom to top) histogram bars,
/// contour lines, arrows, series and a legend. Everything is optional, so the same panel draws a line
/// chart, a scatter plot, a path over contours, a gradient field or a histogram.
public struct ChartPanel: Sendable {
    /// Above the panel.
    public var title: String
    /// Below the x axis and left of the y axis.
    public var xLabel: String
    public var yLabel: String
    public var series: [ChartSeries] = []
    public var histogram: ChartHistogram?
    public var contours: ChartContours?
    public var arrows: [ChartArrow] = []
    /// The arrows' colour.
    public var arrowColor = "#666666"
    /// Fixed axis ranges (the book's `plt.xlim`/`plt.ylim`); nil fits the data with nice ends. Data
    /// outside a fixed range are clipped.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    /// A logarithmic y axis (ticks at powers of ten); non-positive values are left out.
    public var logY = false
    /// Draw the numbers at the y ticks (the book's `plt.yticks([], [])` turns them off).
    public var yTickLabels = true
    /// Dashed lines through x = 0 and y = 0 (figure 4-10's axes).
    public var zeroLines = false
    /// Whether the legend is drawn (when some series has a name).
    public var legend = true
    /// Where the legend goes unless the data run through that corner (then it takes the corner they
    /// cross least, trying the other corner on the same side first).
    public var legendCorner = LegendCorner.upperRight
    /// Values a fitted axis must hold besides the data's (e.g. [0] to start a loss axis at 0, [0, 1]
    /// for accuracies). Ignored by fixed ranges.
    public var xIncludes: [Double] = []
    public var yIncludes: [Double] = []
    /// Written in the middle of the frame when the panel has nothing to draw (every value non-finite);
    /// nil writes nothing.
    public var emptyText: String? = "no data"

    /// A corner of the frame, for the legend.
    public enum LegendCorner: Sendable, CaseIterable {
        case upperRight, lowerRight, upperLeft, lowerLeft
    }

    public init(title: String = "", xLabel: String = "", yLabel: String = "", series: [ChartSeries] = [],
                xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil, logY: Bool = false) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
        self.logY = logY
    }
}
