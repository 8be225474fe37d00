import BackpropCharts
import BackpropCore
import BackpropTraining

/// §4.4.1 Gradient descent (`ch04/gradient_method.py`): x ← x − η·∇f(x), 100 steps from (−3, 4) on
/// f = x0² + x1² with η = 0.1 (reaches the minimum: the book's [-6.11110793e-10, 8.14814391e-10]),
/// η = 10 (diverges: [-2.58983747e+13, -1.29524862e+12]) and η = 1e-10 (barely moves:
/// [-2.99999994, 3.99999992]), digit for digit; and the path of 20 steps at η = 0.1 (figure 4-10).
public struct GradientDescentExperiment: BookExperiment {
    public let name = "gradient-descent"
    public let section = "§4.4.1"
    public let figure: String? = "figure 4-10"
    public let summary = "100 steps of x ← x − η∇f from (−3, 4), η = 0.1, 10, 1e-10; the path (figure 4-10)"

    /// The experiment (it has no settings).
    public init() {}

    /// The book's `gradient_descent(f, init_x, lr, step_num)`: the final x and the points before each step.
    public static func gradientDescent(_ f: (Tensor<Double>) -> Double, initX: Tensor<Double>, lr: Double,
                                       stepNum: Int) -> (x: Tensor<Double>, history: [Tensor<Double>]) {
        var x = initX
        var history: [Tensor<Double>] = []
        for _ in 0..<stepNum {
            history.append(x)
            let grad = numericalGradient(of: f, at: x)
            x -= lr * grad
        }
        return (x, history)
    }

    public func run(_ context: BookContext) throws -> BookReport {
        var report = BookReport()
        let initX = Tensor<Double>([-3.0, 4.0])
        report.lines.append("gradient_descent(function_2, init_x=np.array([-3.0, 4.0]), lr=…, step_num=100):")
        for (label, lr) in [("0.1", 0.1), ("10.0", 10.0), ("1e-10", 1e-10)] {
            let x = Self.gradientDescent(GradientExperiment.function2, initX: initX, lr: lr, stepNum: 100).x
            let python = x.scalars.map(BookFormat.python).joined(separator: ", ")
            report.lines.append("  lr=\(label): \(BookFormat.numpy(x.scalars))   (\(python))")
            report.values["lr_\(label)"] = .numbers(x.scalars)
        }
        // Figure 4-10: the 20 points before each step at lr = 0.1.
        let history = Self.gradientDescent(GradientExperiment.function2, initX: initX, lr: 0.1, stepNum: 20).history
        var panel = ChartPanel(title: "lr = 0.1, step_num = 20", xLabel: "X0", yLabel: "X1",
                               series: [ChartSeries("", x: history.map { $0.scalars[0] }, y: history.map { $0.scalars[1] },
                                                    color: Chart.palette[0], line: nil, marker: .circle, markerSize: 4)],
                               xRange: -3.5...3.5, yRange: -4.5...4.5)
        panel.zeroLines = true
        report.values["path_lr_0.1"] = .matrix(history.map(\.scalars))
        report.plot = Chart(title: "Figure 4-10: gradient descent on x0² + x1² from (−3, 4)", panels: [panel],
                            panelWidth: 500, panelHeight: 600).svg
        return report
    }
}
