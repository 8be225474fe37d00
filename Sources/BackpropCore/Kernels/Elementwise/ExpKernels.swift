import Foundation

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
