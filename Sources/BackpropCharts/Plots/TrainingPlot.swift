import BackpropCore
import BackpropTraining
import Foundation

/// Draws a training history as a standalone SVG image in the style of the book's figures (Fig. 4-11
/// and 4-12): on the left the training loss against epochs, on the right train (solid) and test
/// (dashed) accuracy against epochs. Axes have tick marks at "nice" steps (1, 2 or 5 × 10ᵏ), numeric
/// labels, titles and a legend; every recorded point gets a marker.
///
/// The SVG needs no external files (no CSS, no web fonts: it names generic system fonts), so it opens
/// directly in a browser. Non-finite values (e.g. the NaN loss of a record with no steps) are left
/// out, breaking the line there.
public enum TrainingPlot {
    // Geometry of the image, in SVG user units (pixels).
    private static let panelWidth = 500.0
    private static let imageHeight = 420.0
    private static let plotTop = 62.0
    private static let plotBottom = 345.0
    private static let plotLeftInset = 78.0
    private static let plotRightInset = 22.0
    private static let font = "DejaVu Sans, Helvetica, Arial, sans-serif"

    private static let lossColor = "#1f77b4"
    private static let trainColor = "#1f77b4"
    private static let testColor = "#ff7f0e"

    /// The SVG document (UTF-8 text starting with `<svg`) plotting `history` under `title`.
    /// An empty history gives a small valid SVG that says "no data".
    public static func svg(history: [EpochRecord], title: String) -> String {
        let width = 2 * panelWidth
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(f(width))\" height=\"\(f(imageHeight))\" "
        out += "viewBox=\"0 0 \(f(width)) \(f(imageHeight))\" font-family=\"\(font)\">\n"
        out += "<title>\(escapeXML(title))</title>\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(imageHeight))\" fill=\"#ffffff\"/>\n"
        out += "<text x=\"\(f(width / 2))\" y=\"30\" font-size=\"18\" text-anchor=\"middle\" fill=\"#000000\">"
        out += "\(escapeXML(title))</text>\n"

        let records = history.filter { $0.epoch.isFinite }
        if records.isEmpty {
            out += "<text x=\"\(f(width / 2))\" y=\"\(f(imageHeight / 2))\" font-size=\"20\" text-anchor=\"middle\" "
            out += "fill=\"#808080\">no data</text>\n</svg>\n"
            return out
        }

        let epochs = records.map(\.epoch)
        let xAxis = Axis.nice(lo: Swift.min(0, epochs.min()!), hi: epochs.max()!)

        // Left panel: loss.
        let losses = records.map(\.loss)
        let finiteLosses = losses.filter(\.isFinite)
        let lossAxis: Axis
        if let lo = finiteLosses.min(), let hi = finiteLosses.max() {
            lossAxis = Axis.nice(lo: Swift.min(0, lo), hi: hi)
        } else {
            lossAxis = Axis.nice(lo: 0, hi: 1)
        }
        out += panel(index: 0, xAxis: xAxis, yAxis: lossAxis, yTitle: "loss",
                     series: [Series(name: "loss", x: epochs, y: losses, color: lossColor, dashed: false, marker: .circle)],
                     legendAtBottom: false)

        // Right panel: accuracy, 0…1 unless the data leave that range.
        let accuracies = (records.map(\.trainAccuracy) + records.map(\.testAccuracy)).filter(\.isFinite)
        let accuracyAxis = Axis.nice(lo: Swift.min(0, accuracies.min() ?? 0), hi: Swift.max(1, accuracies.max() ?? 1))
        out += panel(index: 1, xAxis: xAxis, yAxis: accuracyAxis, yTitle: "accuracy",
                     series: [Series(name: "train", x: epochs, y: records.map(\.trainAccuracy), color: trainColor,
                                     dashed: false, marker: .circle),
                              Series(name: "test", x: epochs, y: records.map(\.testAccuracy), color: testColor,
                                     dashed: true, marker: .square)],
                     legendAtBottom: true)
        out += "</svg>\n"
        return out
    }

