import BackpropCore
import BackpropTraining

/// A training history drawn as a `Chart` in the style of the book's figures 4-11 and 4-12 (what
/// `backprop train --plot run.svg` writes): on the left the training loss against epochs, on the right
/// train (solid, circles) and test (dashed, squares) accuracy against epochs, each panel with its legend.
/// When the learning rate changed during the run (`--lr-schedule`, `--warmup`), a third panel draws the rate
/// of each record's last step (`EpochRecord.learningRate`) against epochs.
///
/// The axes are fitted with nice 1-2-5 ticks and start at 0 (the accuracy axis spans at least 0…1).
/// Records whose epoch is not finite are left out; a non-finite loss or accuracy breaks its line there,
/// and a panel with nothing to draw says "no data".
///
///     try TrainingCurves.write(history: trainer.history, title: "mlp on mnist", to: "run.svg")
public enum TrainingCurves {
    /// The loss line's colour, and the train accuracy's (matplotlib's first colour).
    static let trainColor = "#1f77b4"
    /// The test accuracy's colour (matplotlib's second).
    static let testColor = "#ff7f0e"

    /// The two-panel chart of `history` under `title`.
    public static func chart(history: [EpochRecord], title: String) -> Chart {
        let records = history.filter { $0.epoch.isFinite }
        let epochs = records.map(\.epoch)
        // Markers shrink as the points crowd together.
        let size = records.count <= 30 ? 3.5 : records.count <= 100 ? 2.5 : 1.5

        var loss = ChartPanel(xLabel: "epochs", yLabel: "loss", series: [
            ChartSeries("loss", x: epochs, y: records.map(\.loss), color: trainColor, marker: .circle, markerSize: size),
        ])
        loss.xIncludes = [0]
        loss.yIncludes = [0]

        var accuracy = ChartPanel(xLabel: "epochs", yLabel: "accuracy", series: [
            ChartSeries("train", x: epochs, y: records.map(\.trainAccuracy), color: trainColor, marker: .circle,
                        markerSize: size),
            ChartSeries("test", x: epochs, y: records.map(\.testAccuracy), color: testColor, line: .dashed,
                        marker: .square, markerSize: size),
        ])
        accuracy.xIncludes = [0]
        accuracy.yIncludes = [0, 1]
        // As in the book: the loss legend upper right, the accuracy legend lower right (where rising
        // accuracies leave room).
        accuracy.legendCorner = .lowerRight
        let panels = [loss, accuracy] + (learningRatePanel(records, markerSize: size).map { [$0] } ?? [])
        return Chart(title: title, panels: panels, panelWidth: 500, panelHeight: 370)
    }

    /// The learning rate against epochs, nil unless the records hold rates that differ (a schedule).
    static func learningRatePanel(_ records: [EpochRecord], markerSize: Double) -> ChartPanel? {
        let rates = records.compactMap(\.learningRate)
        guard rates.count == records.count, let first = rates.first, rates.contains(where: { $0 != first }) else { return nil }
        var panel = ChartPanel(xLabel: "epochs", yLabel: "learning rate", series: [
            ChartSeries("learning rate", x: records.map(\.epoch), y: rates, color: trainColor, marker: .circle,
                        markerSize: markerSize),
        ])
        panel.xIncludes = [0]
        panel.yIncludes = [0]
        return panel
    }

    /// The SVG document of `chart(history:title:)`.
    public static func svg(history: [EpochRecord], title: String) -> SVGDocument {
        chart(history: history, title: title).svg
    }

    /// Writes `svg(history:title:)` to `path` atomically (a temporary file renamed into place).
    public static func write(history: [EpochRecord], title: String, to path: String) throws {
        try svg(history: history, title: title).write(to: path)
    }
}
