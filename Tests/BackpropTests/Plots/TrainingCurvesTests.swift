import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

private func sampleHistory(epochs: Int = 20) -> [EpochRecord] {
    (1...epochs).map { e in
        let x = Double(e)
        return EpochRecord(epoch: x, iteration: 600 * e, loss: 2.3 * exp(-x / 3) + 0.05,
                           trainAccuracy: 0.98 - 0.8 * exp(-x / 2.5), testAccuracy: 0.965 - 0.8 * exp(-x / 2.5),
                           seconds: 3.1 * x)
    }
}

/// `backprop train --plot`: the history as a two-panel `Chart` (loss; train and test accuracy).
struct TrainingCurvesTests {
    @Test func twoPanelsWithOnePointPerEpoch() throws {
        let svg = TrainingCurves.svg(history: sampleHistory(), title: "MNIST: 2-layer net").text
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        let xml = XMLSummary.parse(svg)
        #expect(xml.error == nil)
        #expect(xml.elements.first?.name == "svg")
        #expect(xml.elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        #expect(xml.elements.first?.attributes["width"] == "1000.00" && xml.elements.first?.attributes["height"] == "420.00")
        #expect(xml.all("title").map(\.text) == ["MNIST: 2-layer net"])
        let panels = xml.groups("panel")
        try #require(panels.count == 2)
        let (loss, accuracy) = (panels[0], panels[1])

        // The loss panel: one solid line of 20 points, a circle on each, a legend naming it.
        #expect(xml.groups("series", in: loss).count == 1)
        let lossLines = xml.all("polyline", in: loss)
        #expect(lossLines.map(XMLSummary.pointCount) == [20])
        #expect(lossLines.allSatisfy { $0.attributes["stroke-dasharray"] == nil })
        #expect(xml.count("circle", in: xml.groups("series", in: loss)[0]) == 20)
        // The accuracy panel: train solid with circles, test dashed with squares, 20 points each.
        let accuracySeries = xml.groups("series", in: accuracy)
        try #require(accuracySeries.count == 2)
        let train = xml.all("polyline", in: accuracySeries[0]), test = xml.all("polyline", in: accuracySeries[1])
        #expect(train.map(XMLSummary.pointCount) == [20] && test.map(XMLSummary.pointCount) == [20])
        #expect(train[0].attributes["stroke-dasharray"] == nil && test[0].attributes["stroke-dasharray"] == "7 4")
        #expect(train[0].attributes["stroke"] == "#1f77b4" && test[0].attributes["stroke"] == "#ff7f0e")
        #expect(xml.count("circle", in: accuracySeries[0]) == 20 && xml.count("rect", in: accuracySeries[1]) == 20)

        // Legends, axis titles and nice ticks: loss 0…2 by 0.5, accuracy 0…1 by 0.2, epochs 0…20 by 5.
        #expect(xml.labels(in: xml.groups("legend", in: loss)[0]) == ["loss"])
        #expect(xml.labels(in: xml.groups("legend", in: accuracy)[0]) == ["train", "test"])
        let lossLabels = xml.labels(in: loss), accuracyLabels = xml.labels(in: accuracy)
        #expect(lossLabels.filter { $0 == "epochs" }.count == 1 && lossLabels.contains("loss"))
        #expect(accuracyLabels.filter { $0 == "epochs" }.count == 1 && accuracyLabels.contains("accuracy"))
        for tick in ["0", "0.5", "1.0", "1.5", "2.0", "5", "10", "15", "20"] {
            #expect(lossLabels.contains(tick), "loss panel: missing tick \(tick)")
        }
        for tick in ["0", "0.2", "0.4", "0.6", "0.8", "1.0", "5", "10", "15", "20"] {
            #expect(accuracyLabels.contains(tick), "accuracy panel: missing tick \(tick)")
        }
        #expect(!lossLabels.contains("2.5") && !accuracyLabels.contains("1.2"))
        #expect(xml.labels().filter { $0 == "MNIST: 2-layer net" }.count == 1)
        #expect(!svg.lowercased().contains("nan") && !svg.contains("href"))
    }

    @Test func legendsAsInTheBook() throws {
        // The loss falls (upper right free), the accuracies rise (lower right free).
        let xml = XMLSummary.parse(TrainingCurves.svg(history: sampleHistory(), title: "t").text)
        let panels = xml.groups("panel")
        try #require(panels.count == 2)
        for (panel, lower) in [(panels[0], false), (panels[1], true)] {
            let frame = try #require(xml.all("rect", in: panel).first { $0.attributes["fill"] == "none" })
            let legend = try #require(xml.all("rect", in: xml.groups("legend", in: panel)[0]).first)
            let top = Double(frame.attributes["y"]!)!, height = Double(frame.attributes["height"]!)!
            let frameRight = Double(frame.attributes["x"]!)! + Double(frame.attributes["width"]!)!
            let legendY = Double(legend.attributes["y"]!)!
            #expect((legendY > top + height / 2) == lower, "legend at y \(legendY), frame \(top)…\(top + height)")
            #expect(Double(legend.attributes["x"]!)! > frameRight - 150)
        }
    }

