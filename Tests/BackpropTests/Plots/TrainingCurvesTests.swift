import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Backprop

/// Collects element names, attributes and text of an XML document, and whether it parsed.
private final class XMLSummary: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text: [String] = []
    var error: String?
    /// The element whose text is being read (nil between elements).
    private var current: Int?

    static func parse(_ document: String) -> XMLSummary {
        let summary = XMLSummary()
        let parser = XMLParser(data: Data(document.utf8))
        parser.delegate = summary
        if !parser.parse() {
            summary.error = parser.parserError.map { "\($0)" } ?? "parse failed"
        }
        return summary
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append((elementName, attributeDict))
        text.append("")
        current = text.count - 1
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?) {
        current = nil
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current { text[current] += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        error = "\(parseError)"
    }

    func count(_ name: String) -> Int { elements.filter { $0.name == name }.count }

    /// Texts of the `<text>` elements.
    var labels: [String] {
        zip(elements, text).filter { $0.0.name == "text" }.map(\.1)
    }
}

private func sampleHistory(epochs: Int = 20) -> [EpochRecord] {
    (1...epochs).map { e in
        let x = Double(e)
        return EpochRecord(epoch: x, iteration: 600 * e, loss: 2.3 * exp(-x / 3) + 0.05,
                           trainAccuracy: 0.98 - 0.8 * exp(-x / 2.5), testAccuracy: 0.965 - 0.8 * exp(-x / 2.5),
                           seconds: 3.1 * x)
    }
}

