#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// Elementwise functions of one tensor that run as a single kernel.
public enum UnaryOp: Sendable {
    case negate, exp, log, sqrt, tanh, abs, square, reciprocal
    /// 1 / (1 + exp(-x)), safe for any |x| (§3.2.4).
    case sigmoid
    /// max(x, 0) (§3.2.7).
    case relu
}

/// Elementwise functions of two tensors (after broadcasting) that run as a single kernel.
public enum BinaryOp: Sendable {
    case add, subtract, multiply, divide, maximum, minimum
}

/// Elementwise comparisons; each produces a `Tensor<Bool>` mask.
public enum ComparisonOp: Sendable {
    case less, lessOrEqual, greater, greaterOrEqual, equal, notEqual
}

/// Reductions along an axis or over all elements.
public enum ReductionOp: Sendable {
    case sum, max, min
}

/// A strided two-level loop over two operands that writes a contiguous output of `outer × inner`
/// elements. Inner strides are 0 (broadcast) or 1 (contiguous) in the fast paths; any value works.
public struct Loop2D: Sendable {
    /// Rows and columns of the output: it holds `outer × inner` elements, row after row.
    public var outer: Int, inner: Int
    /// Steps through the first operand from one row to the next, and within a row.
    public var aOuter: Int, aInner: Int
    /// Steps through the second operand from one row to the next, and within a row.
    public var bOuter: Int, bInner: Int
}

/// The element-wise part of `TensorScalar`: maths, comparisons, reductions and selection over raw
/// buffers (Kernels/Elementwise). `TensorScalar` refines it; its implementations for `Float` and `Double`
/// are the shared ones in `extension TensorScalar` below.
public protocol ElementwiseKernels {
    /// y[i] = op(x[i]) for i in 0..<count. `x` and `y` may be the same buffer.
    static func applyUnary(_ op: UnaryOp, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int)
    /// out[i·inner + j] = op(a[i·aOuter + j·aInner], b[i·bOuter + j·bInner]).
    static func applyBinary(_ op: BinaryOp, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                            _ out: UnsafeMutablePointer<Self>, _ loop: Loop2D)
    /// Like `applyBinary`, writing `true` where the comparison holds.
    static func applyComparison(_ op: ComparisonOp, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                                _ out: UnsafeMutablePointer<Bool>, _ loop: Loop2D)
    /// Reduces x viewed as (outer, length, inner) along the middle axis into out (outer, inner).
    static func reduce(_ op: ReductionOp, _ x: UnsafePointer<Self>, outer: Int, length: Int, inner: Int,
                       _ out: UnsafeMutablePointer<Self>)
    /// Index of the first maximum of x viewed as (outer, length, inner) along the middle axis.
    static func argmax(_ x: UnsafePointer<Self>, outer: Int, length: Int, inner: Int,
                       _ out: UnsafeMutablePointer<Int>)
    /// out[i] = mask[i] ? a[i] : b[i], all contiguous of `count` elements.
    static func select(_ mask: UnsafePointer<Bool>, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                       _ out: UnsafeMutablePointer<Self>, count: Int)
}

