// The optimizers' update kernels — the §6.1 update rules (SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam), each
// one fused pass over a parameter p, its gradient g and up to two state buffers. Each equals the book's
// `common/optimizer.py` line for line on every element (UpdateKernelTests, OptimizerPathTests).

import BackpropCore

/// Square root of every lane, correctly rounded like `Float.squareRoot()` (one `sqrtps`/`sqrtpd`, or
/// `fsqrt` on ARM). Swift's own `squareRoot()` on Linux goes through C's `sqrtf`, which may set `errno`,
/// so every lane became a scalar square root with a test and a possible call: that made the Adam kernel
/// 19 % of an MLP training step. The intrinsic has no `errno`. Bound on 128-bit vectors, which are passed
/// in one vector register so the Swift call and the intrinsic agree on the signature (a 256-bit SIMD8 is
/// passed indirectly and the compiler rejects the binding).
@_silgen_name("llvm.sqrt.v4f32") func squareRoot128(_ x: SIMD4<Float>) -> SIMD4<Float>
@_silgen_name("llvm.sqrt.v2f64") func squareRoot128(_ x: SIMD2<Double>) -> SIMD2<Double>

@inline(__always) func vectorSquareRoot(_ x: SIMD8<Float>) -> SIMD8<Float> {
    SIMD8(lowHalf: squareRoot128(x.lowHalf), highHalf: squareRoot128(x.highHalf))
}
@inline(__always) func vectorSquareRoot(_ x: SIMD8<Double>) -> SIMD8<Double> {
    SIMD8(lowHalf: SIMD4(lowHalf: squareRoot128(x.lowHalf.lowHalf), highHalf: squareRoot128(x.lowHalf.highHalf)),
          highHalf: SIMD4(lowHalf: squareRoot128(x.highHalf.lowHalf), highHalf: squareRoot128(x.highHalf.highHalf)))
}

extension TensorScalar {
    /// One optimizer step over `count` elements: parameter p, gradient g, state buffers as the rule needs
    /// (`updateKernel` with Float's or Double's SIMD arithmetic). Stops for any other scalar type.
    static func applyUpdate(_ rule: UpdateRule, _ p: UnsafeMutablePointer<Self>, _ g: UnsafePointer<Self>,
                            _ state1: UnsafeMutablePointer<Self>?, _ state2: UnsafeMutablePointer<Self>?, count: Int) {
        func cast<T>(_ q: UnsafeMutablePointer<Self>?, _: T.Type) -> UnsafeMutablePointer<T>? {
            q.map { UnsafeMutableRawPointer($0).assumingMemoryBound(to: T.self) }
        }
        if Self.self == Float.self {
            updateKernel(rule, cast(p, Float.self)!, UnsafeRawPointer(g).assumingMemoryBound(to: Float.self),
                         cast(state1, Float.self), cast(state2, Float.self), count, math: FloatUpdateMath.self)
        } else if Self.self == Double.self {
            updateKernel(rule, cast(p, Double.self)!, UnsafeRawPointer(g).assumingMemoryBound(to: Double.self),
                         cast(state1, Double.self), cast(state2, Double.self), count, math: DoubleUpdateMath.self)
        } else {
            preconditionFailure("applyUpdate: no update kernel for \(Self.self)")
        }
    }
}

/// One optimizer update rule with its hyper-parameters (§6.1), applied by a single fused kernel pass
/// over a parameter, its gradient and up to two state buffers. The book's forms, exactly:
public enum UpdateRule: Sendable, Equatable {
    /// p −= lr·g
    case sgd(learningRate: Double)
    /// v = m·v − lr·g; p += v   (state1 = v)
    case momentum(learningRate: Double, momentum: Double)
    /// p += m²·v; p −= (1+m)·lr·g; v = m·v − lr·g   (state1 = v)
    case nesterov(learningRate: Double, momentum: Double)
    /// h += g²; p −= lr·g / (√h + ε)   (state1 = h)
    case adaGrad(learningRate: Double, epsilon: Double)
    /// h = d·h + (1−d)·g²; p −= lr·g / (√h + ε)   (state1 = h)
    case rmsProp(learningRate: Double, decayRate: Double, epsilon: Double)
    /// m += (1−β1)(g − m); v += (1−β2)(g² − v); p −= lrₜ·m / (√v + ε), with lrₜ computed by the caller
    /// from the step count   (state1 = m, state2 = v)
    case adam(correctedLearningRate: Double, beta1: Double, beta2: Double, epsilon: Double)

    /// How many state buffers (of the parameter's shape) the rule needs.
    public var stateCount: Int {
        switch self {
        case .sgd: 0
        case .momentum, .nesterov, .adaGrad, .rmsProp: 1
        case .adam: 2
        }
    }
}

