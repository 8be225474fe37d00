import BackpropCharts
import BackpropCore
import BackpropTraining
import Foundation

/// What the data experiments' `run` methods share: the training subset of a scale, the seed note,
/// class names, and the loss-curve table, values and chart of figures 6-9 and 6-15.
enum DataExperimentSupport {
    /// Fashion-MNIST's classes, in label order.
    static let fashionClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                    "Sneaker", "Bag", "Ankle boot"]

    /// The class names of `images` when the data is Fashion-MNIST, else nil (labels print as digits).
    static func classNames(_ images: BookImages) -> [String]? {
        images.title == "Fashion-MNIST" ? fashionClassNames : nil
    }

    /// "seeded: N (what; the book's script is unseeded)".
    static func seedLine(_ context: BookContext, _ what: String) -> String {
        "seeded: \(context.seed) (\(what); the book's script is unseeded)"
    }

    /// `context.seed` as a JSON value.
    static func seedValue(_ context: BookContext) -> BookValue {
        Int(exactly: context.seed).map(BookValue.integer) ?? .string(String(context.seed))
    }

    /// The book's printout every `every` iterations as a table (iteration, then one loss per curve),
    /// and the mean of the last 100 iterations.
    static func lossTable(_ curves: [LossCurve], every: Int) -> [String] {
        func cell(_ s: String) -> String { s.count >= 10 ? s + " " : s.padding(toLength: 10, withPad: " ", startingAt: 0) }
        var lines = [cell("iteration") + curves.map { cell($0.name) }.joined()]
        let count = curves.first?.losses.count ?? 0
        for i in stride(from: 0, to: count, by: every) {
            lines.append(cell(String(i)) + curves.map { cell(String(format: "%.4f", $0.losses[i])) }.joined())
        }
        lines.append("mean loss of the last \(Swift.min(100, count)) iterations: "
                     + curves.map { "\($0.name) \(String(format: "%.4f", $0.finalLoss))" }.joined(separator: ", "))
        return lines
    }

    /// {name: {"losses", "smoothed", "final_loss"}} for `--json`.
    static func lossValues(_ curves: [LossCurve]) -> BookValue {
        .object(Dictionary(uniqueKeysWithValues: curves.map { c in
            (c.name, ["losses": .numbers(c.losses), "smoothed": .numbers(c.smoothed), "final_loss": .number(c.finalLoss)])
        }))
    }

    /// The smoothed curves against iterations, the book's `plt.ylim(0, top)` when every curve ends
    /// below it (else fitted), markers every `markEvery` iterations as the book's `markevery=100`.
    static func lossChart(_ title: String, _ curves: [LossCurve], top: Double, markEvery: Int) -> SVGDocument {
        let markers: [ChartSeries.Marker] = [.circle, .plus, .square, .circle]
        var series: [ChartSeries] = []
        for (k, c) in curves.enumerated() {
            let y = c.smoothed, x = y.indices.map(Double.init)
            let color = Chart.palette[k % Chart.palette.count]
            series.append(ChartSeries(c.name, x: x, y: y, color: color, lineWidth: 1.5))
            let marked = Array(stride(from: 0, to: y.count, by: Swift.max(1, markEvery)))
            series.append(ChartSeries("", x: marked.map(Double.init), y: marked.map { y[$0] }, color: color, line: nil,
                                      marker: markers[k % markers.count], markerSize: 3.5))
        }
        let fits = curves.allSatisfy { $0.smoothed.suffix(Swift.max(1, $0.smoothed.count / 2)).allSatisfy { $0 < top } }
        let panel = ChartPanel(xLabel: "iterations", yLabel: "loss", series: series, yRange: fits ? 0...top : nil)
        return Chart(title: title, panels: [panel], panelWidth: 760, panelHeight: 480).svg
    }
}
