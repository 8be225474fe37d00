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

@inline(__always)
func updateKernel<T: TensorScalar>(_ rule: UpdateRule, _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>,
                                   _ s1: UnsafeMutablePointer<T>?, _ s2: UnsafeMutablePointer<T>?, _ n: Int) {
    switch rule {
    case .sgd(let lr):
        let lr = T(lr)
        vectorLoop(n, { i in store8(load8(p + i) - lr * load8(g + i), p + i) },
                   { i in p[i] -= lr * g[i] })
    case .momentum(let lr, let m):
        let (lr, m, v) = (T(lr), T(m), s1!)
        vectorLoop(n, { i in
            let vi = m * load8(v + i) - lr * load8(g + i)
            store8(vi, v + i)
            store8(load8(p + i) + vi, p + i)
        }, { i in
            v[i] = m * v[i] - lr * g[i]
            p[i] += v[i]
        })
    case .nesterov(let lr, let m):
        let (lr, m, v) = (T(lr), T(m), s1!)
        let (mm, step) = (m * m, (1 + m) * lr)
        vectorLoop(n, { i in
            let vi = load8(v + i), gi = load8(g + i)
            store8((load8(p + i) + mm * vi) - step * gi, p + i)
            store8(m * vi - lr * gi, v + i)
        }, { i in
            p[i] += mm * v[i]
            p[i] -= step * g[i]
            v[i] = m * v[i] - lr * g[i]
        })
    case .adaGrad(let lr, let eps):
        let (lr, eps, h) = (T(lr), T(eps), s1!)
        vectorLoop(n, { i in
            let gi = load8(g + i)
            let hi = load8(h + i) + gi * gi
            store8(hi, h + i)
            store8(load8(p + i) - lr * gi / (hi.squareRoot() + eps), p + i)
        }, { i in
            h[i] += g[i] * g[i]
            p[i] -= lr * g[i] / (h[i].squareRoot() + eps)
        })
    case .rmsProp(let lr, let d, let eps):
        let (lr, d, eps, h) = (T(lr), T(d), T(eps), s1!)
        vectorLoop(n, { i in
            let gi = load8(g + i)
            let hi = d * load8(h + i) + (1 - d) * gi * gi
            store8(hi, h + i)
            store8(load8(p + i) - lr * gi / (hi.squareRoot() + eps), p + i)
        }, { i in
            h[i] = d * h[i] + (1 - d) * g[i] * g[i]
            p[i] -= lr * g[i] / (h[i].squareRoot() + eps)
        })
    case .adam(let lrT, let b1, let b2, let eps):
        let (lrT, b1, b2, eps, m, v) = (T(lrT), T(b1), T(b2), T(eps), s1!, s2!)
        vectorLoop(n, { i in
            let gi = load8(g + i)
            var mi = load8(m + i), vi = load8(v + i)
            mi += (1 - b1) * (gi - mi)
            vi += (1 - b2) * (gi * gi - vi)
            store8(mi, m + i)
            store8(vi, v + i)
            store8(load8(p + i) - lrT * mi / (vi.squareRoot() + eps), p + i)
        }, { i in
            let gi = g[i]
            m[i] += (1 - b1) * (gi - m[i])
            v[i] += (1 - b2) * (gi * gi - v[i])
            p[i] -= lrT * m[i] / (v[i].squareRoot() + eps)
        })
    }
}
