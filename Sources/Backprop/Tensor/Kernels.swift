import Foundation

// The per-element loops behind `TensorScalar`. Each function is generic and `@inline(__always)`;
// `Float` and `Double` call them from their concrete conformances, so every loop here is compiled
// once per type with the operation known, and LLVM can vectorise it. Nothing here checks shapes:
// `Tensor` does that before it calls in.

// MARK: - Loops

/// Runs `f` over a `Loop2D`; the inner loop is specialised for contiguous and broadcast operands.
@inline(__always)
func loop2D<T, R>(_ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<R>,
                  _ l: Loop2D, _ f: (T, T) -> R) {
    let n = l.inner
    for i in 0..<l.outer {
        let pa = a + i &* l.aOuter, pb = b + i &* l.bOuter, po = out + i &* n
        switch (l.aInner, l.bInner) {
        case (1, 1):
            for j in 0..<n { po[j] = f(pa[j], pb[j]) }
        case (1, 0):
            let s = pb[0]
            for j in 0..<n { po[j] = f(pa[j], s) }
        case (0, 1):
            let s = pa[0]
            for j in 0..<n { po[j] = f(s, pb[j]) }
        default:
            let sa = l.aInner, sb = l.bInner
            for j in 0..<n { po[j] = f(pa[j &* sa], pb[j &* sb]) }
        }
    }
}

@inline(__always)
func binaryKernel<T: TensorScalar>(_ op: BinaryOp, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                   _ out: UnsafeMutablePointer<T>, _ l: Loop2D) {
    switch op {
    case .add: loop2D(a, b, out, l) { $0 + $1 }
    case .subtract: loop2D(a, b, out, l) { $0 - $1 }
    case .multiply: loop2D(a, b, out, l) { $0 * $1 }
    case .divide: loop2D(a, b, out, l) { $0 / $1 }
    // NumPy's maximum/minimum: NaN in either operand gives NaN.
    case .maximum: loop2D(a, b, out, l) { x, y in x.isNaN || x > y ? x : y }
    case .minimum: loop2D(a, b, out, l) { x, y in x.isNaN || x < y ? x : y }
    }
}

@inline(__always)
func comparisonKernel<T: TensorScalar>(_ op: ComparisonOp, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                       _ out: UnsafeMutablePointer<Bool>, _ l: Loop2D) {
    switch op {
    case .less: loop2D(a, b, out, l) { $0 < $1 }
    case .lessOrEqual: loop2D(a, b, out, l) { $0 <= $1 }
    case .greater: loop2D(a, b, out, l) { $0 > $1 }
    case .greaterOrEqual: loop2D(a, b, out, l) { $0 >= $1 }
    case .equal: loop2D(a, b, out, l) { $0 == $1 }
    case .notEqual: loop2D(a, b, out, l) { $0 != $1 }
    }
}

@inline(__always)
func unaryKernel<T: TensorScalar>(_ op: UnaryOp, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int) {
    switch op {
    case .negate: for i in 0..<n { y[i] = -x[i] }
    case .exp:
        if T.self == Float.self {
            // Eight at a time as two independent SSE/AVX chains; the tail element by element.
            let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
            let yf = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
            var i = 0
            while i + 8 <= n {
                let v = UnsafeRawPointer(xf + i).loadUnaligned(as: SIMD8<Float>.self)
                UnsafeMutableRawPointer(yf + i).storeBytes(of: exp32x8(v), as: SIMD8<Float>.self)
                i += 8
            }
            while i < n { yf[i] = exp32(xf[i]); i += 1 }
        } else {
            for i in 0..<n { y[i] = fastExp(x[i]) }
        }
    case .log: for i in 0..<n { y[i] = libmLog(x[i]) }
    case .sqrt: for i in 0..<n { y[i] = x[i].squareRoot() }
    case .tanh: for i in 0..<n { y[i] = libmTanh(x[i]) }
    case .abs: for i in 0..<n { y[i] = Swift.abs(x[i]) }
    case .square: for i in 0..<n { y[i] = x[i] * x[i] }
    case .reciprocal: for i in 0..<n { y[i] = 1 / x[i] }
    // §5.5.2: y = 1 / (1 + exp(-x)). exp(-x) overflows to +inf for x < -89 (Float) / -710 (Double),
    // and 1 / (1 + inf) = 0 exactly: no NaN, no warning.
    case .sigmoid: for i in 0..<n { y[i] = 1 / (1 + fastExp(-x[i])) }
    case .relu: for i in 0..<n { let v = x[i]; y[i] = v > 0 ? v : 0 }
    }
}

