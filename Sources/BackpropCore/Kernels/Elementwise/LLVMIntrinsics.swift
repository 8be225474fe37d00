/// Two LLVM intrinsics the hot loops need and Swift does not expose, bound by name with
/// `@_silgen_name` (the compiler checks the binding: a signature LLVM does not accept stops the build,
/// it cannot fail silently). Both are the same on x86-64 and ARM64; `LLVMIntrinsicsTests` checks values.

/// Square root of every lane, correctly rounded like `Float.squareRoot()` (one `sqrtps`/`sqrtpd`, or
/// `fsqrt` on ARM). Swift's own `squareRoot()` on Linux goes through C's `sqrtf`, which may set `errno`,
/// so every lane became a scalar square root with a test and a possible call: that made the Adam kernel
/// 19 % of an MLP training step. The intrinsic has no `errno`. Bound on 128-bit vectors, which are passed
/// in one vector register so the Swift call and the intrinsic agree on the signature (a 256-bit SIMD8 is
/// passed indirectly and the compiler rejects the binding).
@_silgen_name("llvm.sqrt.v4f32") func squareRoot128(_ x: SIMD4<Float>) -> SIMD4<Float>
@_silgen_name("llvm.sqrt.v2f64") func squareRoot128(_ x: SIMD2<Double>) -> SIMD2<Double>

@inline(__always) func vectorSquareRoot(_ x: SIMD8<Float>) -> SIMD8<Float> {
    SIMD8(lowHalf: squareRoot128(x.lowHalf), highHalf: squareRoot128(x.highHalf))
}
@inline(__always) func vectorSquareRoot(_ x: SIMD8<Double>) -> SIMD8<Double> {
    SIMD8(lowHalf: SIMD4(lowHalf: squareRoot128(x.lowHalf.lowHalf), highHalf: squareRoot128(x.lowHalf.highHalf)),
          highHalf: SIMD4(lowHalf: squareRoot128(x.highHalf.lowHalf), highHalf: squareRoot128(x.highHalf.highHalf)))
}

/// `llvm.prefetch(address, rw, locality, cache type)`: a hint, never a fault, whatever the address.
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ dataCache: Int32)

/// Asks the CPU to bring the cache line holding `address` in for reading, without waiting for it
/// (`prefetcht0` on x86-64, `prfm pldl1keep` on ARM64).
@inline(__always) func prefetchForReading(_ address: UnsafeRawPointer) {
    llvmPrefetch(address, 0, 3, 1)
}
