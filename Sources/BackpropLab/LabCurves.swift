import Backprop

/// The lab's live training curves, drawn by the chart engine (`Chart`, as `train --plot` draws its
/// figure): on the left the loss of every step (decimated by `LossHistory`), on the right the train and
/// test accuracy at each evaluation, both against iterations.
enum LabCurves {
    static func svg(losses: [LossHistory.Point], history: [EpochRecord], title: String) -> SVGDocument {
        var loss = ChartPanel(xLabel: "iterations", yLabel: "loss", series: [
            ChartSeries("loss", x: losses.map { Double($0.iteration) }, y: losses.map(\.loss), color: "#1f77b4", marker: nil),
        ])
        loss.xIncludes = [0]
        loss.yIncludes = [0]
        let at = history.map { Double($0.iteration) }
        var accuracy = ChartPanel(xLabel: "iterations", yLabel: "accuracy", series: [
            ChartSeries("train", x: at, y: history.map(\.trainAccuracy), color: "#1f77b4", marker: .circle, markerSize: 3),
            ChartSeries("test", x: at, y: history.map(\.testAccuracy), color: "#ff7f0e", line: .dashed, marker: .square,
                        markerSize: 3),
        ])
        accuracy.xIncludes = [0]
        accuracy.yIncludes = [0, 1]
        accuracy.legendCorner = .lowerRight
        return Chart(title: title, panels: [loss, accuracy], panelWidth: 420, panelHeight: 300).svg
    }
}