    /// Writes `svg(history:title:)` to `path` atomically (a temporary file renamed into place).
    public static func write(history: [EpochRecord], title: String, to path: String) throws {
        try writeAtomically(Array(svg(history: history, title: title).utf8), to: path)
    }

    /// `text` with the five XML special characters escaped and the control characters XML forbids
    /// replaced by spaces, safe inside element content and attribute values.
    static func escapeXML(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += " "
            default:
                // XML 1.0 allows neither C0 controls nor U+FFFE / U+FFFF.
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += " "
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    // MARK: - Axes

    /// An axis range whose ends are multiples of a nice step (1, 2 or 5 × 10ᵏ).
    package struct Axis: Equatable {
        package var lo: Double
        package var hi: Double
        package var step: Double

        /// The tightest nice range holding `lo...hi` in at most `maximumSteps` steps (the finest
        /// nice step that fits; usually 4 to 8 steps).
        package static func nice(lo: Double, hi: Double, maximumSteps: Double = 8) -> Axis {
            let fallback = Axis(lo: 0, hi: 1, step: 0.2)
            guard lo.isFinite, hi.isFinite, lo <= hi else { return fallback }
            var lo = lo, hi = hi
            if hi - lo <= 0 {
                if lo == 0 {
                    hi = 1
                } else {
                    let pad = Swift.abs(lo) * 0.1
                    lo -= pad
                    hi += pad
                }
            }
            let span = hi - lo
            guard span.isFinite, span > 0 else { return fallback }
            var step = niceStep(span / maximumSteps)
            for _ in 0..<4 {
                guard step.isFinite, step > 0 else { return fallback }
                // The tolerance keeps rounding noise (1 / 0.2 = 5.000…1) from adding a step.
                let axisLo = (lo / step + 1e-9).rounded(.down) * step
                let axisHi = (hi / step - 1e-9).rounded(.up) * step
                guard axisLo.isFinite, axisHi.isFinite, axisHi > axisLo else { return fallback }
                if ((axisHi - axisLo) / step).rounded() <= maximumSteps {
                    return Axis(lo: axisLo, hi: axisHi, step: step)
                }
                step = niceStep(step * 1.5)   // the next nice step: 1 → 2 → 5 → 10
            }
            return fallback
        }

        /// The tick values, lo through hi in steps (at most 101 of them).
        var ticks: [Double] {
            let n = Swift.min(100, Int(((hi - lo) / step).rounded()))
            return (0...Swift.max(0, n)).map { i in
                let v = lo + Double(i) * step
                return Swift.abs(v) < step * 1e-9 ? 0 : v
            }
        }

        /// Digits after the decimal point that the tick labels need.
        var decimals: Int {
            Swift.min(12, Swift.max(0, -Int((log10(step) + 1e-9).rounded(.down))))
        }

        /// The label of tick value `v`.
        func label(_ v: Double) -> String {
            String(format: "%.\(decimals)f", v)
        }
    }

    /// The nice number (1, 2, 5 or 10 × 10ᵏ) at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw.isFinite, raw > 0 else { return 1 }
        let magnitude = pow(10, (log10(raw) + 1e-12).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1.0000001 ? 1 : fraction <= 2.0000001 ? 2 : fraction <= 5.0000001 ? 5 : 10
        return nice * magnitude
    }

    // MARK: - Drawing

    private enum Marker { case circle, square }

    private struct Series {
        var name: String
        var x: [Double]
        var y: [Double]
        var color: String
        var dashed: Bool
        var marker: Marker
    }

    /// One panel: frame, grid, ticks, labels, axis titles, data lines with markers, legend.
    private static func panel(index: Int, xAxis: Axis, yAxis: Axis, yTitle: String, series: [Series],
                              legendAtBottom: Bool) -> String {
        let x0 = Double(index) * panelWidth
        let left = x0 + plotLeftInset, right = x0 + panelWidth - plotRightInset
        let top = plotTop, bottom = plotBottom
        // The axis ranges sit a margin inside the frame, so that markers at the ends stay whole.
        let margin = 8.0
        func px(_ v: Double) -> Double {
            left + margin + (v - xAxis.lo) / (xAxis.hi - xAxis.lo) * (right - left - 2 * margin)
        }
        func py(_ v: Double) -> Double {
            bottom - margin - (v - yAxis.lo) / (yAxis.hi - yAxis.lo) * (bottom - top - 2 * margin)
        }

        var out = "<g class=\"panel\" id=\"panel-\(escapeXML(yTitle))\">\n"
        // Grid lines.
        out += "<g stroke=\"#e8e8e8\" stroke-width=\"1\">\n"
        for t in xAxis.ticks {
            out += "<line x1=\"\(f(px(t)))\" y1=\"\(f(top))\" x2=\"\(f(px(t)))\" y2=\"\(f(bottom))\"/>\n"
        }
        for t in yAxis.ticks {
            out += "<line x1=\"\(f(left))\" y1=\"\(f(py(t)))\" x2=\"\(f(right))\" y2=\"\(f(py(t)))\"/>\n"
        }
        out += "</g>\n"
        // Frame.
        out += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(right - left))\" height=\"\(f(bottom - top))\" "
        out += "fill=\"none\" stroke=\"#000000\" stroke-width=\"1\"/>\n"
        // Ticks (outward) and labels.
        out += "<g stroke=\"#000000\" stroke-width=\"1\">\n"
        for t in xAxis.ticks {
            out += "<line x1=\"\(f(px(t)))\" y1=\"\(f(bottom))\" x2=\"\(f(px(t)))\" y2=\"\(f(bottom + 5))\"/>\n"
        }
        for t in yAxis.ticks {
            out += "<line x1=\"\(f(left - 5))\" y1=\"\(f(py(t)))\" x2=\"\(f(left))\" y2=\"\(f(py(t)))\"/>\n"
        }
        out += "</g>\n<g font-size=\"12\" fill=\"#000000\">\n"
        for t in xAxis.ticks {
            out += "<text x=\"\(f(px(t)))\" y=\"\(f(bottom + 19))\" text-anchor=\"middle\">\(xAxis.label(t))</text>\n"
        }
        for t in yAxis.ticks {
            out += "<text x=\"\(f(left - 8))\" y=\"\(f(py(t) + 4))\" text-anchor=\"end\">\(yAxis.label(t))</text>\n"
        }
        out += "</g>\n"
        // Axis titles.
        out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f(bottom + 44))\" font-size=\"14\" text-anchor=\"middle\" "
        out += "fill=\"#000000\">epochs</text>\n"
        let titleX = x0 + 24, titleY = (top + bottom) / 2
        out += "<text x=\"\(f(titleX))\" y=\"\(f(titleY))\" font-size=\"14\" text-anchor=\"middle\" fill=\"#000000\" "
        out += "transform=\"rotate(-90 \(f(titleX)) \(f(titleY)))\">\(escapeXML(yTitle))</text>\n"