/// Runs `body` on 8 elements at a time as SIMD vectors (LLVM does not vectorise these loops on its own:
/// four pointers that may alias, and square roots), then element by element on the rest with the same
/// arithmetic, so every element gets bit-identical results whichever path it takes.
@inline(__always)
func vectorLoop(_ n: Int, _ vector: (Int) -> Void, _ scalar: (Int) -> Void) {
    var i = 0
    while i + 8 <= n { vector(i); i += 8 }
    while i < n { scalar(i); i += 1 }
}

@inline(__always) func load8<T: TensorScalar>(_ p: UnsafePointer<T>) -> SIMD8<T> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
}
@inline(__always) func load8<T: TensorScalar>(_ p: UnsafeMutablePointer<T>) -> SIMD8<T> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
}
@inline(__always) func store8<T: TensorScalar>(_ v: SIMD8<T>, _ p: UnsafeMutablePointer<T>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<T>.self)
}

/// The per-type arithmetic of the update kernels that generic SIMD code does badly: square roots
/// (see `vectorSquareRoot`) and flushing tiny numbers to zero.
///
/// Decaying state (momentum's v, RMSprop's h, Adam's m and v) shrinks by a constant factor every step
/// its gradient is zero — as it is for weights fed by always-black pixels or dead ReLUs — and after a few
/// hundred steps reaches subnormal numbers, which the CPU computes about 100× slower (measured: an MLP's
/// Adam step 0.78 → 3.4 ms after 1500 steps, 71 % of it in this kernel). The update kernels therefore set
/// state entries smaller in magnitude than a floor to zero, and square only gradients of at least the
/// floor's square root (smaller ones square to 0) — far below anything that moves a parameter:
/// 2⁻¹⁰⁰ ≈ 7.9e-31 in Float (its square root, 8.9e-16, vanishes beside ε = 1e-7), 2⁻⁹⁹⁰ in Double —
/// so every intermediate stays a normal number. The test is branch-free integer arithmetic on the bit
/// pattern, since SIMD `replacing(with:where:)` runs element by element.
protocol UpdateMath {
    associatedtype Scalar: TensorScalar
    /// Zero where |x| < the state floor (NaN and infinities kept).
    static func flushState(_ x: SIMD8<Scalar>) -> SIMD8<Scalar>
    static func flushState(_ x: Scalar) -> Scalar
    /// Zero where |x| < √(state floor), so x·x is either 0 or a normal number.
    static func squarable(_ x: SIMD8<Scalar>) -> SIMD8<Scalar>
    static func squarable(_ x: Scalar) -> Scalar
    static func squareRoot(_ x: SIMD8<Scalar>) -> SIMD8<Scalar>
}

enum FloatUpdateMath: UpdateMath {
    /// Bit patterns of 2⁻¹⁰⁰ and 2⁻⁵⁰ (exponent field = 127 + e).
    static let stateFloor = Int32(127 - 100) << 23
    static let squareFloor = Int32(127 - 50) << 23

    @inline(__always) static func zeroBelow(_ floor: Int32, _ x: SIMD8<Float>) -> SIMD8<Float> {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        // (|x|'s pattern − floor) >> 31 is all ones exactly where |x| < floor (patterns < 2³¹: no overflow).
        let small = ((bits & 0x7fff_ffff) &- SIMD8(repeating: floor)) &>> 31
        return unsafeBitCast(bits & ~small, to: SIMD8<Float>.self)
    }
    @inline(__always) static func zeroBelow(_ floor: Int32, _ x: Float) -> Float {
        Int32(bitPattern: x.bitPattern & 0x7fff_ffff) < floor ? 0 : x
    }
    @inline(__always) static func flushState(_ x: SIMD8<Float>) -> SIMD8<Float> { zeroBelow(stateFloor, x) }
    @inline(__always) static func flushState(_ x: Float) -> Float { zeroBelow(stateFloor, x) }
    @inline(__always) static func squarable(_ x: SIMD8<Float>) -> SIMD8<Float> { zeroBelow(squareFloor, x) }
    @inline(__always) static func squarable(_ x: Float) -> Float { zeroBelow(squareFloor, x) }
    @inline(__always) static func squareRoot(_ x: SIMD8<Float>) -> SIMD8<Float> { vectorSquareRoot(x) }
}

enum DoubleUpdateMath: UpdateMath {
    /// Bit patterns of 2⁻⁹⁹⁰ and 2⁻⁴⁹⁵ (exponent field = 1023 + e).
    static let stateFloor = Int64(1023 - 990) << 52
    static let squareFloor = Int64(1023 - 495) << 52

