/// A kernel's scratch memory: `count` elements, zeroed when made, the first on a 64-byte boundary (one
/// cache line), so that the kernel's regions, laid out at multiples of 64 bytes from it, start lines.
///
/// A Swift array's elements start 32 bytes into a 16-byte-aligned allocation, so scratch kept in a tensor
/// began 0, 16, 32 or 48 bytes into a line, and which of the four changed from run to run with the order
/// of allocations; OpenBLAS's 64-byte loads from it then crossed lines. SimpleConvNet's convolution group
/// (`bench model --model cnn --threads 1 --layers`, three rounds of the four offsets alternating) took
/// 1.60–1.63 / 1.38–1.39 ms forward / backward with its scratch on a line, 1.68–1.96 / 1.68–1.91 ms off
/// it, and the step 5.56–5.64 ms against 5.98–6.52.
final class ScratchSpace<Scalar: TensorScalar> {
    /// The first element.
    let base: UnsafeMutablePointer<Scalar>
    /// How many elements there are.
    let count: Int
    /// The alignment of `base` in bytes.
    static var alignment: Int { 64 }

    /// `elements` rounded up to a multiple of 16 (64 bytes of Float, 128 of Double): where the next region
    /// of a layout starts so that it starts a cache line too.
    static func lineUp(_ elements: Int) -> Int { (elements + 15) / 16 * 16 }

    /// `count` zeros (none: an empty space that allocates nothing to speak of).
    init(count: Int) {
        precondition(count >= 0, "ScratchSpace(count:): negative count \(count)")
        let allocated = Self.allocated(count)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: allocated * MemoryLayout<Scalar>.stride,
                                                   alignment: Self.alignment)
        base = raw.bindMemory(to: Scalar.self, capacity: allocated)
        base.initialize(repeating: 0, count: allocated)
        self.count = count
    }

    deinit {
        base.deinitialize(count: Self.allocated(count))
        base.deallocate()
    }

    /// Elements allocated for `count`: at least one, so that even an empty space has a base.
    private static func allocated(_ count: Int) -> Int { Swift.max(count, 1) }

    /// Runs `body` on the elements (the same memory on every call).
    @inline(__always)
    func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: base, count: count))
    }

    /// Runs `body` on the elements, read only.
    @inline(__always)
    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }
}
