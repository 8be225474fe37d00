import BackpropCharts
import BackpropCore
import BackpropTraining

/// §4.4 The gradient (`ch04/gradient_2d.py`): ∇f of f(x0, x1) = x0² + x1² by central differences at
/// the book's three points — [6.00000000000378, 7.999999999999119], [0, 4.000000000004] and
/// [6.000000000012662, 0], bit for bit — and the field of −∇f on a grid (figure 4-9).
public struct GradientExperiment: BookExperiment {
    public let name = "gradient"
    public let section = "§4.4"
    public let figure: String? = "figure 4-9"
    public let summary = "∇(x0² + x1²) at (3, 4), (0, 2), (3, 0) by central differences, and the field of −∇f"

    /// The experiment (it has no settings).
    public init() {}

    /// The book's `function_2`: x0² + x1² (`np.sum(x**2)`).
    public static func function2(_ x: Tensor<Double>) -> Double { x.scalars.reduce(0) { $0 + $1 * $1 } }

    public func run(_ context: BookContext) throws -> BookReport {
        var report = BookReport()
        var gradients: [BookValue] = []
        for point in [[3.0, 4.0], [0.0, 2.0], [3.0, 0.0]] {
            let grad = numericalGradient(of: Self.function2, at: Tensor(point))
            report.lines.append("numerical_gradient(function_2, np.array(\(BookFormat.numpy(point)))) = "
                                + "\(BookFormat.numpy(grad.scalars))   (\(grad.scalars.map(BookFormat.python).joined(separator: ", ")))")
            gradients.append(["at": .numbers(point), "gradient": .numbers(grad.scalars)])
        }
        report.values["gradients"] = .array(gradients)

        // Figure 4-9: −∇f at x0, x1 in np.arange(-2, 2.5, 0.25), drawn as arrows (the book's plt.quiver).
        let grid = Tensor<Double>.arange(-2.0, 2.5, step: 0.25).scalars
        var field: [(x: Double, y: Double, dx: Double, dy: Double)] = []
        for y in grid {
            for x in grid {
                let g = numericalGradient(of: Self.function2, at: Tensor([x, y]))
                field.append((x, y, -g.scalars[0], -g.scalars[1]))
            }
        }
        // Scaled, as quiver does, so that the longest arrow is about 1.5 grid steps.
        let longest = field.map { ($0.dx * $0.dx + $0.dy * $0.dy).squareRoot() }.max() ?? 1
        let scale = 1.5 * 0.25 / longest
        var panel = ChartPanel(title: "−∇f, arrows scaled by \(String(format: "%.3g", scale))", xLabel: "x0",
                               yLabel: "x1", xRange: -2...2, yRange: -2...2)
        panel.arrows = field.map { ChartArrow(fromX: $0.x, fromY: $0.y, toX: $0.x + scale * $0.dx, toY: $0.y + scale * $0.dy) }
        report.values["field_points"] = .integer(field.count)
        report.plot = Chart(title: "Figure 4-9: the gradient of f(x0, x1) = x0² + x1², negated", panels: [panel],
                            panelWidth: 560, panelHeight: 560).svg
        return report
    }
}
