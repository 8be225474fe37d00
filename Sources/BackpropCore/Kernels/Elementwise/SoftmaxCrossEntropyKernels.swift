import Foundation

/// One-hot rows from class indices (see `TensorScalar.oneHot`).
@inline(__always)
func oneHotKernel<T: TensorScalar>(_ t: UnsafePointer<T>, _ n: Int, _ c: Int, _ out: UnsafeMutablePointer<T>) -> Int? {
    out.update(repeating: 0, count: n * c)
    for i in 0..<n {
        let v = t[i]
        guard v >= 0, v < T(c), v.rounded(.towardZero) == v else { return i }
        out[i * c + Int(v)] = 1
    }
    return nil
}

/// Softmax rows and their summed cross-entropy (see `TensorScalar.softmaxCrossEntropy`): z = x − max
/// per row into y, Σ t·z on the way; one exp pass over all of y; then per row s = Σ exp z, y /= s and
/// the loss gains log s · Σ t (−Σ t·log y = −Σ t·z + log s · Σ t).
@inline(__always)
func softmaxCrossEntropyKernel<T: TensorScalar>(_ x: UnsafePointer<T>, _ t: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                                _ rows: Int, _ c: Int) -> T {
    var loss: T = 0
    for i in 0..<rows {
        let xi = x + i * c, ti = t + i * c, yi = y + i * c
        let m = extremumContiguous(xi, c, max: true)
        var tz: T = 0
        for j in 0..<c {
            let z = xi[j] - m
            yi[j] = z
            if ti[j] != 0 { tz += ti[j] * z }
        }
        loss -= tz
    }
    unaryKernel(.exp, UnsafePointer(y), y, rows * c)
    for i in 0..<rows {
        let ti = t + i * c, yi = y + i * c
        let s = sumContiguous(UnsafePointer(yi), c)
        var tSum: T = 0
        for j in 0..<c {
            yi[j] = yi[j] / s
            tSum += ti[j]
        }
        if tSum != 0 { loss += libmLog(s) * tSum }
    }
    return loss
}
