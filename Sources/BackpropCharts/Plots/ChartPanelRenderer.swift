import BackpropCore
import BackpropTraining
import Foundation

/// Draws one `ChartPanel` into its cell of a `Chart`: frame, grid, ticks and labels, titles, then the
/// data (clipped to the frame) and the legend.
struct ChartPanelRenderer {
    let panel: ChartPanel
    let index: Int
    let left: Double, right: Double, top: Double, bottom: Double
    let xAxis: ChartAxis, yAxis: ChartAxis
    /// Gap between a fitted axis's ends and the frame, so that markers at the ends stay whole.
    let xMargin: Double, yMargin: Double
    let x0: Double, y0: Double

    init(panel: ChartPanel, index: Int, x0: Double, y0: Double, width: Double, height: Double) {
        self.panel = panel
        self.index = index
        self.x0 = x0
        self.y0 = y0
        var xs = panel.series.flatMap(\.x) + panel.xIncludes, ys = panel.series.flatMap(\.y) + panel.yIncludes
        if let h = panel.histogram {
            xs += h.edges
            ys += h.counts.map(Double.init) + [0]
        }
        if let c = panel.contours {
            xs += c.xs
            ys += c.ys
        }
        for a in panel.arrows {
            xs += [a.fromX, a.toX]
            ys += [a.fromY, a.toY]
        }
        // About one tick per 60 pixels across and 45 up, 3 to 8 of them.
        let xSteps = Swift.min(8, Swift.max(3, ((width - 100) / 60).rounded(.down)))
        let ySteps = Swift.min(8, Swift.max(3, ((height - 80) / 45).rounded(.down)))
        xAxis = ChartAxis.linear(values: xs, fixed: panel.xRange, maximumSteps: xSteps)
        yAxis = panel.logY ? ChartAxis.logarithmic(values: ys, fixed: panel.yRange)
            : ChartAxis.linear(values: ys, fixed: panel.yRange, includeZero: panel.histogram != nil, maximumSteps: ySteps)
        xMargin = panel.xRange == nil && panel.histogram == nil ? 6 : 0
        yMargin = panel.yRange == nil && panel.histogram == nil ? 6 : 0
        // Room on the left for the longest tick label and the y title.
        let labelWidth = panel.yTickLabels ? Double(yAxis.labels.map(\.count).max() ?? 1) * 7.2 + 12 : 6
        left = x0 + 14 + (panel.yLabel.isEmpty ? 0 : 20) + labelWidth
        right = x0 + width - 18
        top = y0 + (panel.title.isEmpty ? 12 : 30)
        bottom = y0 + height - (panel.xLabel.isEmpty ? 28 : 48)
    }

    func px(_ v: Double) -> Double? {
        xAxis.fraction(v).map { left + xMargin + $0 * (right - left - 2 * xMargin) }
    }

    func py(_ v: Double) -> Double? {
        yAxis.fraction(v).map { bottom - yMargin - $0 * (bottom - top - 2 * yMargin) }
    }

    private func n(_ v: Double) -> String { SVGDocument.number(v) }

    func svg() -> String {
        var out = "<g class=\"panel\" id=\"panel-\(index)\">\n"
        out += axes()
        out += "<clipPath id=\"clip-\(index)\"><rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(right - left))\" "
        out += "height=\"\(n(bottom - top))\"/></clipPath>\n<g clip-path=\"url(#clip-\(index))\">\n"
        if let histogram = panel.histogram { out += bars(histogram) }
        if let contours = panel.contours { out += contourLines(contours) }
        if panel.zeroLines { out += zeroLines() }
        out += arrows()
        out += seriesLines()
        out += "</g>\n"
        out += emptyText()
        out += legend()
        out += "</g>\n"
        return out
    }

    // MARK: - Axes

