import BackpropCore
import BackpropTraining

/// Contour lines of a function sampled on a grid: the book's `plt.contour(X, Y, Z)`.
public struct ChartContours: Sendable {
    /// The grid's x values (increasing) and y values (increasing).
    public var xs: [Double]
    /// The grid's y values (increasing).
    public var ys: [Double]
    /// values[j][i] = f(xs[i], ys[j]); a non-finite value leaves its cells out.
    public var values: [[Double]]
    /// The levels drawn, each in its own colour (low dark blue to high yellow, like matplotlib's viridis).
    public var levels: [Double]

    /// The contours at `levels` of `function` sampled at every (x, y) of the grid `xs` × `ys`.
    public init(xs: [Double], ys: [Double], levels: [Double], function: (Double, Double) -> Double) {
        self.xs = xs
        self.ys = ys
        self.values = ys.map { y in xs.map { x in function(x, y) } }
        self.levels = levels
    }
}
