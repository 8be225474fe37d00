import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// The SVG chart module: axes, contour lines, and the drawn elements.
struct ChartTests {
    @Test func fixedRangesKeepTheirEndsWithNiceTicksInside() {
        let axis = ChartAxis.linear(values: [], fixed: -3.5...3.5, maximumSteps: 8)
        #expect(axis.lo == -3.5 && axis.hi == 3.5)
        #expect(axis.ticks == [-3, -2, -1, 0, 1, 2, 3])
        #expect(axis.labels == ["−3", "−2", "−1", "0", "1", "2", "3"])
    }

    @Test func fittedRangesEndOnNiceSteps() {
        let axis = ChartAxis.linear(values: [0.13, 2.7], fixed: nil, maximumSteps: 6)
        #expect(axis.lo == 0 && axis.hi == 3)
        #expect(axis.fraction(1.5) == 0.5)
    }

    @Test func logAxisHasPowersOfTen() {
        let axis = ChartAxis.logarithmic(values: [0.002, 0.5, 3, -1, 0], fixed: nil)
        #expect(axis.lo == 0.001 && axis.hi == 10)
        #expect(axis.labels == ["10⁻³", "10⁻²", "10⁻¹", "10⁰", "10¹"])
        #expect(axis.fraction(0) == nil && axis.fraction(-1) == nil)
        #expect(Swift.abs(axis.fraction(0.1)! - 0.5) < 1e-12)
    }

    @Test func largeTickLabelsAreScientific() {
        #expect(ChartAxis.label(2e13, step: 1e13) == "2×10¹³")
        #expect(ChartAxis.label(-1e13, step: 1e13) == "−10¹³")
        #expect(ChartAxis.label(80000, step: 20000) == "80000")
        #expect(ChartAxis.label(0.25, step: 0.05) == "0.25")
    }

    @Test func contourOfACircleLiesOnTheCircle() {
        let xs = stride(from: -2.0, through: 2.0, by: 0.1).map { $0 }
        let contours = ChartContours(xs: xs, ys: xs, levels: [1]) { x, y in x * x + y * y }
        let segments = ContourLines.segments(xs: contours.xs, ys: contours.ys, values: contours.values, level: 1)
        #expect(segments.count > 50)
        for s in segments {
            // Linear interpolation on a 0.1 grid: within 0.01 of radius 1.
            #expect(Swift.abs((s.x0 * s.x0 + s.y0 * s.y0).squareRoot() - 1) < 0.01)
            #expect(Swift.abs((s.x1 * s.x1 + s.y1 * s.y1).squareRoot() - 1) < 0.01)
        }
        // No crossing of a level above the maximum.
        #expect(ContourLines.segments(xs: contours.xs, ys: contours.ys, values: contours.values, level: 9).isEmpty)
    }

    @Test func svgHasOnePanelPerPanelAndEscapesText() {
        var histogram = ChartPanel(title: "1-layer")
        histogram.histogram = ChartHistogram(edges: [0, 0.5, 1], counts: [3, 0])
        var arrows = ChartPanel(title: "field <−∇f>")
        arrows.arrows = [ChartArrow(fromX: 0, fromY: 0, toX: 1, toY: 1)]
        let lines = ChartPanel(title: "lines", series: [ChartSeries("a & b", x: [0, 1, 2], y: [1, .nan, 3], marker: .circle)],
                               logY: true)
        let svg = Chart(title: "t", panels: [histogram, arrows, lines], columns: 2).svg.text
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960.00\""))
        #expect(svg.components(separatedBy: "class=\"panel\"").count - 1 == 3)
        #expect(svg.contains("field &lt;−∇f&gt;") && svg.contains("a &amp; b"))
        // One bar (the empty bin draws nothing), one arrow head, two markers (NaN left out).
        #expect(svg.components(separatedBy: "<g class=\"histogram\"")[1].components(separatedBy: "</g>")[0]
            .components(separatedBy: "<rect").count - 1 == 1)
        #expect(svg.components(separatedBy: "<polygon").count - 1 == 1)
        #expect(svg.components(separatedBy: "<circle").count - 1 == 2 + 1)   // + the legend's marker
        #expect(!svg.contains("nan"))
    }

    @Test func numpyFormatMatchesNumPysPrinting() {
        #expect(BookFormat.numpy([6.00000000000378, 7.999999999999119]) == "[6., 8.]")
        #expect(BookFormat.numpy([-6.111107928998789e-10, 8.148143905314271e-10]) == "[-6.11110793e-10, 8.14814391e-10]")
        #expect(BookFormat.numpy([-25898374737328.363, -1295248616896.5398]) == "[-2.58983747e+13, -1.29524862e+12]")
        #expect(BookFormat.numpy([-2.999999939999995, 3.9999999199999934]) == "[-2.99999994, 3.99999992]")
        #expect(BookFormat.numpy([0.5, 0.25]) == "[0.5, 0.25]")
        #expect(BookFormat.numpy([]) == "[]")
        #expect(BookFormat.numpy([0, 1, 1]) == "[0., 1., 1.]")
    }

    @Test func bookValueJSON() {
        let value: BookValue = ["b": [1, 2.5, "x\"y"], "a": true, "n": .number(.nan)]
        #expect(value.jsonText == "{\"a\":true,\"b\":[1,2.5,\"x\\\"y\"],\"n\":null}")
    }
}
