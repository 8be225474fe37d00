import BackpropCharts
import BackpropCore
import BackpropTraining

/// The book's `smooth_curve` (`common/util.py`, used for figures 6-9 and 6-15): each value replaced by
/// a weighted mean of its 11 neighbours, the weights a Kaiser window with β = 2 (`np.kaiser(11, 2)`),
/// the ends extended by reflection exactly as the book's `np.r_[x[10:0:-1], x, x[-1:-11:-1]]` does
/// (the left end without x[0], the right end with x[n−1] repeated). Same length in and out.
///
/// A curve of fewer than 11 values (which the book's function cannot take) is returned unchanged.
public func smoothCurve(_ x: [Double]) -> [Double] {
    let windowLength = 11, half = 5
    let n = x.count
    guard n >= windowLength else { return x }
    let window = kaiserWindow(length: windowLength, beta: 2)
    let total = window.reduce(0.0) { $0 + $1 }
    // s = x[10], x[9], …, x[1], x[0], …, x[n−1], x[n−1], …, x[n−10]
    func s(_ m: Int) -> Double {
        if m < windowLength - 1 { return x[windowLength - 1 - m] }
        if m < n + windowLength - 1 { return x[m - (windowLength - 1)] }
        return x[2 * n + windowLength - 2 - m]
    }
    return (0..<n).map { i in
        var sum = 0.0
        for j in 0..<windowLength { sum += window[j] / total * s(i + half + j) }
        return sum
    }
}

/// NumPy's `np.kaiser(length, beta)`: w[k] = I₀(β·√(1 − (2k/(length−1) − 1)²)) / I₀(β), k = 0…length−1.
public func kaiserWindow(length: Int, beta: Double) -> [Double] {
    precondition(length >= 1, "kaiserWindow: length must be positive, got \(length)")
    guard length > 1 else { return [1] }
    return (0..<length).map { k in
        let r = 2 * Double(k) / Double(length - 1) - 1
        return besselI0(beta * (1 - r * r).squareRoot()) / besselI0(beta)
    }
}

/// The modified Bessel function of the first kind, order 0: Σₖ ((x/2)ᵏ / k!)², summed until the terms
/// no longer change the sum (a few dozen terms for the window's |x| ≤ β).
func besselI0(_ x: Double) -> Double {
    var sum = 1.0, term = 1.0, k = 1.0
    while true {
        term *= (x / (2 * k)) * (x / (2 * k))
        let next = sum + term
        if next == sum { return sum }
        sum = next
        k += 1
    }
}
