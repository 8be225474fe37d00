/// Turns an array's raw bytes as NumPy stores them (either byte order, C or Fortran order) into the
/// little-endian, C-order (row-major) bytes that `StoredTensor` and Backprop's tensors hold.
enum ArrayLayout {
    /// The bytes of `count = product(shape)` elements of `elementSize` bytes, reordered: each element's
    /// bytes reversed when `bigEndian`, and elements moved from column-major to row-major positions when
    /// `fortranOrder` (element (i0, i1, …) sits at i0 + d0·(i1 + d1·(i2 + …)) in Fortran order and at
    /// ((i0·d1 + i1)·d2 + i2)… in C order). `bytes.count` must be `count · elementSize`.
    static func littleEndianCOrder(_ bytes: ArraySlice<UInt8>, elementSize: Int, shape: [Int],
                                   bigEndian: Bool, fortranOrder: Bool) -> [UInt8] {
        let count = shape.reduce(1, *)
        precondition(bytes.count == count * elementSize, "ArrayLayout: \(bytes.count) bytes for \(count) elements of \(elementSize)")
        let reorder = fortranOrder && shape.count > 1 && count > 0
        if !reorder && !bigEndian { return Array(bytes) }
        var out = [UInt8](repeating: 0, count: bytes.count)
        // C-order strides, in elements.
        var strides = [Int](repeating: 1, count: shape.count)
        for k in stride(from: shape.count - 2, through: 0, by: -1) { strides[k] = strides[k + 1] * shape[k + 1] }
        var index = [Int](repeating: 0, count: shape.count)
        bytes.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { destination in
                var target = 0  // C-order position of source element s
                for s in 0..<count {
                    let (from, to) = (s * elementSize, (reorder ? target : s) * elementSize)
                    for b in 0..<elementSize {
                        destination[to + b] = source[from + (bigEndian ? elementSize - 1 - b : b)]
                    }
                    guard reorder else { continue }
                    // Next Fortran position: the first axis runs fastest.
                    var k = 0
                    while k < shape.count {
                        index[k] += 1
                        target += strides[k]
                        if index[k] < shape[k] { break }
                        target -= shape[k] * strides[k]
                        index[k] = 0
                        k += 1
                    }
                }
            }
        }
        return out
    }

    /// The bytes of a little-endian C-order array in the other byte order (for writing big-endian `.npy`).
    static func byteSwapped(_ bytes: [UInt8], elementSize: Int) -> [UInt8] {
        var out = bytes
        for start in stride(from: 0, to: bytes.count, by: elementSize) {
            for b in 0..<elementSize { out[start + b] = bytes[start + elementSize - 1 - b] }
        }
        return out
    }
}
