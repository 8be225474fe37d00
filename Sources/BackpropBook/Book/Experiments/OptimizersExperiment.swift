import BackpropCharts
import BackpropCore
import BackpropTraining

/// §6.1.7 Comparing the update methods (`ch06/optimizer_compare_naive.py`, figure 6-8): minimise
/// f(x, y) = x²/20 + y² from (−7, 2) with 30 updates each of SGD (η = 0.95), Momentum (η = 0.1),
/// AdaGrad (η = 1.5) and Adam (η = 0.3) — the library's own optimizer classes, x and y two parameters
/// as in the book's `params` dictionary — drawn over f's contour lines.
public struct OptimizersExperiment: BookExperiment {
    public let name = "optimizers"
    public let section = "§6.1.7"
    public let figure: String? = "figure 6-8"
    public let summary = "SGD, Momentum, AdaGrad, Adam: 30 steps on x²/20 + y² from (−7, 2), end points and paths"

    /// The experiment (it has no settings).
    public init() {}

    /// The book's f and its gradient `df`.
    public static func f(_ x: Double, _ y: Double) -> Double { x * x / 20.0 + y * y }
    /// ∇f(x, y) = (x/10, 2y).
    public static func df(_ x: Double, _ y: Double) -> (Double, Double) { (x / 10.0, 2.0 * y) }

    /// The book's four optimizers, in its order.
    public static func optimizers() -> [(name: String, optimizer: any Optimizer<Double>)] {
        [("SGD", SGD(learningRate: 0.95)), ("Momentum", Momentum(learningRate: 0.1)),
         ("AdaGrad", AdaGrad(learningRate: 1.5)), ("Adam", Adam(learningRate: 0.3))]
    }

    /// The 31 points from `start`: the start, then the position after each of `steps` updates.
    public static func path(_ optimizer: any Optimizer<Double>, from start: (Double, Double) = (-7.0, 2.0),
                            steps: Int = 30) -> [(x: Double, y: Double)] {
        let x = Parameter<Double>(name: "x", value: Tensor(start.0), decays: false)
        let y = Parameter<Double>(name: "y", value: Tensor(start.1), decays: false)
        var history = [(x: x.value.scalar, y: y.value.scalar)]
        for _ in 0..<steps {
            let (gx, gy) = df(x.value.scalar, y.value.scalar)
            x.gradient = Tensor(gx)
            y.gradient = Tensor(gy)
            optimizer.update([x, y])
            history.append((x.value.scalar, y.value.scalar))
        }
        return history
    }

    public func run(_ context: BookContext) throws -> BookReport {
        var report = BookReport()
        // The book's contour grid: x in arange(-10, 10, 0.01), y in arange(-5, 5, 0.01), Z > 7 masked to 0;
        // a 0.1 grid draws the same lines.
        let xs = Tensor<Double>.arange(-10.0, 10.0001, step: 0.1).scalars
        let ys = Tensor<Double>.arange(-5.0, 5.0001, step: 0.1).scalars
        let levels = [0.5, 1, 2, 3, 4, 5, 6]
        var panels: [ChartPanel] = []
        var ends: [String: BookValue] = [:]
        for (name, optimizer) in Self.optimizers() {
            let path = Self.path(optimizer)
            let end = path.last!
            report.lines.append("\(name): (\(BookFormat.python(end.x)), \(BookFormat.python(end.y)))  "
                                + "f = \(String(format: "%.6g", Self.f(end.x, end.y)))")
            ends[name] = ["x": .number(end.x), "y": .number(end.y), "path": .matrix(path.map { [$0.x, $0.y] })]
            var panel = ChartPanel(title: name, xLabel: "x", yLabel: "y", series: [
                ChartSeries("", x: path.map(\.x), y: path.map(\.y), color: "#ff0000", marker: .circle, markerSize: 2.5,
                            lineWidth: 1.2),
                ChartSeries("", x: [0], y: [0], color: "#000000", line: nil, marker: .plus),
            ], xRange: -10...10, yRange: -10...10)
            panel.contours = ChartContours(xs: xs, ys: ys, levels: levels) { x, y in Self.f(x, y) }
            panels.append(panel)
        }
        report.lines.insert("after 30 updates from (-7.0, 2.0):", at: 0)
        report.values = ["end_points": .object(ends), "steps": 30]
        report.plot = Chart(title: "Figure 6-8: 30 updates on f(x, y) = x²/20 + y² from (−7, 2)", panels: panels,
                            columns: 2, panelWidth: 460, panelHeight: 440).svg
        return report
    }
}
