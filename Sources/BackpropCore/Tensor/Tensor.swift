#if canImport(Glibc)
import Glibc
#endif

/// Asks Linux to back a large, not yet touched allocation with transparent huge pages, as NumPy does
/// for arrays of 4 MiB and more: far fewer page faults on first touch (a 40 MB result takes 10,000
/// faults in 4 KiB pages). A no-op elsewhere and for small buffers.
@inline(__always)
func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
    #if os(Linux)
    let huge = 2 << 20
    guard buffer.count >= 2 * huge, let base = buffer.baseAddress else { return }
    let start = (Int(bitPattern: base) + huge - 1) & ~(huge - 1)
    let end = (Int(bitPattern: base) + buffer.count) & ~(huge - 1)
    if end > start {
        _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE)
    }
    #endif
}

/// An n-dimensional array, row-major, with value semantics (copy-on-write).
///
/// `Tensor<Float>` and `Tensor<Double>` do arithmetic (see `TensorScalar`); `Tensor<Bool>` holds masks
/// from comparisons and `Tensor<Int>` holds indices (`argmax`). Assigning a tensor never copies its
/// elements; the first mutation of a shared tensor does.
///
///     let x = Tensor<Double>(shape: [2, 2], scalars: [1, -0.5, -2, 3])
///     let y = x * 2 + 1            // broadcasting as NumPy
///     print(y.sum(axis: 0))        // [-2.  6.]
public struct Tensor<Scalar> {
    /// The extent of each axis; `[]` for a 0-d tensor (one element).
    public internal(set) var shape: [Int]
    /// The elements in row-major order.
    public package(set) var scalars: [Scalar]

    /// A tensor of the given shape over `scalars` (row-major). Stops if the counts disagree.
    public init(shape: [Int], scalars: [Scalar]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor(shape:scalars:): negative dimension in shape \(shape)")
        let count = shape.reduce(1, *)
        precondition(count == scalars.count,
                     "Tensor(shape:scalars:): shape \(shape) holds \(count) elements but \(scalars.count) were given")
        self.shape = shape
        self.scalars = scalars
    }

    /// A 1-d tensor of the given elements.
    public init(_ scalars: [Scalar]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    /// A 2-d tensor from rows of equal length. Stops if the rows are ragged.
    public init(_ rows: [[Scalar]]) {
        let width = rows.first?.count ?? 0
        for (i, row) in rows.enumerated() where row.count != width {
            preconditionFailure("Tensor(rows): row 0 has \(width) elements but row \(i) has \(row.count)")
        }
        self.init(shape: [rows.count, width], scalars: rows.flatMap { $0 })
    }

    /// A 0-d tensor holding one element.
    public init(_ scalar: Scalar) {
        self.init(shape: [], scalars: [scalar])
    }

    /// A tensor of the given shape with every element equal to `value`.
    public init(repeating value: Scalar, shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor(repeating:shape:): negative dimension in shape \(shape)")
        self.init(shape: shape, scalars: Array(repeating: value, count: shape.reduce(1, *)))
    }

    /// A tensor of the given shape whose elements are written by `body` into uninitialised storage.
    /// `body` must initialise every element.
    @usableFromInline
    package init(shape: [Int], unsafeUninitialized body: (UnsafeMutableBufferPointer<Scalar>) -> Void) {
        let count = shape.reduce(1, *)
        self.shape = shape
        self.scalars = Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 {
                adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
                body(buffer)
            }
            initialized = count
        }
    }

    /// The number of elements.
    public var count: Int { scalars.count }
    /// The number of axes.
    public var rank: Int { shape.count }

    /// The only element of a tensor with one element (any rank). Stops otherwise.
    public var scalar: Scalar {
        precondition(scalars.count == 1, "Tensor.scalar: tensor of shape \(shape) has \(scalars.count) elements, not 1")
        return scalars[0]
    }

    /// Reads or writes the element at a full index, one integer per axis (negative counts from the end).
    public subscript(_ index: Int...) -> Scalar {
        get { scalars[offset(of: index)] }
        set { scalars[offset(of: index)] = newValue }
    }

    /// Row-major offset of a full index. Stops on a wrong number of indices or one out of range.
    func offset(of index: [Int]) -> Int {
        precondition(index.count == shape.count,
                     "Tensor subscript: \(index.count) indices for a tensor of shape \(shape)")
        var offset = 0
        for (axis, i) in index.enumerated() {
            let n = shape[axis]
            let j = i < 0 ? i + n : i
            precondition(j >= 0 && j < n, "Tensor subscript: index \(i) is out of range for axis \(axis) of shape \(shape)")
            offset = offset * n + j
        }
        return offset
    }

    /// Calls `body` with the elements' contiguous storage.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try scalars.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the elements' contiguous storage for writing (copies first if shared).
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        try scalars.withUnsafeMutableBufferPointer(body)
    }

    /// Applies `transform` to every element (a convenience for non-hot code; kernels are faster).
    public func map<R>(_ transform: (Scalar) throws -> R) rethrows -> Tensor<R> {
        Tensor<R>(shape: shape, scalars: try scalars.map(transform))
    }
}