/// The element types a `Tensor` can do arithmetic on: `Float` and `Double`.
///
/// Every per-element loop lives behind one of these static requirements, each a one-line call into
/// `Kernels/` (`Elementwise/`, `Optimizers/`, `GEMM/`), so generic tensor code pays one dynamic dispatch
/// per kernel call and never one per element. The calls that are the same for both types are written once,
/// in the extension after the protocol (Float's and Double's witnesses are its specialisations); `Float`
/// and `Double` implement only what differs: the name, the image gather, the update's maths and the BLAS
/// routine. The requirements come in five groups: element-wise maths (`ElementwiseKernels`), the layers'
/// fused kernels, data loading, the optimizer update, and GEMM.
public protocol TensorScalar: ElementwiseKernels, BinaryFloatingPoint, SIMDScalar, Sendable, Codable,
    LosslessStringConvertible where RawSignificand: FixedWidthInteger {
    /// NumPy's name for the type: "float32" or "float64".
    static var dtypeName: String { get }

    // The layers' fused kernels: ReLU with its mask, masked gradients, softmax with cross-entropy.

    /// §5.5.1 ReLU forward in one pass: mask[i] = x[i] ≤ 0; y[i] = mask[i] ? 0 : x[i].
    static func reluForward(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, mask: UnsafeMutablePointer<Bool>,
                            count: Int)
    /// dx[i] = mask[i] ? 0 : dout[i] (ReLU's backward).
    static func maskedZero(_ dout: UnsafePointer<Self>, mask: UnsafePointer<Bool>, _ dx: UnsafeMutablePointer<Self>,
                           count: Int)
    /// §5.6.3 softmax with cross-entropy over `rows` rows of `columns` scores, in three passes with no
    /// temporaries: y = softmax(x) row by row (x − max first, so every exp ≤ 1) and the returned
    /// Σᵢ −Σ_c tᵢc·log yᵢc, with log y = (x − max) − log Σ exp(x − max) exactly; a zero target adds 0.
    static func softmaxCrossEntropy(_ x: UnsafePointer<Self>, _ t: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                                    rows: Int, columns: Int) -> Self

    // Data loading: image bytes to numbers (Kernels/Elementwise/ImageGatherKernels).

    /// dst[i] = Self(src[i]) / divisor: bytes (images) to numbers, e.g. divisor 255 to normalise to [0, 1]
    /// exactly as the book's `x /= 255.0`.
    static func convertBytes(_ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<Self>, count: Int, divisor: Self)
    /// Gathers images of `size` bytes: image k of dst (dst[k·size ..< (k+1)·size]) is the image at byte
    /// offset indices[k]·size of src, each byte converted as by `convertBytes`. Memory-bound on real data
    /// (random images from a 47 MB set), so it prefetches two images ahead; Float divides each byte
    /// (vectorised), Double looks it up in a 256-entry table of the same quotients (a Double division
    /// per pixel took 70 µs of a 0.6 ms TwoLayerNet step).
    static func gatherImages(_ src: UnsafePointer<UInt8>, indices: UnsafeBufferPointer<Int>, size: Int, divisor: Self,
                             _ dst: UnsafeMutablePointer<Self>)

    // Softmax-with-loss's targets and gradient (Kernels/Elementwise/SoftmaxCrossEntropyKernels).

    /// One-hot rows from class indices: out (count, classes) is zeroed, then out[i, t[i]] = 1. Returns the
    /// first i whose t[i] is not an integer in 0..<classes (out is then incomplete), or nil.
    static func oneHot(_ t: UnsafePointer<Self>, count: Int, classes: Int, _ out: UnsafeMutablePointer<Self>) -> Int?
    /// dx[i] = (y[i] − t[i])·scale: §5.6.3 softmax-with-loss backward, scale = dout / batch size.
    static func scaledDifference(_ y: UnsafePointer<Self>, _ t: UnsafePointer<Self>, scale: Self,
                                 _ dx: UnsafeMutablePointer<Self>, count: Int)

    // Matrix products: BLAS (OpenBLAS, or Accelerate on macOS).

    /// C = alpha·op(A)·op(B) + beta·C, row-major, through BLAS (`cblas_sgemm` / `cblas_dgemm`).
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     alpha: Self, _ a: UnsafePointer<Self>, lda: Int,
                     _ b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
}

@inline(__always)
private func cblasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE {
    t ? CblasTrans : CblasNoTrans
}

#if canImport(Accelerate)
@inline(__always) private func blasInt(_ v: Int) -> Int32 { Int32(v) }
#else
@inline(__always) private func blasInt(_ v: Int) -> blasint { blasint(v) }
#endif

/// The requirements whose implementation is the same for `Float` and `Double`: one call into the generic
/// kernel, which the compiler specialises for each type's witness (they stay requirements, so generic code
/// still dispatches once per kernel call).
extension TensorScalar {
    /// `unaryKernel`: y[i] = op(x[i]).
    public static func applyUnary(_ op: UnaryOp, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, count: Int) {
        unaryKernel(op, x, y, count)
    }
    /// `binaryKernel`: out[i·inner + j] = op(a[…], b[…]).
    public static func applyBinary(_ op: BinaryOp, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                                   _ out: UnsafeMutablePointer<Self>, _ loop: Loop2D) {
        binaryKernel(op, a, b, out, loop)
    }
    /// `comparisonKernel`: like `applyBinary`, writing `true` where the comparison holds.
    public static func applyComparison(_ op: ComparisonOp, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                                       _ out: UnsafeMutablePointer<Bool>, _ loop: Loop2D) {
        comparisonKernel(op, a, b, out, loop)
    }
    /// `reductionKernel` along the middle axis of (outer, length, inner).
    public static func reduce(_ op: ReductionOp, _ x: UnsafePointer<Self>, outer: Int, length: Int, inner: Int,
                              _ out: UnsafeMutablePointer<Self>) {
        reductionKernel(op, x, outer, length, inner, out)
    }
    /// `argmaxKernel` along the middle axis of (outer, length, inner).
    public static func argmax(_ x: UnsafePointer<Self>, outer: Int, length: Int, inner: Int,
                              _ out: UnsafeMutablePointer<Int>) {
        argmaxKernel(x, outer, length, inner, out)
    }
    /// `selectKernel`: out[i] = mask[i] ? a[i] : b[i].
    public static func select(_ mask: UnsafePointer<Bool>, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
                              _ out: UnsafeMutablePointer<Self>, count: Int) {
        selectKernel(mask, a, b, out, count)
    }
    /// `reluForwardKernel`: ReLU forward with its mask in one pass.
    public static func reluForward(_ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>, mask: UnsafeMutablePointer<Bool>,
                                   count: Int) {
        reluForwardKernel(x, y, mask, count)
    }
    /// `maskedZeroKernel`: dx[i] = mask[i] ? 0 : dout[i].
    public static func maskedZero(_ dout: UnsafePointer<Self>, mask: UnsafePointer<Bool>, _ dx: UnsafeMutablePointer<Self>,
                                  count: Int) {
        maskedZeroKernel(dout, mask, dx, count)
    }
    /// `softmaxCrossEntropyKernel`: softmax row by row and the summed cross-entropy.
    public static func softmaxCrossEntropy(_ x: UnsafePointer<Self>, _ t: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                                           rows: Int, columns: Int) -> Self {
        softmaxCrossEntropyKernel(x, t, y, rows, columns)
    }
    /// dst[i] = Self(src[i]) / divisor (a byte converts exactly to either type).
    public static func convertBytes(_ src: UnsafePointer<UInt8>, _ dst: UnsafeMutablePointer<Self>, count: Int, divisor: Self) {
        for i in 0..<count { dst[i] = Self(src[i]) / divisor }
    }
    /// `oneHotKernel`: one-hot rows from class indices.
    public static func oneHot(_ t: UnsafePointer<Self>, count: Int, classes: Int, _ out: UnsafeMutablePointer<Self>) -> Int? {
        oneHotKernel(t, count, classes, out)
    }
    /// dx[i] = (y[i] − t[i])·scale.
    public static func scaledDifference(_ y: UnsafePointer<Self>, _ t: UnsafePointer<Self>, scale: Self,
                                        _ dx: UnsafeMutablePointer<Self>, count: Int) {
        for i in 0..<count { dx[i] = (y[i] - t[i]) * scale }
    }
}