        // Data.
        var anyPoint = false
        for s in series {
            let points = zip(s.x, s.y).filter { $0.1.isFinite }
            anyPoint = anyPoint || !points.isEmpty
            let dash = s.dashed ? " stroke-dasharray=\"7 4\"" : ""
            out += "<g class=\"series\" id=\"series-\(escapeXML(s.name))\">\n"
            // One polyline per run of consecutive finite values.
            var segments: [[(Double, Double)]] = [[]]
            for (x, y) in zip(s.x, s.y) {
                if y.isFinite {
                    segments[segments.count - 1].append((x, y))
                } else if !segments[segments.count - 1].isEmpty {
                    segments.append([])
                }
            }
            for segment in segments where !segment.isEmpty {
                let coordinates = segment.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
                out += "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\" "
                out += "stroke-linejoin=\"round\"\(dash)/>\n"
            }
            let size = points.count <= 30 ? 3.5 : points.count <= 100 ? 2.5 : 1.5
            for (x, y) in points {
                out += marker(s.marker, x: px(x), y: py(y), size: size, color: s.color) + "\n"
            }
            out += "</g>\n"
        }
        if !anyPoint {
            out += "<text x=\"\(f((left + right) / 2))\" y=\"\(f((top + bottom) / 2))\" font-size=\"16\" "
            out += "text-anchor=\"middle\" fill=\"#808080\">no data</text>\n"
        }

