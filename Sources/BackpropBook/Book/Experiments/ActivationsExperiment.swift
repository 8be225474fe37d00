import BackpropCharts
import BackpropCore
import BackpropTraining

/// §3.2 The activation functions (`ch03/step_function.py`, `sigmoid.py`, `relu.py`): each applied to
/// the book's `np.array([-1.0, 1.0, 2.0])`, and drawn on `np.arange(-5.0, 5.0, 0.1)` with the book's
/// y limits (figures 3-6, 3-7 and 3-9).
public struct ActivationsExperiment: BookExperiment {
    public let name = "activations"
    public let section = "§3.2"
    public let figure: String? = "figures 3-6, 3-7, 3-9"
    public let summary = "step, sigmoid and ReLU of [-1, 1, 2] and their curves"

    /// The experiment (it has no settings).
    public init() {}

    /// §3.2.3 `x > 0` as 0/1.
    public static func stepFunction(_ x: Tensor<Double>) -> Tensor<Double> {
        let (one, zero): (Double, Double) = (1, 0)
        return .where(x .> 0, Tensor(one), Tensor(zero))
    }
    /// §3.2.4 1 / (1 + exp(−x)).
    public static func sigmoid(_ x: Tensor<Double>) -> Tensor<Double> { x.applying(.sigmoid) }
    /// §3.2.7 max(0, x).
    public static func relu(_ x: Tensor<Double>) -> Tensor<Double> { .maximum(x, 0) }

    public func run(_ context: BookContext) throws -> BookReport {
        let x = Tensor<Double>([-1.0, 1.0, 2.0])
        let functions: [(name: String, python: String, apply: (Tensor<Double>) -> Tensor<Double>, ylim: ClosedRange<Double>,
                         figure: String)] = [
            ("step function", "step_function", Self.stepFunction, -0.1...1.1, "figure 3-6"),
            ("sigmoid", "sigmoid", Self.sigmoid, -0.1...1.1, "figure 3-7"),
            ("ReLU", "relu", Self.relu, -1.0...5.5, "figure 3-9"),
        ]
        var report = BookReport()
        let curveX = Tensor<Double>.arange(-5.0, 5.0, step: 0.1)
        var panels: [ChartPanel] = []
        for function in functions {
            let y = function.apply(x)
            report.lines.append("\(function.python)(np.array([-1.0, 1.0, 2.0])) = \(BookFormat.numpy(y.scalars))")
            report.values[function.python] = .numbers(y.scalars)
            let curve = ChartSeries("", x: curveX.scalars, y: function.apply(curveX).scalars, color: Chart.palette[0])
            panels.append(ChartPanel(title: "\(function.name) (\(function.figure))", xLabel: "x", yLabel: "y",
                                     series: [curve], xRange: -6...6, yRange: function.ylim))
        }
        report.plot = Chart(title: "Figures 3-6, 3-7, 3-9: the step function, sigmoid and ReLU", panels: panels, columns: 3,
                            panelWidth: 400, panelHeight: 360).svg
        return report
    }
}
