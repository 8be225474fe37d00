import Foundation

// The mask kernels behind ReLU, LeakyReLU and Dropout: one pass each, compiled once per type.

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