@inline(__always)
func selectKernel<T: TensorScalar>(_ mask: UnsafePointer<Bool>, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>,
                                   _ out: UnsafeMutablePointer<T>, _ n: Int) {
    for i in 0..<n { out[i] = mask[i] ? a[i] : b[i] }
}

/// §5.5.1 in one pass: mask = x ≤ 0, y = x where the mask is clear, 0 where it is set.
@inline(__always)
func reluForwardKernel<T: TensorScalar>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                        _ mask: UnsafeMutablePointer<Bool>, _ n: Int) {
    for i in 0..<n {
        let v = x[i]
        let m = v <= 0
        mask[i] = m
        y[i] = m ? 0 : v
    }
}

/// dx = 0 where the mask is set, dout elsewhere (ReLU's backward; also LeakyReLU's mask).
@inline(__always)
func maskedZeroKernel<T: TensorScalar>(_ dout: UnsafePointer<T>, _ mask: UnsafePointer<Bool>,
                                       _ dx: UnsafeMutablePointer<T>, _ n: Int) {
    let bytes = UnsafeRawPointer(mask).assumingMemoryBound(to: UInt8.self)
    for i in 0..<n { dx[i] = bytes[i] != 0 ? 0 : dout[i] }
}

/// Image k of dst from the image at indices[k] of src, converted by `convert`, with the cache lines of
/// the image two ahead prefetched (measured on 100 random Fashion-MNIST images: 58 → 22 µs in Float).
@inline(__always)
func gatherImagesKernel<T>(_ src: UnsafePointer<UInt8>, _ indices: UnsafeBufferPointer<Int>, _ size: Int,
                           _ dst: UnsafeMutablePointer<T>,
                           _ convert: (UnsafePointer<UInt8>, UnsafeMutablePointer<T>) -> Void) {
    let ahead = 2, line = 64
    for k in 0..<indices.count {
        if k + ahead < indices.count {
            let next = UnsafeRawPointer(src + indices[k + ahead] * size)
            var offset = 0
            while offset < size { prefetchForReading(next + offset); offset += line }
        }
        convert(src + indices[k] * size, dst + k * size)
    }
}

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