    @Test func titleIsEscapedOnce() {
        let title = "A & B <script> \"q\" 'p'\u{1}"
        let svg = TrainingCurves.svg(history: sampleHistory(epochs: 3), title: title).text
        #expect(svg.components(separatedBy: "A &amp; B &lt;script&gt; &quot;q&quot; &apos;p&apos; ").count - 1 == 2)
        #expect(!svg.contains("<script>") && !svg.contains("&amp;amp;"))
        let xml = XMLSummary.parse(svg)
        #expect(xml.error == nil)
        #expect(xml.all("title").map(\.text) == ["A & B <script> \"q\" 'p' "])
        #expect(xml.labels().contains("A & B <script> \"q\" 'p' "))
        #expect(TrainingCurves.svg(history: [], title: title).text.contains("A &amp; B"))
    }

    @Test func emptyHistorySaysNoDataInBothPanels() {
        let xml = XMLSummary.parse(TrainingCurves.svg(history: [], title: "run").text)
        #expect(xml.error == nil)
        #expect(xml.groups("panel").count == 2)
        #expect(xml.labels().filter { $0 == "no data" }.count == 2)
        #expect(xml.count("polyline") == 0 && xml.count("circle") == 2)   // the legends' samples only
    }

    @Test func singleRecordIsOneMarkerPerSeries() {
        let record = EpochRecord(epoch: 1, iteration: 600, loss: 0.4, trainAccuracy: 0.9, testAccuracy: 0.88, seconds: 2)
        let xml = XMLSummary.parse(TrainingCurves.svg(history: [record], title: "one").text)
        #expect(xml.error == nil)
        // No line through one point; a circle for loss and train, a square for test.
        #expect(xml.count("polyline") == 0)
        let series = xml.groups("series")
        #expect(series.map { xml.count("circle", in: $0) } == [1, 1, 0])
        #expect(series.map { xml.count("rect", in: $0) } == [0, 0, 1])
        #expect(!xml.labels().contains("no data"))
    }

    @Test func nonFiniteValuesBreakTheLines() {
        var history = sampleHistory(epochs: 6)
        history[0].loss = .nan
        history[3].loss = .nan
        history[5].testAccuracy = .nan
        history.append(EpochRecord(epoch: .nan, iteration: 0, loss: 1, trainAccuracy: 1, testAccuracy: 1, seconds: 0))
        let svg = TrainingCurves.svg(history: history, title: "gaps").text
        #expect(!svg.lowercased().contains("nan") && !svg.lowercased().contains("inf"))
        let xml = XMLSummary.parse(svg)
        #expect(xml.error == nil)
        // Loss in two pieces (epochs 2–3 and 5–6), train whole, test one piece (1–5); the NaN epoch left out.
        let series = xml.groups("series")
        #expect(series.map { xml.all("polyline", in: $0).map(XMLSummary.pointCount) } == [[2, 2], [6], [5]])

        // Every loss NaN: the loss panel says so, the accuracy panel still draws.
        for i in history.indices { history[i].loss = .nan }
        let allNaN = XMLSummary.parse(TrainingCurves.svg(history: history, title: "no loss").text)
        #expect(allNaN.error == nil)
        let panels = allNaN.groups("panel")
        #expect(allNaN.labels(in: panels[0]).contains("no data") && !allNaN.labels(in: panels[1]).contains("no data"))
        #expect(allNaN.count("polyline") == 2)
    }

    @Test func writesFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("TrainingCurvesTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("history.svg").path
        try TrainingCurves.write(history: sampleHistory(), title: "t", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == TrainingCurves.svg(history: sampleHistory(), title: "t").text)

        // Set TRAINING_PLOT_PREVIEW_DIR to keep sample plots for viewing.
        if let preview = ProcessInfo.processInfo.environment["TRAINING_PLOT_PREVIEW_DIR"] {
            var gaps = sampleHistory(epochs: 8)
            gaps[2].loss = .nan
            let samples: [(String, [EpochRecord])] = [
                ("full", sampleHistory()), ("single", Array(sampleHistory().prefix(1))), ("empty", []), ("gaps", gaps),
            ]
            for (name, history) in samples {
                try TrainingCurves.write(history: history, title: "Preview \(name) & <check>",
                                         to: URL(fileURLWithPath: preview).appendingPathComponent("\(name).svg").path)
            }
        }
    }
}
