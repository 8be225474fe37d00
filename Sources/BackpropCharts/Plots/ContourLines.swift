import BackpropCore
import BackpropTraining

/// Marching squares: the line segments where a function sampled on a grid crosses a level, for
/// `ChartContours`. Each grid cell whose corners lie on both sides of the level contributes one segment
/// (two for a saddle), its ends found by linear interpolation along the cell's edges.
enum ContourLines {
    /// A segment in data coordinates.
    struct Segment: Equatable {
        var x0: Double, y0: Double, x1: Double, y1: Double
    }

    /// The segments of `level` over the grid `values[j][i]` at (xs[i], ys[j]). Cells with a
    /// non-finite corner are skipped.
    static func segments(xs: [Double], ys: [Double], values: [[Double]], level: Double) -> [Segment] {
        guard xs.count >= 2, ys.count >= 2, values.count == ys.count, values.allSatisfy({ $0.count == xs.count }) else {
            return []
        }
        var result: [Segment] = []
        for j in 0..<(ys.count - 1) {
            for i in 0..<(xs.count - 1) {
                // Corners counter-clockwise from the lower left: (i, j), (i+1, j), (i+1, j+1), (i, j+1).
                let corners = [(xs[i], ys[j], values[j][i]), (xs[i + 1], ys[j], values[j][i + 1]),
                               (xs[i + 1], ys[j + 1], values[j + 1][i + 1]), (xs[i], ys[j + 1], values[j + 1][i])]
                guard corners.allSatisfy({ $0.2.isFinite }) else { continue }
                // The crossing point on each edge k (corner k to corner k+1) whose ends straddle the level.
                var crossings: [(Double, Double)] = []
                for k in 0..<4 {
                    let a = corners[k], b = corners[(k + 1) % 4]
                    if (a.2 >= level) != (b.2 >= level) {
                        let t = (level - a.2) / (b.2 - a.2)
                        crossings.append((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)))
                    }
                }
                // 2 crossings: one segment; 4 (a saddle): pair them in order around the cell.
                var k = 0
                while k + 1 < crossings.count {
                    result.append(Segment(x0: crossings[k].0, y0: crossings[k].1, x1: crossings[k + 1].0, y1: crossings[k + 1].1))
                    k += 2
                }
            }
        }
        return result
    }
}