    @inline(__always) static func zeroBelow(_ floor: Int64, _ x: SIMD8<Double>) -> SIMD8<Double> {
        let bits = unsafeBitCast(x, to: SIMD8<Int64>.self)
        let small = ((bits & 0x7fff_ffff_ffff_ffff) &- SIMD8(repeating: floor)) &>> 63
        return unsafeBitCast(bits & ~small, to: SIMD8<Double>.self)
    }
    @inline(__always) static func zeroBelow(_ floor: Int64, _ x: Double) -> Double {
        Int64(bitPattern: x.bitPattern & 0x7fff_ffff_ffff_ffff) < floor ? 0 : x
    }
    @inline(__always) static func flushState(_ x: SIMD8<Double>) -> SIMD8<Double> { zeroBelow(stateFloor, x) }
    @inline(__always) static func flushState(_ x: Double) -> Double { zeroBelow(stateFloor, x) }
    @inline(__always) static func squarable(_ x: SIMD8<Double>) -> SIMD8<Double> { zeroBelow(squareFloor, x) }
    @inline(__always) static func squarable(_ x: Double) -> Double { zeroBelow(squareFloor, x) }
    @inline(__always) static func squareRoot(_ x: SIMD8<Double>) -> SIMD8<Double> { vectorSquareRoot(x) }
}

@inline(__always)
func updateKernel<T: TensorScalar, F: UpdateMath>(_ rule: UpdateRule, _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>,
                                             _ s1: UnsafeMutablePointer<T>?, _ s2: UnsafeMutablePointer<T>?, _ n: Int,
                                             math F: F.Type) where F.Scalar == T {
    switch rule {
    case .sgd(let lr):
        let lr = T(lr)
        vectorLoop(n, { i in store8(load8(p + i) - lr * load8(g + i), p + i) },
                   { i in p[i] -= lr * g[i] })
    case .momentum(let lr, let m):
        let (lr, m, v) = (T(lr), T(m), s1!)
        vectorLoop(n, { i in
            let vi = F.flushState(m * load8(v + i) - lr * load8(g + i))
            store8(vi, v + i)
            store8(load8(p + i) + vi, p + i)
        }, { i in
            v[i] = F.flushState(m * v[i] - lr * g[i])
            p[i] += v[i]
        })
    case .nesterov(let lr, let m):
        let (lr, m, v) = (T(lr), T(m), s1!)
        let (mm, step) = (m * m, (1 + m) * lr)
        vectorLoop(n, { i in
            let vi = load8(v + i), gi = load8(g + i)
            store8((load8(p + i) + mm * vi) - step * gi, p + i)
            store8(F.flushState(m * vi - lr * gi), v + i)
        }, { i in
            p[i] += mm * v[i]
            p[i] -= step * g[i]
            v[i] = F.flushState(m * v[i] - lr * g[i])
        })
    case .adaGrad(let lr, let eps):
        let (lr, eps, h) = (T(lr), T(eps), s1!)
        vectorLoop(n, { i in
            let gi = load8(g + i), gs = F.squarable(gi)
            let hi = load8(h + i) + gs * gs
            store8(hi, h + i)
            store8(load8(p + i) - lr * gi / (F.squareRoot(hi) + eps), p + i)
        }, { i in
            let gs = F.squarable(g[i])
            h[i] += gs * gs
            p[i] -= lr * g[i] / (h[i].squareRoot() + eps)
        })
    case .rmsProp(let lr, let d, let eps):
        let (lr, d, eps, h) = (T(lr), T(d), T(eps), s1!)
        vectorLoop(n, { i in
            let gi = load8(g + i), gs = F.squarable(gi)
            let hi = F.flushState(d * load8(h + i) + (1 - d) * gs * gs)
            store8(hi, h + i)
            store8(load8(p + i) - lr * gi / (F.squareRoot(hi) + eps), p + i)
        }, { i in
            let gs = F.squarable(g[i])
            h[i] = F.flushState(d * h[i] + (1 - d) * gs * gs)
            p[i] -= lr * g[i] / (h[i].squareRoot() + eps)
        })
    case .adam(let lrT, let b1, let b2, let eps):
        let (lrT, b1, b2, eps, m, v) = (T(lrT), T(b1), T(b2), T(eps), s1!, s2!)
        vectorLoop(n, { i in
            let gi = load8(g + i), gs = F.squarable(gi)
            var mi = load8(m + i), vi = load8(v + i)
            mi = F.flushState(mi + (1 - b1) * (gi - mi))
            vi = F.flushState(vi + (1 - b2) * (gs * gs - vi))
            store8(mi, m + i)
            store8(vi, v + i)
            store8(load8(p + i) - lrT * mi / (F.squareRoot(vi) + eps), p + i)
        }, { i in
            let gi = g[i], gs = F.squarable(gi)
            m[i] = F.flushState(m[i] + (1 - b1) * (gi - m[i]))
            v[i] = F.flushState(v[i] + (1 - b2) * (gs * gs - v[i]))
            p[i] -= lrT * m[i] / (v[i].squareRoot() + eps)
        })
    }
}
