/// Where an operation writes its result batch after batch, so that a training step allocates nothing
/// once the shapes settle. Memory is reused only when nobody else holds it: a result you kept (say,
/// a layer's output you stored) is never overwritten, the operation takes new memory instead.
///
/// Layers keep one per result they produce (`ReusedTensor` for dx and loss outputs, `AlternatingBuffers`
/// for outputs the next layer keeps until its own next forward), and pass it to the named operations'
/// `into:` overloads (`zeroed(where:into:)`, `matmul(_:plus:into:)`, …), which equal the plain operations.
package protocol ResultBuffer<Scalar> {
    associatedtype Scalar
    /// Storage of `shape` whose every element the caller overwrites.
    mutating func take(shape: [Int]) -> Tensor<Scalar>
    /// `take(shape: [rows, columns])` without building that shape array when the storage is reused
    /// (a step then allocates nothing at all).
    mutating func take(rows: Int, columns: Int) -> Tensor<Scalar>
    /// Remembers a written result as storage for a later `take`.
    mutating func keep(_ result: Tensor<Scalar>)
}

/// One reused tensor: right for a result that nobody holds past the next step (a layer's dx). A layer
/// that shows the result as a property reads it from `last` (a second stored copy would be a second
/// holder, and the next step would have to copy instead of reuse).
struct ReusedTensor<Scalar>: ResultBuffer {
    /// The last result kept.
    private(set) var last: Tensor<Scalar>?

    init() {}

    package mutating func take(shape: [Int]) -> Tensor<Scalar> { reusable(&last, shape: shape) }
    package mutating func take(rows: Int, columns: Int) -> Tensor<Scalar> { reusable(&last, rows: rows, columns: columns) }
    package mutating func keep(_ result: Tensor<Scalar>) { last = result }
}

extension AlternatingBuffers: ResultBuffer {}

extension ResultBuffer {
    /// Takes storage of `shape`, lets `write` fill it, keeps it and returns it.
    @inline(__always)
    mutating func write(shape: [Int], _ write: (inout Tensor<Scalar>) -> Void) -> Tensor<Scalar> {
        var result = take(shape: shape)
        write(&result)
        keep(result)
        return result
    }

    /// `write(shape: [rows, columns], _:)`, building no shape array when the storage is reused.
    @inline(__always)
    mutating func write(rows: Int, columns: Int, _ write: (inout Tensor<Scalar>) -> Void) -> Tensor<Scalar> {
        var result = take(rows: rows, columns: columns)
        write(&result)
        keep(result)
        return result
    }
}