    private func axes() -> String {
        var out = "<g stroke=\"#e8e8e8\" stroke-width=\"1\">\n"
        let xTicks = xAxis.ticks.compactMap { t in px(t).map { (t, $0) } }
        let yTicks = zip(yAxis.ticks, yAxis.labels).compactMap { t, label in py(t).map { ($0, label) } }
        for (_, x) in xTicks { out += "<line x1=\"\(n(x))\" y1=\"\(n(top))\" x2=\"\(n(x))\" y2=\"\(n(bottom))\"/>\n" }
        for (y, _) in yTicks { out += "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(right))\" y2=\"\(n(y))\"/>\n" }
        out += "</g>\n"
        out += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(right - left))\" height=\"\(n(bottom - top))\" "
        out += "fill=\"none\" stroke=\"#000000\" stroke-width=\"1\"/>\n<g stroke=\"#000000\" stroke-width=\"1\">\n"
        for (_, x) in xTicks { out += "<line x1=\"\(n(x))\" y1=\"\(n(bottom))\" x2=\"\(n(x))\" y2=\"\(n(bottom + 5))\"/>\n" }
        for (y, _) in yTicks { out += "<line x1=\"\(n(left - 5))\" y1=\"\(n(y))\" x2=\"\(n(left))\" y2=\"\(n(y))\"/>\n" }
        out += "</g>\n<g font-size=\"12\" fill=\"#000000\">\n"
        let xLabels = zip(xAxis.ticks, xAxis.labels).compactMap { t, label in px(t).map { ($0, label) } }
        // Every second label when they would touch.
        let widest = Double(xAxis.labels.map(\.count).max() ?? 1) * 7.2 + 6
        let spacing = xLabels.count > 1 ? (xLabels[1].0 - xLabels[0].0) : widest
        let every = spacing >= widest ? 1 : Int((widest / Swift.max(spacing, 1)).rounded(.up))
        for (k, (x, label)) in xLabels.enumerated() where k % every == 0 {
            out += "<text x=\"\(n(x))\" y=\"\(n(bottom + 18))\" text-anchor=\"middle\">\(SVGDocument.escape(label))</text>\n"
        }
        if panel.yTickLabels {
            for (y, label) in yTicks {
                out += "<text x=\"\(n(left - 8))\" y=\"\(n(y + 4))\" text-anchor=\"end\">\(SVGDocument.escape(label))</text>\n"
            }
        }
        out += "</g>\n"
        if !panel.title.isEmpty {
            out += "<text x=\"\(n((left + right) / 2))\" y=\"\(n(top - 10))\" font-size=\"14\" text-anchor=\"middle\" "
            out += "fill=\"#000000\">\(SVGDocument.escape(panel.title))</text>\n"
        }
        if !panel.xLabel.isEmpty {
            out += "<text x=\"\(n((left + right) / 2))\" y=\"\(n(bottom + 38))\" font-size=\"13\" text-anchor=\"middle\" "
            out += "fill=\"#000000\">\(SVGDocument.escape(panel.xLabel))</text>\n"
        }
        if !panel.yLabel.isEmpty {
            let tx = x0 + 20, ty = (top + bottom) / 2
            out += "<text x=\"\(n(tx))\" y=\"\(n(ty))\" font-size=\"13\" text-anchor=\"middle\" fill=\"#000000\" "
            out += "transform=\"rotate(-90 \(n(tx)) \(n(ty)))\">\(SVGDocument.escape(panel.yLabel))</text>\n"
        }
        return out
    }

    // MARK: - Data

    private func bars(_ histogram: ChartHistogram) -> String {
        var out = "<g class=\"histogram\" fill=\"\(histogram.color)\" stroke=\"#ffffff\" stroke-width=\"0.5\">\n"
        let base = py(yAxis.isLog ? yAxis.lo : 0) ?? bottom
        for (k, count) in histogram.counts.enumerated() where count > 0 {
            guard let xa = px(histogram.edges[k]), let xb = px(histogram.edges[k + 1]), let y = py(Double(count)) else { continue }
            // Bars above a fixed range run off the top (clipped), as matplotlib's do.
            let yTop = Swift.max(y, top - 2)
            out += "<rect x=\"\(n(xa))\" y=\"\(n(yTop))\" "
                + "width=\"\(n(Swift.max(0, xb - xa)))\" height=\"\(n(Swift.max(0, base - yTop)))\"/>\n"
        }
        return out + "</g>\n"
    }

    /// matplotlib's viridis at ten points, low to high.
    static let viridis = ["#440154", "#482878", "#3e4989", "#31688e", "#26828e", "#1f9e89", "#35b779", "#6ece58",
                          "#b5de2b", "#fde725"]

    private func contourLines(_ contours: ChartContours) -> String {
        var out = "<g class=\"contours\" fill=\"none\" stroke-width=\"1\">\n"
        let levels = contours.levels.sorted()
        for (k, level) in levels.enumerated() {
            let position = levels.count > 1 ? Double(k) / Double(levels.count - 1) : 0.5
            let color = Self.viridis[Int((position * 9).rounded())]
            let segments = ContourLines.segments(xs: contours.xs, ys: contours.ys, values: contours.values, level: level)
            var d = ""
            for s in segments {
                guard let a = px(s.x0), let b = py(s.y0), let c = px(s.x1), let e = py(s.y1) else { continue }
                d += "M\(n(a)) \(n(b))L\(n(c)) \(n(e))"
            }
            if !d.isEmpty { out += "<path stroke=\"\(color)\" d=\"\(d)\"/>\n" }
        }
        return out + "</g>\n"
    }

    private func zeroLines() -> String {
        var out = "<g stroke=\"#808080\" stroke-width=\"1\" stroke-dasharray=\"5 4\">\n"
        if let x = px(0) { out += "<line x1=\"\(n(x))\" y1=\"\(n(top))\" x2=\"\(n(x))\" y2=\"\(n(bottom))\"/>\n" }
        if let y = py(0) { out += "<line x1=\"\(n(left))\" y1=\"\(n(y))\" x2=\"\(n(right))\" y2=\"\(n(y))\"/>\n" }
        return out + "</g>\n"
    }

    private func arrows() -> String {
        guard !panel.arrows.isEmpty else { return "" }
        var out = "<g class=\"arrows\" stroke=\"\(panel.arrowColor)\" fill=\"\(panel.arrowColor)\" stroke-width=\"1.2\">\n"
        for a in panel.arrows {
            guard let x1 = px(a.fromX), let y1 = py(a.fromY), let x2 = px(a.toX), let y2 = py(a.toY) else { continue }
            let length = ((x2 - x1) * (x2 - x1) + (y2 - y1) * (y2 - y1)).squareRoot()
            guard length > 0.5 else { continue }
            let (ux, uy) = ((x2 - x1) / length, (y2 - y1) / length)
            let head = Swift.min(7, 0.45 * length), half = head * 0.45
            let (bx, by) = (x2 - ux * head, y2 - uy * head)
            out += "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(bx))\" y2=\"\(n(by))\"/>"
            out += "<polygon stroke=\"none\" points=\"\(n(x2)),\(n(y2)) \(n(bx - uy * half)),\(n(by + ux * half)) "
            out += "\(n(bx + uy * half)),\(n(by - ux * half))\"/>\n"
        }
        return out + "</g>\n"
    }

    /// The series' colours: their own, or the palette in order.
    var colors: [String] {
        var next = 0
        return panel.series.map { s in
            if let color = s.color { return color }
            defer { next += 1 }
            return Chart.palette[next % Chart.palette.count]
        }
    }

    /// Pixel points of a series, in runs of consecutive drawable values.
    func runs(_ s: ChartSeries) -> [[(Double, Double)]] {
        var runs: [[(Double, Double)]] = [[]]
        for (x, y) in zip(s.x, s.y) {
            if let a = px(x), let b = py(y), a.isFinite, b.isFinite {
                // Far outside the frame a point is pinned, so that huge values still draw a line off the edge.
                runs[runs.count - 1].append((Swift.min(Swift.max(a, left - 1e4), right + 1e4),
                                             Swift.min(Swift.max(b, top - 1e4), bottom + 1e4)))
            } else if !runs[runs.count - 1].isEmpty {
                runs.append([])
            }
        }
        return runs.filter { !$0.isEmpty }
    }

    private func seriesLines() -> String {
        var out = ""
        for (s, color) in zip(panel.series, colors) {
            out += "<g class=\"series\">\n"
            if let line = s.line {
                let dash = line == .dashed ? " stroke-dasharray=\"7 4\"" : line == .dotted ? " stroke-dasharray=\"2 3\"" : ""
                for run in runs(s) where run.count > 1 {
                    let points = run.map { "\(n($0.0)),\(n($0.1))" }.joined(separator: " ")
                    out += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(n(s.lineWidth))\" "
                    out += "stroke-linejoin=\"round\"\(dash)/>\n"
                }
            }
            if let marker = s.marker {
                for run in runs(s) {
                    for (x, y) in run { out += Self.marker(marker, x: x, y: y, size: s.markerSize, color: color) + "\n" }
                }
            }
            out += "</g>\n"
        }
        return out
    }

    static func marker(_ kind: ChartSeries.Marker, x: Double, y: Double, size: Double, color: String) -> String {
        let n = SVGDocument.number
        switch kind {
        case .circle:
            return "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(size))\" fill=\"\(color)\"/>"
        case .square:
            let side = size * 1.8
            return "<rect x=\"\(n(x - side / 2))\" y=\"\(n(y - side / 2))\" width=\"\(n(side))\" height=\"\(n(side))\" fill=\"\(color)\"/>"
        case .plus:
            let r = size * 2
            return "<path d=\"M\(n(x - r)) \(n(y))H\(n(x + r))M\(n(x)) \(n(y - r))V\(n(y + r))\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
        }
    }

    /// `panel.emptyText` in the middle of the frame when there is nothing to draw.
    private func emptyText() -> String {
        guard let text = panel.emptyText, panel.histogram == nil, panel.contours == nil, panel.arrows.isEmpty,
              panel.series.allSatisfy({ runs($0).isEmpty }) else { return "" }
        return "<text x=\"\(n((left + right) / 2))\" y=\"\(n((top + bottom) / 2))\" font-size=\"16\" "
            + "text-anchor=\"middle\" fill=\"#808080\">\(SVGDocument.escape(text))</text>\n"
    }

    // MARK: - Legend

    /// The top left points of a legend box `width` × `height` in the four corners, in the order tried:
    /// the preferred one, the other on the same side, then the two on the other side.
    private func legendCorners(width: Double, height: Double) -> [(Double, Double)] {
        let (l, r) = (left + 8, right - width - 8)
        let (u, d) = (top + 8, bottom - height - 8)
        switch panel.legendCorner {
        case .upperRight: return [(r, u), (r, d), (l, u), (l, d)]
        case .lowerRight: return [(r, d), (r, u), (l, d), (l, u)]
        case .upperLeft: return [(l, u), (l, d), (r, u), (r, d)]
        case .lowerLeft: return [(l, d), (l, u), (r, d), (r, u)]
        }
    }

    private func legend() -> String {
        let entries = zip(panel.series, colors).filter { !$0.0.name.isEmpty }
        guard panel.legend, !entries.isEmpty else { return "" }
        let rowHeight = 19.0
        let width = Double(entries.map(\.0.name.count).max() ?? 1) * 7.4 + 58
        let height = Double(entries.count) * rowHeight + 8
        let corners = legendCorners(width: width, height: height)
        // The preferred corner unless the data run through it; then the corner they cross least.
        var samples: [(Double, Double)] = []
        for s in panel.series where s.line != nil {
            for run in runs(s) {
                for (a, b) in zip(run, run.dropFirst()) {
                    for k in 0...8 {
                        let t = Double(k) / 8
                        samples.append((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)))
                    }
                }
            }
        }
        for s in panel.series where s.line == nil { samples += runs(s).flatMap { $0 } }
        func crossings(_ c: (Double, Double)) -> Int {
            samples.filter { $0.0 >= c.0 - 4 && $0.0 <= c.0 + width + 4 && $0.1 >= c.1 - 4 && $0.1 <= c.1 + height + 4 }.count
        }
        var best = corners[0], fewest = crossings(corners[0])
        for c in corners.dropFirst() where fewest > 0 {
            let k = crossings(c)
            if k < fewest { (best, fewest) = (c, k) }
        }
        let (lx, ly) = best
        var out = "<g class=\"legend\">\n<rect x=\"\(n(lx))\" y=\"\(n(ly))\" width=\"\(n(width))\" height=\"\(n(height))\" "
        out += "rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#c0c0c0\" stroke-width=\"1\"/>\n"
        for (k, (s, color)) in entries.enumerated() {
            let cy = ly + 4 + rowHeight * (Double(k) + 0.5)
            if let line = s.line {
                let dash = line == .dashed ? " stroke-dasharray=\"7 4\"" : line == .dotted ? " stroke-dasharray=\"2 3\"" : ""
                out += "<line x1=\"\(n(lx + 8))\" y1=\"\(n(cy))\" x2=\"\(n(lx + 40))\" y2=\"\(n(cy))\" stroke=\"\(color)\" "
                out += "stroke-width=\"2\"\(dash)/>\n"
            }
            if let marker = s.marker { out += Self.marker(marker, x: lx + 24, y: cy, size: 3, color: color) + "\n" }
            out += "<text x=\"\(n(lx + 48))\" y=\"\(n(cy + 4.5))\" font-size=\"13\" fill=\"#000000\">\(SVGDocument.escape(s.name))</text>\n"
        }
        return out + "</g>\n"
    }
}