struct TrainingPlotTests {
    @Test func wellFormedWithAllSeries() {
        let svg = TrainingPlot.svg(history: sampleHistory(), title: "MNIST: 2-layer net")
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.hasSuffix("</svg>\n"))
        let xml = XMLSummary.parse(svg)
        #expect(xml.error == nil)
        #expect(xml.elements.first?.name == "svg")
        #expect(xml.elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        // One line per series (loss, train, test), each with a marker per point.
        #expect(xml.count("polyline") == 3)
        let series = xml.elements.filter { $0.name == "g" && $0.attributes["class"] == "series" }
            .compactMap { $0.attributes["id"] }
        #expect(series == ["series-loss", "series-train", "series-test"])
        #expect(xml.count("circle") >= 40 + 2)   // loss and train markers, plus legend samples
        // The test line is dashed, the others solid.
        let dashed = xml.elements.filter { $0.name == "polyline" && $0.attributes["stroke-dasharray"] != nil }
        #expect(dashed.count == 1)
        // Legend and axis titles.
        let labels = xml.labels
        for word in ["train", "test", "loss", "accuracy", "epochs", "MNIST: 2-layer net"] {
            #expect(labels.contains(word), "missing label \(word)")
        }
        // Nice tick labels: accuracy 0…1 by 0.2, epochs 0…20 by 5.
        for tick in ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0", "0", "5", "10", "15", "20"] {
            #expect(labels.contains(tick), "missing tick \(tick)")
        }
        #expect(!svg.lowercased().contains("nan"))
        #expect(!svg.contains("href"))   // self-contained
    }

    @Test func titleIsEscaped() {
        let title = "A & B <script> \"q\" 'p'\u{1}"
        let svg = TrainingPlot.svg(history: sampleHistory(epochs: 3), title: title)
        #expect(svg.contains("A &amp; B &lt;script&gt; &quot;q&quot; &apos;p&apos; "))
        #expect(!svg.contains("<script>"))
        let xml = XMLSummary.parse(svg)
        #expect(xml.error == nil)
        #expect(xml.labels.contains("A & B <script> \"q\" 'p' "))
        #expect(TrainingPlot.svg(history: [], title: title).contains("A &amp; B"))
    }

    @Test func emptyHistorySaysNoData() {
        let svg = TrainingPlot.svg(history: [], title: "run")
        #expect(svg.hasPrefix("<svg"))
        let xml = XMLSummary.parse(svg)
        #expect(xml.error == nil)
        #expect(xml.labels.contains("no data"))
        #expect(xml.count("polyline") == 0)
    }

    @Test func singleRecord() {
        let record = EpochRecord(epoch: 1, iteration: 600, loss: 0.4, trainAccuracy: 0.9, testAccuracy: 0.88, seconds: 2)
        let svg = TrainingPlot.svg(history: [record], title: "one")
        let xml = XMLSummary.parse(svg)
        #expect(xml.error == nil)
        #expect(xml.count("polyline") == 3)
        // A marker for the single point of each series (the test series uses squares).
        #expect(xml.count("circle") == 2 + 2)
        #expect(!xml.labels.contains("no data"))
    }

    @Test func nanLossesAreSkipped() {
        var history = sampleHistory(epochs: 6)
        history[0].loss = .nan
        history[3].loss = .nan
        history[5].testAccuracy = .nan
        let svg = TrainingPlot.svg(history: history, title: "gaps")
        #expect(!svg.lowercased().contains("nan"))
        #expect(!svg.lowercased().contains("inf"))
        let xml = XMLSummary.parse(svg)
        #expect(xml.error == nil)
        // Loss broken in two pieces (indices 1–2 and 4–5), train whole, test one piece (0–4).
        let ids = xml.elements.map(\.name)
        #expect(ids.filter { $0 == "polyline" }.count == 4)

        // Every loss NaN: the loss panel says so, the accuracy panel still draws.
        for i in history.indices { history[i].loss = .nan }
        let allNaN = XMLSummary.parse(TrainingPlot.svg(history: history, title: "no loss"))
        #expect(allNaN.error == nil)
        #expect(allNaN.labels.contains("no data"))
        #expect(allNaN.count("polyline") == 2)
    }

    @Test func niceAxes() {
        #expect(TrainingPlot.niceStep(0.2) == 0.2)
        #expect(TrainingPlot.niceStep(0.13) == 0.2)
        #expect(TrainingPlot.niceStep(0.3) == 0.5)
        #expect(TrainingPlot.niceStep(7) == 10)
        #expect(TrainingPlot.niceStep(1) == 1)
        #expect(TrainingPlot.niceStep(1200) == 2000)

        let accuracy = TrainingPlot.Axis.nice(lo: 0, hi: 1)
        #expect(accuracy == TrainingPlot.Axis(lo: 0, hi: 1, step: 0.2))
        #expect(accuracy.ticks.map(accuracy.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        let loss = TrainingPlot.Axis.nice(lo: 0, hi: 2.3)
        #expect(loss.step == 0.5 && loss.hi == 2.5)
        let epochs = TrainingPlot.Axis.nice(lo: 0, hi: 17)
        #expect(epochs.step == 5 && epochs.hi == 20)
        #expect(epochs.ticks.map(epochs.label) == ["0", "5", "10", "15", "20"])
        let seven = TrainingPlot.Axis.nice(lo: 0, hi: 7)
        #expect(seven == TrainingPlot.Axis(lo: 0, hi: 7, step: 1))
        let big = TrainingPlot.Axis.nice(lo: 0, hi: 1234.5)
        #expect(big == TrainingPlot.Axis(lo: 0, hi: 1400, step: 200))
        #expect(big.ticks.map(big.label).last == "1400")
        let negative = TrainingPlot.Axis.nice(lo: -0.03, hi: 2.9)
        #expect(negative.lo == -0.5 && negative.hi == 3 && negative.step == 0.5)
        // Degenerate ranges still give a usable axis.
        #expect(TrainingPlot.Axis.nice(lo: 0, hi: 0).hi == 1)
        let flat = TrainingPlot.Axis.nice(lo: 3, hi: 3)
        #expect(flat.lo < 3 && flat.hi > 3)
        #expect(TrainingPlot.Axis.nice(lo: 0, hi: .infinity) == TrainingPlot.Axis(lo: 0, hi: 1, step: 0.2))
        let tiny = TrainingPlot.Axis.nice(lo: 0, hi: 0.0004)
        #expect(tiny.ticks.map(tiny.label) == ["0.00000", "0.00005", "0.00010", "0.00015", "0.00020", "0.00025", "0.00030", "0.00035", "0.00040"])
    }

    @Test func writesFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("TrainingPlotTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("history.svg").path
        try TrainingPlot.write(history: sampleHistory(), title: "t", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == TrainingPlot.svg(history: sampleHistory(), title: "t"))

        // Set TRAINING_PLOT_PREVIEW_DIR to keep sample plots for viewing.
        if let preview = ProcessInfo.processInfo.environment["TRAINING_PLOT_PREVIEW_DIR"] {
            var gaps = sampleHistory(epochs: 8)
            gaps[2].loss = .nan
            let samples: [(String, [EpochRecord])] = [
                ("full", sampleHistory()), ("single", Array(sampleHistory().prefix(1))), ("empty", []), ("gaps", gaps),
            ]
            for (name, history) in samples {
                try TrainingPlot.write(history: history, title: "Preview \(name) & <check>",
                                       to: URL(fileURLWithPath: preview).appendingPathComponent("\(name).svg").path)
            }
        }
    }
}