extension Tensor: Equatable where Scalar: Equatable {}
extension Tensor: Hashable where Scalar: Hashable {}
extension Tensor: Sendable where Scalar: Sendable {}

extension Tensor where Scalar: Numeric {
    /// A tensor of zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }
    /// A tensor of ones.
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(repeating: 1, shape: shape) }
    /// A tensor with every element equal to `value`.
    public static func full(_ shape: [Int], _ value: Scalar) -> Tensor { Tensor(repeating: value, shape: shape) }
    /// A zero tensor of another tensor's shape.
    public static func zeros<T>(like other: Tensor<T>) -> Tensor { zeros(other.shape) }
}

extension Tensor where Scalar: TensorScalar {
    /// 0, 1, …, end − 1 (NumPy's `arange(end)`).
    public static func arange(_ end: Scalar) -> Tensor { arange(0, end) }

    /// Evenly spaced values in [start, end) with the given step, as NumPy's `arange`.
    public static func arange(_ start: Scalar, _ end: Scalar, step: Scalar = 1) -> Tensor {
        precondition(step != 0 && step.isFinite, "Tensor.arange: step must be finite and non-zero, got \(step)")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<n).map { start + Scalar($0) * step })
    }
}

extension Tensor: ExpressibleByFloatLiteral where Scalar: TensorScalar {
    /// A 0-d tensor from a literal: `let t: Tensor<Double> = 2.5`.
    public init(floatLiteral value: Double) { self.init(Scalar(value)) }
}

extension Tensor: ExpressibleByIntegerLiteral where Scalar: TensorScalar {
    /// A 0-d tensor from a literal: `let t: Tensor<Float> = 3`.
    public init(integerLiteral value: Int) { self.init(Scalar(value)) }
}

/// A tensor for a layer to overwrite: the one in `slot` when `fits(its shape)` — taken out of the
/// slot, so that unless someone else still holds it, writing into it copies and allocates nothing —
/// else a new one of `shape()` with uninitialised elements (the caller writes every element).
/// Layers store the result back in `slot` afterwards, so the next batch of the same size reuses it.
/// A tensor still held elsewhere (a value returned earlier and kept by the caller) is copied on write,
/// as any `Tensor`: reuse never changes a value someone else sees. `fits` compares extents one by one,
/// so that a reused tensor costs no new shape array.
@inline(__always)
package func reusable<Scalar>(_ slot: inout Tensor<Scalar>?, if fits: ([Int]) -> Bool,
                      else shape: () -> [Int]) -> Tensor<Scalar> {
    if let tensor = slot, fits(tensor.shape) {
        slot = nil
        return tensor
    }
    return Tensor(shape: shape(), unsafeUninitialized: { _ in })
}

/// `reusable(_:if:else:)` for a tensor of exactly `shape`.
@inline(__always)
package func reusable<Scalar>(_ slot: inout Tensor<Scalar>?, shape: [Int]) -> Tensor<Scalar> {
    reusable(&slot, if: { $0 == shape }, else: { shape })
}

/// `reusable(_:if:else:)` for a (rows, columns) matrix.
@inline(__always)
package func reusable<Scalar>(_ slot: inout Tensor<Scalar>?, rows: Int, columns: Int) -> Tensor<Scalar> {
    reusable(&slot, if: { $0.count == 2 && $0[0] == rows && $0[1] == columns }, else: { [rows, columns] })
}

/// Two buffers for a layer's output, used in turn. The next layer keeps the output it was given (for
/// its backward) until its own next forward, so when a new batch comes the last output is still held
/// and only the one from the batch before is free: writing into that one allocates nothing.
package struct AlternatingBuffers<Scalar> {
    private var first: Tensor<Scalar>?
    private var second: Tensor<Scalar>?
    private var useSecond = false

    package init() {}

    /// This turn's buffer, taken out (nil at first, or after `keep` was not called).
    package mutating func takeSlot() -> Tensor<Scalar>? {
        defer { if useSecond { second = nil } else { first = nil } }
        return useSecond ? second : first
    }

    /// A tensor of `shape` to overwrite (see `reusable`): this turn's buffer when it has that shape.
    package mutating func take(shape: [Int]) -> Tensor<Scalar> {
        var slot = takeSlot()
        return reusable(&slot, shape: shape)
    }

    /// A (rows, columns) matrix to overwrite, as `take(shape:)` but building no shape array when reused.
    package mutating func take(rows: Int, columns: Int) -> Tensor<Scalar> {
        var slot = takeSlot()
        return reusable(&slot, rows: rows, columns: columns)
    }

    /// Keeps `tensor` as this turn's buffer; the next `take` uses the other one.
    package mutating func keep(_ tensor: Tensor<Scalar>) {
        if useSecond { second = tensor } else { first = tensor }
        useSecond.toggle()
    }
}
