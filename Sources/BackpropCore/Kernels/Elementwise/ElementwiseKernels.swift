// Kernels/Elementwise — the per-element loops: y[i] = f(x[i]) and out = f(a, b) over a `Loop2D`
// (broadcast operands), comparisons, masks, reductions along an axis, exp/log/tanh, softmax with
// cross-entropy row by row, and gathering images from bytes. Each equals the plain loop over the
// elements its doc comment writes down (ArithmeticTests, MathFunctionTests, ReductionTests,
// NamedOperationTests, SoftmaxWithLossTests, LLVMIntrinsicsTests).
//
// Symbols: count the elements; a `Loop2D` is outer × inner with each operand's strides; a reduction
// sees x as (outer, length, inner) and reduces the middle axis.
//
// ElementwiseKernels           unary, binary, comparison and select loops
// ExpKernels                   exp, log, tanh, sigmoid
// MaskKernels                  ReLU, LeakyReLU and Dropout in one pass each
// ReductionKernels             sum, max, min, argmax
// SoftmaxCrossEntropyKernels   softmax and cross-entropy (§5.6.3), one-hot rows
// ImageGatherKernels           bytes to numbers, a batch of images gathered by index
// LLVMIntrinsics               the vector square root and prefetch, which Swift does not expose

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
