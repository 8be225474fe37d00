/// §4.3.2 The numerical derivative of a function of one variable by the central difference, the book's
/// `numerical_diff(f, x)`: (f(x + h) − f(x − h)) / 2h with h = 1e-4 (small enough to be close, large
/// enough not to vanish in rounding). In Double the result is bit for bit the book's.
public func numericalDiff(_ f: (Double) -> Double, _ x: Double, h: Double = 1e-4) -> Double {
    (f(x + h) - f(x - h)) / (2 * h)
}
