import BackpropCharts
import BackpropCore
import BackpropTraining

/// §4.3.2 A numerical derivative (`ch04/gradient_1d.py`): f(x) = 0.01x² + 0.1x differentiated by the
/// central difference at 5 and 10 — the book's 0.1999999999990898 and 0.2999999999986347, bit for
/// bit (the exact derivatives are 0.2 and 0.3) — and the tangent lines there (figure 4-7).
public struct NumericalDiffExperiment: BookExperiment {
    public let name = "numerical-diff"
    public let section = "§4.3.2"
    public let figure: String? = "figure 4-7"
    public let summary = "d/dx (0.01x² + 0.1x) at 5 and 10 by central difference, and the tangents"

    /// The experiment (it has no settings).
    public init() {}

    /// The book's `function_1`.
    public static func function1(_ x: Double) -> Double { 0.01 * (x * x) + 0.1 * x }

    /// The book's `tangent_line(f, x)`: slope d = numerical_diff(f, x) and intercept f(x) − d·x.
    public static func tangentLine(_ f: (Double) -> Double, _ x: Double) -> (slope: Double, intercept: Double) {
        let d = numericalDiff(f, x)
        return (d, f(x) - d * x)
    }

    public func run(_ context: BookContext) throws -> BookReport {
        var report = BookReport()
        let xs = Tensor<Double>.arange(0.0, 20.0, step: 0.1).scalars
        var panels: [ChartPanel] = []
        for point in [5.0, 10.0] {
            let d = numericalDiff(Self.function1, point)
            let (slope, intercept) = Self.tangentLine(Self.function1, point)
            report.lines.append("numerical_diff(function_1, \(Int(point))) = \(BookFormat.python(d))")
            report.values["numerical_diff_\(Int(point))"] = .number(d)
            report.values["tangent_\(Int(point))"] = ["slope": .number(slope), "intercept": .number(intercept)]
            panels.append(ChartPanel(title: "tangent at x = \(Int(point))", xLabel: "x", yLabel: "f(x)", series: [
                ChartSeries("0.01x² + 0.1x", x: xs, y: xs.map(Self.function1)),
                ChartSeries("tangent, slope \(String(format: "%.4f", slope))", x: xs, y: xs.map { slope * $0 + intercept }),
            ], xRange: 0...20, yRange: -1...6))
        }
        report.lines.append("(exact: 0.2 and 0.3; the difference is the central difference's rounding at h = 1e-4)")
        report.plot = Chart(title: "Figure 4-7: f(x) = 0.01x² + 0.1x and its tangents at x = 5 and x = 10",
                            panels: panels, columns: 2).svg
        return report
    }
}
