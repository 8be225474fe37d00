import BackpropCore
import BackpropTraining

/// One plot of a `Chart`: axes with ticks, labels and grid, then (bottom to top) histogram bars,
/// contour lines, arrows, series and a legend. Everything is optional, so the same panel draws a line
/// chart, a scatter plot, a path over contours, a gradient field or a histogram.
public struct ChartPanel: Sendable {
    /// Above the panel.
    public var title: String
    /// Below the x axis and left of the y axis.
    public var xLabel: String
    /// Left of the y axis, written upwards.
    public var yLabel: String
    /// The lines and point sets, drawn over everything but the legend.
    public var series: [ChartSeries] = []
    /// Bars drawn first, under everything else.
    public var histogram: ChartHistogram?
    /// Contour lines, over the bars.
    public var contours: ChartContours?
    /// Arrows, over the contours and under the series.
    public var arrows: [ChartArrow] = []
    /// The arrows' colour.
    public var arrowColor = "#666666"
    /// Fixed axis ranges (the book's `plt.xlim`/`plt.ylim`); nil fits the data with nice ends. Data
    /// outside a fixed range are clipped.
    public var xRange: ClosedRange<Double>?
    /// The fixed y range; nil fits the data with nice ends.
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
    /// Values a fitted y axis must hold besides the data's (e.g. [0] for a loss, [0, 1] for accuracies).
    public var yIncludes: [Double] = []
    /// Written in the middle of the frame when the panel has nothing to draw (every value non-finite);
    /// nil writes nothing.
    public var emptyText: String? = "no data"

    /// A corner of the frame, for the legend.
    public enum LegendCorner: Sendable, CaseIterable {
        case upperRight, lowerRight, upperLeft, lowerLeft
    }

    /// A panel of `series` with these titles, fixed ranges (nil fits the data) and a linear or log y axis.
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
