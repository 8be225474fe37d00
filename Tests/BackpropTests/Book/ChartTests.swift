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
        // Valid XML: one <title>, three panels, the histogram's bar inside the first.
        let xml = XMLSummary.parse(svg)
        #expect(xml.error == nil)
        #expect(xml.all("title").map(\.text) == ["t"])
        let panels = xml.groups("panel")
        #expect(panels.count == 3)
        #expect(xml.groups("histogram", in: panels[0]).count == 1 && xml.groups("histogram", in: panels[2]).isEmpty)
        #expect(xml.labels(in: panels[1]).contains("field <−∇f>"))
        #expect(xml.labels(in: xml.groups("legend", in: panels[2])[0]) == ["a & b"])
    }

    @Test func niceRangesEndOnOneTwoFiveSteps() {
        #expect([0.2, 0.13, 0.3, 7, 1, 1200].map(ChartAxis.niceStep) == [0.2, 0.2, 0.5, 10, 1, 2000])
        #expect(ChartAxis.niceStep(0) == 1 && ChartAxis.niceStep(.nan) == 1)
        let accuracy = ChartAxis.Nice(lo: 0, hi: 1)
        #expect(accuracy == ChartAxis.Nice(lo: 0, hi: 1, step: 0.2))
        #expect(accuracy.ticks.map { ChartAxis.label($0, step: accuracy.step) } == ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let loss = ChartAxis.Nice(lo: 0, hi: 2.3)
        #expect(loss.step == 0.5 && loss.hi == 2.5)
        let epochs = ChartAxis.Nice(lo: 0, hi: 17)
        #expect(epochs.step == 5 && epochs.hi == 20 && epochs.ticks == [0, 5, 10, 15, 20])
        #expect(ChartAxis.Nice(lo: 0, hi: 7) == ChartAxis.Nice(lo: 0, hi: 7, step: 1))
        #expect(ChartAxis.Nice(lo: 0, hi: 1234.5) == ChartAxis.Nice(lo: 0, hi: 1400, step: 200))
        let negative = ChartAxis.Nice(lo: -0.03, hi: 2.9)
        #expect(negative.lo == -0.5 && negative.hi == 3 && negative.step == 0.5)
        #expect(ChartAxis.Nice(lo: 0, hi: 17, maximumSteps: 4) == ChartAxis.Nice(lo: 0, hi: 20, step: 5))
        // Degenerate ranges still give a usable axis.
        #expect(ChartAxis.Nice(lo: 0, hi: 0).hi == 1)
        let flat = ChartAxis.Nice(lo: 3, hi: 3)
        #expect(flat.lo < 3 && flat.hi > 3)
        #expect(ChartAxis.Nice(lo: 0, hi: .infinity) == ChartAxis.Nice(lo: 0, hi: 1, step: 0.2))
        #expect(ChartAxis.Nice(lo: 1, hi: 0) == ChartAxis.Nice(lo: 0, hi: 1, step: 0.2))
        let tiny = ChartAxis.Nice(lo: 0, hi: 0.0004)
        #expect(tiny.step == 0.00005 && tiny.ticks.count == 9 && Swift.abs(tiny.ticks.last! - 0.0004) < 1e-15)
        // A fitted ChartAxis is the nice range.
        let axis = ChartAxis.linear(values: [0.3, 17], fixed: nil, maximumSteps: 8)
        #expect(axis.lo == 0 && axis.hi == 20 && axis.ticks == ChartAxis.Nice(lo: 0.3, hi: 17).ticks)
    }

    @Test func includedValuesWidenFittedAxesOnly() throws {
        var panel = ChartPanel(series: [ChartSeries("s", x: [3, 4], y: [0.4, 0.6])])
        panel.xIncludes = [0]
        panel.yIncludes = [0, 1]
        let renderer = ChartPanelRenderer(panel: panel, index: 0, x0: 0, y0: 0, width: 480, height: 400)
        #expect(renderer.xAxis.lo == 0 && renderer.xAxis.hi == 4)
        #expect(renderer.yAxis.lo == 0 && renderer.yAxis.hi == 1)
        panel.yRange = 0.3...0.7
        let fixed = ChartPanelRenderer(panel: panel, index: 0, x0: 0, y0: 0, width: 480, height: 400)
        #expect(fixed.yAxis.lo == 0.3 && fixed.yAxis.hi == 0.7)
    }

    @Test func legendTakesThePreferredCornerUnlessTheDataCrossIt() throws {
        func legendTopLeft(_ corner: ChartPanel.LegendCorner, y: [Double]) throws -> (x: Double, y: Double) {
            var panel = ChartPanel(series: [ChartSeries("rising", x: [0, 1, 2, 3], y: y)])
            panel.legendCorner = corner
            let xml = XMLSummary.parse(Chart(title: "t", panels: [panel]).svg.text)
            let rect = try #require(xml.all("rect", in: xml.groups("legend")[0]).first)
            return (Double(rect.attributes["x"]!)!, Double(rect.attributes["y"]!)!)
        }
        // A flat line along the bottom leaves the upper corners free, one along the top the lower ones.
        let low = [0.0, 0, 0, 0], high = [10.0, 10, 10, 10]
        let upperRight = try legendTopLeft(.upperRight, y: low)
        let upperLeft = try legendTopLeft(.upperLeft, y: low)
        #expect(upperRight.x > 240 && upperLeft.x < 240 && upperRight.y == upperLeft.y && upperRight.y < 200)
        let lowerRight = try legendTopLeft(.lowerRight, y: high)
        #expect(lowerRight.x > 240 && lowerRight.y > 200)
        // The preferred corner is crossed: the other corner on the same side.
        let moved = try legendTopLeft(.lowerRight, y: low)
        #expect(moved.x > 240 && moved.y < 200)
    }

    @Test func emptyPanelsSayNoData() {
        let empty = ChartPanel(title: "nothing", series: [ChartSeries("s", x: [1, 2], y: [.nan, .infinity])])
        var quiet = empty
        quiet.emptyText = nil
        let full = ChartPanel(series: [ChartSeries("s", x: [1, 2], y: [1, 2])])
        let xml = XMLSummary.parse(Chart(title: "t", panels: [empty, quiet, full]).svg.text)
        #expect(xml.error == nil)
        #expect(xml.groups("panel").map { xml.labels(in: $0).contains("no data") } == [true, false, false])
    }

    @Test func svgDocumentWritesTheRootTitleAndBackground() {
        let document = SVGDocument(width: 12, height: 3.5, title: "a<b", rootAttributes: "shape-rendering=\"crispEdges\"",
                                   defs: "<marker id=\"m\"/>", body: "<circle r=\"1\"/>\n")
        #expect(document.text == """
            <svg xmlns="http://www.w3.org/2000/svg" width="12.00" height="3.50" viewBox="0 0 12.00 3.50" \
            font-family="\(SVGDocument.fontFamily)" shape-rendering="crispEdges">
            <title>a&lt;b</title>
            <defs><marker id="m"/></defs>
            <rect x="0" y="0" width="12.00" height="3.50" fill="#ffffff"/>
            <circle r="1"/>
            </svg>

            """)
        #expect(SVGDocument(width: 1, height: 1, background: nil, body: "").text.components(separatedBy: "\n").count == 3)
        #expect(SVGDocument.escape("& < > \" ' \t\u{1}\u{FFFE}é") == "&amp; &lt; &gt; &quot; &apos;    é")
        #expect(XMLSummary.parse(document.text).error == nil)
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