/// Max (or min) of n ≥ 1 contiguous elements; NaN anywhere gives NaN, as NumPy.
@inline(__always)
func extremumContiguous<T: TensorScalar>(_ p: UnsafePointer<T>, _ n: Int, max: Bool) -> T {
    var j = 0
    var best = p[0]
    var sawNaN = false
    if n >= 8 {
        var acc = loadVector(p)
        var nan = acc .!= acc
        j = 8
        while j + 8 <= n {
            let v = loadVector(p + j)
            nan .|= v .!= v
            acc = max ? pointwiseMax(acc, v) : pointwiseMin(acc, v)
            j += 8
        }
        sawNaN = any(nan)
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

// MARK: - Elementary functions

@inline(__always)
func libmLog<T: TensorScalar>(_ x: T) -> T {
    if T.self == Float.self { return unsafeBitCast(Foundation.log(unsafeBitCast(x, to: Float.self)), to: T.self) }
    return unsafeBitCast(Foundation.log(unsafeBitCast(x, to: Double.self)), to: T.self)
}

@inline(__always)
func libmTanh<T: TensorScalar>(_ x: T) -> T {
    if T.self == Float.self { return unsafeBitCast(Foundation.tanh(unsafeBitCast(x, to: Float.self)), to: T.self) }
    return unsafeBitCast(Foundation.tanh(unsafeBitCast(x, to: Double.self)), to: T.self)
}

/// exp(x) without calls or branches, so loops over it vectorise. Pure IEEE arithmetic: the same bits on
/// every platform. Error ≤ 2 ulp; overflow gives +inf, underflow 0 (gradually, through subnormals).
@inline(__always)
func fastExp<T: TensorScalar>(_ x: T) -> T {
    if T.self == Float.self { return unsafeBitCast(exp32(unsafeBitCast(x, to: Float.self)), to: T.self) }
    return unsafeBitCast(exp64(unsafeBitCast(x, to: Double.self)), to: T.self)
}

/// exp for Float: x = n·ln2 + r with |r| ≤ ln2/2, exp(r) = 1 + r + r²·P(r) with Cephes' degree-5 minimax
/// P (relative error ≤ 1.2e-7), times 2^n built in two halves from the exponent bits (so subnormal
/// results and n = 128 come out right).
@inline(__always)
func exp32(_ x: Float) -> Float {
    let hi: Float = 88.72284, lo: Float = -103.97208
    let xc = x > hi ? hi : (x < lo ? lo : x)
    let magic: Float = 12_582_912                     // 1.5 · 2^23: adding it rounds to an integer
    let t = xc * 1.442_695_04 + magic
    let n = t - magic
    let r = (xc - n * 0.693_359_375) - n * -2.121_944_4e-4   // ln2 split hi + lo
    let p = exp32Polynomial(r)
    let k = Int32(bitPattern: t.bitPattern &- magic.bitPattern)
    let k1 = k >> 1, k2 = k &- k1
    let s1 = Float(bitPattern: UInt32(bitPattern: k1 &+ 127) &<< 23)
    let s2 = Float(bitPattern: UInt32(bitPattern: k2 &+ 127) &<< 23)
    let y = p * s1 * s2
    return x > hi ? .infinity : (x < lo ? 0 : y)   // NaN propagates through the polynomial
}

/// 1 + r + r²·P(r), Cephes expf's polynomial, for |r| ≤ ln2/2 (scalar or SIMD lanes alike).
@inline(__always)
func exp32Polynomial<V: SIMD>(_ r: V) -> V where V.Scalar == Float {
    var p = V(repeating: 1.987_569_15e-4)
    p = p * r + V(repeating: 1.398_199_950_7e-3)
    p = p * r + V(repeating: 8.333_451_907_3e-3)
    p = p * r + V(repeating: 4.166_579_589_4e-2)
    p = p * r + V(repeating: 1.666_666_545_9e-1)
    p = p * r + V(repeating: 5.000_000_120_1e-1)
    return p * (r * r) + r + V(repeating: 1)
}

@inline(__always)
func exp32Polynomial(_ r: Float) -> Float {
    var p: Float = 1.987_569_15e-4
    p = p * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    return p * (r * r) + r + 1
}

/// `exp32` on eight lanes at once when every lane is in [−87, 88] (no clamping, one scale factor);
/// otherwise lane by lane. Each lane's result is bit-identical to `exp32` of that element: multiplying
/// by 2^k in one step or two is exact away from overflow and subnormals.
@inline(__always)
func exp32x8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    if any((x .> 88) .| (x .< -87) .| (x .!= x)) {
        var y = x
        for i in 0..<8 { y[i] = exp32(x[i]) }
        return y
    }
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let t = x * 1.442_695_04 + magic
    let n = t - magic
    let r = (x - n * 0.693_359_375) - n * -2.121_944_4e-4
    let p = exp32Polynomial(r)
    let k = unsafeBitCast(t, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    return p * unsafeBitCast((k &+ 127) &<< 23, to: SIMD8<Float>.self)
}

/// exp for Double: as `exp32`, with Taylor to degree 13 (truncation error 4e-18).
@inline(__always)
func exp64(_ x: Double) -> Double {
    let hi = 709.782_712_893_384, lo = -745.2
    let xc = x > hi ? hi : (x < lo ? lo : x)
    let magic = 6_755_399_441_055_744.0               // 1.5 · 2^52
    let t = xc * 1.442_695_040_888_963_4 + magic
    let n = t - magic
    let r = (xc - n * 6.931_471_803_691_238_164_90e-01) - n * 1.908_214_929_270_587_700_02e-10
    var p = 1.0 / 6_227_020_800
    p = p * r + 1.0 / 479_001_600
    p = p * r + 1.0 / 39_916_800
    p = p * r + 1.0 / 3_628_800
    p = p * r + 1.0 / 362_880
    p = p * r + 1.0 / 40_320
    p = p * r + 1.0 / 5_040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    p = p * r + 1
    p = p * r + 1
    let k = Int64(bitPattern: t.bitPattern &- magic.bitPattern)
    let k1 = k >> 1, k2 = k &- k1
    let s1 = Double(bitPattern: UInt64(bitPattern: k1 &+ 1023) &<< 52)
    let s2 = Double(bitPattern: UInt64(bitPattern: k2 &+ 1023) &<< 52)
    let y = p * s1 * s2
    return x > hi ? .infinity : (x < lo ? 0 : y)
}