extension Float: TensorScalar {
    public static var dtypeName: String { "float32" }

    public static func gatherImages(_ src: UnsafePointer<UInt8>, indices: UnsafeBufferPointer<Int>, size: Int,
                                    divisor: Float, _ dst: UnsafeMutablePointer<Float>) {
        gatherImagesKernel(src, indices, size, dst) { s, d in
            for i in 0..<size { d[i] = Float(s[i]) / divisor }
        }
    }
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                            alpha: Float, _ a: UnsafePointer<Float>, lda: Int,
                            _ b: UnsafePointer<Float>, ldb: Int,
                            beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        _ = singleThreadedBLAS
        // Cut where OpenBLAS's small kernel would allocate (see `SmallKernelSplit`).
        SmallKernelSplit.forEachRun(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, width: 16,
                                    b, c) { columns, b, c in
            cblas_sgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                        blasInt(m), blasInt(columns), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb),
                        beta, c, blasInt(ldc))
        }
    }
}

extension Double: TensorScalar {
    public static var dtypeName: String { "float64" }

    public static func gatherImages(_ src: UnsafePointer<UInt8>, indices: UnsafeBufferPointer<Int>, size: Int,
                                    divisor: Double, _ dst: UnsafeMutablePointer<Double>) {
        func gather(_ table: UnsafeBufferPointer<Double>) {
            gatherImagesKernel(src, indices, size, dst) { s, d in
                for i in 0..<size { d[i] = table[Int(s[i])] }
            }
        }
        // The two divisors ImageSet uses read tables built once: a 2 KB temporary table would come from
        // the heap on every call (`withUnsafeTemporaryAllocation` keeps at most 1 KB on the stack).
        if divisor == 255 {
            byteTables.normalized.withUnsafeBufferPointer(gather)
        } else if divisor == 1 {
            byteTables.raw.withUnsafeBufferPointer(gather)
        } else {
            withUnsafeTemporaryAllocation(of: Double.self, capacity: 256) { table in
                for b in 0..<256 { table[b] = Double(b) / divisor }
                gather(UnsafeBufferPointer(table))
            }
        }
    }
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                            alpha: Double, _ a: UnsafePointer<Double>, lda: Int,
                            _ b: UnsafePointer<Double>, ldb: Int,
                            beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        _ = singleThreadedBLAS
        // Cut where OpenBLAS's small kernel would allocate (see `SmallKernelSplit`).
        SmallKernelSplit.forEachRun(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, width: 8,
                                    b, c) { columns, b, c in
            cblas_dgemm(CblasRowMajor, cblasTranspose(transposeA), cblasTranspose(transposeB),
                        blasInt(m), blasInt(columns), blasInt(k), alpha, a, blasInt(lda), b, blasInt(ldb),
                        beta, c, blasInt(ldc))
        }
    }
}

/// Double(b) / 255 and Double(b) for every byte value b, for `Double.gatherImages`.
private let byteTables: (normalized: [Double], raw: [Double]) = (
    (0..<256).map { Double($0) / 255 }, (0..<256).map { Double($0) }
)