        // Legend.
        let rowHeight = 20.0, legendWidth = 92.0
        let legendHeight = Double(series.count) * rowHeight + 8
        // The preferred corner (as the book: loss upper right, accuracy lower right) unless the data
        // run through it; then the corner the data cross least.
        let upper = top + 10, lower = bottom - legendHeight - 10
        let leftX = left + 10, rightX = right - legendWidth - 10
        let corners = legendAtBottom
            ? [(rightX, lower), (rightX, upper), (leftX, lower), (leftX, upper)]
            : [(rightX, upper), (rightX, lower), (leftX, upper), (leftX, lower)]
        // Sample each line densely in pixel space.
        var samples: [(Double, Double)] = []
        for s in series {
            var previous: (Double, Double)?
            for (x, y) in zip(s.x, s.y) {
                guard y.isFinite else { previous = nil; continue }
                let point = (px(x), py(y))
                if let previous {
                    for k in 1...10 {
                        let t = Double(k) / 10
                        samples.append((previous.0 + t * (point.0 - previous.0), previous.1 + t * (point.1 - previous.1)))
                    }
                } else {
                    samples.append(point)
                }
                previous = point
            }
        }
        func crossings(_ corner: (Double, Double)) -> Int {
            samples.filter { p in
                p.0 >= corner.0 - 4 && p.0 <= corner.0 + legendWidth + 4
                    && p.1 >= corner.1 - 4 && p.1 <= corner.1 + legendHeight + 4
            }.count
        }
        var (lx, ly) = corners[0]
        var fewest = crossings(corners[0])
        for corner in corners.dropFirst() where fewest > 0 {
            let n = crossings(corner)
            if n < fewest { (lx, ly, fewest) = (corner.0, corner.1, n) }
        }
        out += "<g class=\"legend\">\n"
        out += "<rect x=\"\(f(lx))\" y=\"\(f(ly))\" width=\"\(f(legendWidth))\" height=\"\(f(legendHeight))\" rx=\"3\" "
        out += "fill=\"#ffffff\" fill-opacity=\"0.9\" stroke=\"#c0c0c0\" stroke-width=\"1\"/>\n"
        for (i, s) in series.enumerated() {
            let cy = ly + 4 + rowHeight * (Double(i) + 0.5)
            let dash = s.dashed ? " stroke-dasharray=\"7 4\"" : ""
            out += "<line x1=\"\(f(lx + 8))\" y1=\"\(f(cy))\" x2=\"\(f(lx + 40))\" y2=\"\(f(cy))\" stroke=\"\(s.color)\" "
            out += "stroke-width=\"2\"\(dash)/>\n"
            out += marker(s.marker, x: lx + 24, y: cy, size: 3.5, color: s.color) + "\n"
            out += "<text x=\"\(f(lx + 48))\" y=\"\(f(cy + 4.5))\" font-size=\"13\" fill=\"#000000\">"
            out += "\(escapeXML(s.name))</text>\n"
        }
        out += "</g>\n</g>\n"
        return out
    }

    private static func marker(_ kind: Marker, x: Double, y: Double, size: Double, color: String) -> String {
        switch kind {
        case .circle:
            return "<circle cx=\"\(f(x))\" cy=\"\(f(y))\" r=\"\(f(size))\" fill=\"\(color)\"/>"
        case .square:
            let side = size * 1.8
            return "<rect x=\"\(f(x - side / 2))\" y=\"\(f(y - side / 2))\" width=\"\(f(side))\" height=\"\(f(side))\" "
                + "fill=\"\(color)\"/>"
        }
    }

    /// A coordinate with two decimals.
    private static func f(_ v: Double) -> String {
        String(format: "%.2f", v)
    }
}
