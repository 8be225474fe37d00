import BackpropCore
import BackpropTraining
import Foundation

/// Charts in the style of the book's matplotlib figures, as standalone SVG: a title over a grid of
/// `ChartPanel`s (small multiples), each with its own axes: 1-2-5 ticks, grid, a framed legend, any
/// number of series with markers, log-y, scatter, paths over contour lines, arrow fields and histogram
/// panels. The training curves (`TrainingCurves`) and the book's figures are all drawn by it.
///
///     var panel = ChartPanel(title: "SGD", xLabel: "x", yLabel: "y", xRange: -10...10, yRange: -10...10)
///     panel.contours = ChartContours(xs: xs, ys: ys, levels: [0.5, 1, 2, 4]) { x, y in x * x / 20 + y * y }
///     panel.series = [ChartSeries("path", x: px, y: py, color: "red", marker: .circle)]
///     try Chart(title: "Figure 6-8", panels: [panel]).svg.write(to: "optimizers.svg")
///
/// The SVG needs no external files (no CSS, no web fonts: it names generic system fonts).
public struct Chart: Sendable {
    /// matplotlib's default colours (tab10), used in order by series without a colour.
    public static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                                 "#7f7f7f", "#bcbd22", "#17becf"]

    /// Centred above everything.
    public var title: String
    /// Drawn left to right, top to bottom.
    public var panels: [ChartPanel]
    /// Panels per row.
    public var columns: Int
    /// The size of one panel's cell, in pixels.
    public var panelWidth: Double
    /// The height of one panel's cell, in pixels.
    public var panelHeight: Double
    /// Headings above the rows of panels (row r gets rowTitles[r] when there is one).
    public var rowTitles: [String] = []

    /// A chart of `panels`, `columns` per row (default: all in one row, at most 4).
    public init(title: String, panels: [ChartPanel], columns: Int? = nil, panelWidth: Double = 480,
                panelHeight: Double = 400) {
        precondition(!panels.isEmpty, "Chart \(title): no panels")
        self.title = title
        self.panels = panels
        self.columns = Swift.max(1, columns ?? Swift.min(panels.count, 4))
        self.panelWidth = panelWidth
        self.panelHeight = panelHeight
    }

    static let titleHeight = 44.0
    static let rowTitleHeight = 26.0

    /// The SVG document.
    public var svg: SVGDocument {
        let rows = (panels.count + columns - 1) / columns
        let rowHeight = panelHeight + (rowTitles.isEmpty ? 0 : Self.rowTitleHeight)
        let width = Double(columns) * panelWidth
        let height = Self.titleHeight + Double(rows) * rowHeight + 6
        let n = SVGDocument.number
        var out = "<text x=\"\(n(width / 2))\" y=\"28\" font-size=\"18\" text-anchor=\"middle\" fill=\"#000000\">"
        out += "\(SVGDocument.escape(title))</text>\n"
        for row in 0..<rows where row < rowTitles.count {
            let y = Self.titleHeight + Double(row) * rowHeight + 17
            out += "<text x=\"12\" y=\"\(n(y))\" font-size=\"15\" font-weight=\"bold\" fill=\"#000000\">"
            out += "\(SVGDocument.escape(rowTitles[row]))</text>\n"
        }
        for (index, panel) in panels.enumerated() {
            let row = index / columns, column = index % columns
            let x0 = Double(column) * panelWidth
            let y0 = Self.titleHeight + Double(row) * rowHeight + (rowTitles.isEmpty ? 0 : Self.rowTitleHeight)
            out += ChartPanelRenderer(panel: panel, index: index, x0: x0, y0: y0, width: panelWidth,
                                      height: panelHeight).svg()
        }
        return SVGDocument(width: width, height: height, title: title, body: out)
    }
}
