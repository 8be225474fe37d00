/// out (columns, rows) = aᵀ for a row-major (rows, columns) matrix a; out has leading dimension `rows`.
///
/// Used where a layer needs a small matrix the other way round for a faster product (Convolution's
/// doutₙᵀ) and for Convolution's [∂W | ∂b]ᵀ. Moves 4×4 blocks through SIMD registers (4 loads, 4
/// stores): measured 5.9 µs for a (16, 784) Float matrix against 19–22 µs element by element.
func transposeMatrix<T: TensorScalar>(_ a: UnsafePointer<T>, rows: Int, columns: Int, into out: UnsafeMutablePointer<T>) {
    if T.self == Float.self {
        transposeKernel(UnsafeRawPointer(a).assumingMemoryBound(to: Float.self),
                        UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self), rows, columns)
    } else if T.self == Double.self {
        transposeKernel(UnsafeRawPointer(a).assumingMemoryBound(to: Double.self),
                        UnsafeMutableRawPointer(out).assumingMemoryBound(to: Double.self), rows, columns)
    } else {
        for r in 0..<rows {
            for c in 0..<columns { out[c * rows + r] = a[r * columns + c] }
        }
    }
}

@inline(never)
private func transposeKernel<F: BinaryFloatingPoint & SIMDScalar>(_ a: UnsafePointer<F>, _ out: UnsafeMutablePointer<F>,
                                                                  _ rows: Int, _ columns: Int) {
    var r = 0
    while r + 4 <= rows {
        let row0 = a + r * columns, row1 = row0 + columns, row2 = row1 + columns, row3 = row2 + columns
        var c = 0
        while c + 4 <= columns {
            let a0 = UnsafeRawPointer(row0 + c).loadUnaligned(as: SIMD4<F>.self)
            let a1 = UnsafeRawPointer(row1 + c).loadUnaligned(as: SIMD4<F>.self)
            let a2 = UnsafeRawPointer(row2 + c).loadUnaligned(as: SIMD4<F>.self)
            let a3 = UnsafeRawPointer(row3 + c).loadUnaligned(as: SIMD4<F>.self)
            let o = out + c * rows + r
            UnsafeMutableRawPointer(o).storeBytes(of: SIMD4(a0[0], a1[0], a2[0], a3[0]), as: SIMD4<F>.self)
            UnsafeMutableRawPointer(o + rows).storeBytes(of: SIMD4(a0[1], a1[1], a2[1], a3[1]), as: SIMD4<F>.self)
            UnsafeMutableRawPointer(o + 2 * rows).storeBytes(of: SIMD4(a0[2], a1[2], a2[2], a3[2]), as: SIMD4<F>.self)
            UnsafeMutableRawPointer(o + 3 * rows).storeBytes(of: SIMD4(a0[3], a1[3], a2[3], a3[3]), as: SIMD4<F>.self)
            c += 4
        }
        while c < columns {
            out[c * rows + r] = row0[c]
            out[c * rows + r + 1] = row1[c]
            out[c * rows + r + 2] = row2[c]
            out[c * rows + r + 3] = row3[c]
            c += 1
        }
        r += 4
    }
    while r < rows {
        for c in 0..<columns { out[c * rows + r] = a[r * columns + c] }
        r += 1
    }
}
