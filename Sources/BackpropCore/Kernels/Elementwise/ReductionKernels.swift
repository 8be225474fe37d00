import Foundation

// MARK: - Reductions

@inline(__always)
func loadVector<T: TensorScalar>(_ p: UnsafePointer<T>) -> SIMD8<T> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
}

/// Sum of n contiguous elements: blocks of 256 summed with four SIMD accumulators (each lane adds 8
/// elements), block sums added in Double. At least as accurate as NumPy's pairwise summation, and
/// memory-bound.
@inline(__always)
func sumContiguous<T: TensorScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
    var total = 0.0
    var i = 0
    while i < n {
        let end = Swift.min(i + 256, n)
        var a0 = SIMD8<T>(), a1 = SIMD8<T>(), a2 = SIMD8<T>(), a3 = SIMD8<T>()
        var j = i
        while j + 32 <= end {
            a0 += loadVector(p + j); a1 += loadVector(p + j + 8)
            a2 += loadVector(p + j + 16); a3 += loadVector(p + j + 24)
            j += 32
        }
        var s = Double(((a0 + a1) + (a2 + a3)).sum())
        while j < end { s += Double(p[j]); j += 1 }
        total += s
        i = end
    }
    return T(total)
}

/// Max (or min) of n ≥ 1 contiguous elements; NaN anywhere gives NaN, as NumPy. The vector loop keeps
/// Σ (v − v), which stays 0 unless a NaN or an infinity goes by (a lane mask per vector compiled to a
/// loop through memory, half the time of a 10-class softmax); only then are the elements looked at for NaN.
@inline(__always)
func extremumContiguous<T: TensorScalar>(_ p: UnsafePointer<T>, _ n: Int, max: Bool) -> T {
    var j = 0
    var best = p[0]
    var sawNaN = false
    if n >= 8 {
        var acc = loadVector(p), check = acc - acc
        j = 8
        while j + 8 <= n {
            let v = loadVector(p + j)
            check += v - v
            acc = max ? pointwiseMax(acc, v) : pointwiseMin(acc, v)
            j += 8
        }
        sawNaN = !check.sum().isFinite && (0..<j).contains { p[$0].isNaN }
        best = max ? acc.max() : acc.min()
    }
    while j < n {
        let v = p[j]
        if v.isNaN { sawNaN = true }
        best = max ? (v > best ? v : best) : (v < best ? v : best)
        j += 1
    }
    return sawNaN ? .nan : best
}

@inline(__always)
func reductionKernel<T: TensorScalar>(_ op: ReductionOp, _ x: UnsafePointer<T>, _ outer: Int, _ length: Int,
                                      _ inner: Int, _ out: UnsafeMutablePointer<T>) {
    if inner == 1 {
        for o in 0..<outer {
            let row = x + o * length
            switch op {
            case .sum: out[o] = sumContiguous(row, length)
            case .max: out[o] = extremumContiguous(row, length, max: true)
            case .min: out[o] = extremumContiguous(row, length, max: false)
            }
        }
        return
    }
    for o in 0..<outer {
        let dst = out + o * inner
        let src = x + o * length * inner
        if length == 0 {
            dst.update(repeating: 0, count: inner)
            continue
        }
        dst.update(from: src, count: inner)
        for l in 1..<length {
            let row = src + l * inner
            switch op {
            case .sum: for j in 0..<inner { dst[j] += row[j] }
            case .max: for j in 0..<inner { let v = row[j]; dst[j] = (v > dst[j] || v.isNaN) ? v : dst[j] }
            case .min: for j in 0..<inner { let v = row[j]; dst[j] = (v < dst[j] || v.isNaN) ? v : dst[j] }
            }
        }
    }
}

@inline(__always)
func argmaxKernel<T: TensorScalar>(_ x: UnsafePointer<T>, _ outer: Int, _ length: Int, _ inner: Int,
                                   _ out: UnsafeMutablePointer<Int>) {
    for o in 0..<outer {
        let src = x + o * length * inner
        for j in 0..<inner {
            var best = src[j]
            var index = 0
            if !best.isNaN {
                for l in 1..<Swift.max(length, 1) {
                    let v = src[l * inner + j]
                    if v.isNaN { index = l; break }   // NumPy: the first NaN wins
                    if v > best { best = v; index = l }
                }
            }
            out[o * inner + j] = index
        }
    }
}
