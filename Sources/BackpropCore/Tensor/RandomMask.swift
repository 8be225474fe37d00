extension SeededGenerator {
    /// The book's `np.random.rand(*shape) > ratio` (§6.4.3 Dropout): true where a uniform draw in [0, 1)
    /// exceeds `ratio`, one draw per element in row-major order. Written into `mask`'s storage when it
    /// has that shape and nobody else holds it, and stored back into `mask`.
    mutating func uniformMask(shape: [Int], above ratio: Double, into mask: inout Tensor<Bool>?) {
        var drawn = reusable(&mask, shape: shape)
        drawn.withUnsafeMutableBufferPointer { m in
            for i in 0..<m.count { m[i] = nextUniform() > ratio }
        }
        mask = drawn
    }
}
