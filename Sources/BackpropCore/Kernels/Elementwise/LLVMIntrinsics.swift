/// An LLVM intrinsic the hot loops need and Swift does not expose, bound by name with `@_silgen_name`
/// (the compiler checks the binding: a signature LLVM does not accept stops the build, it cannot fail
/// silently). The same on x86-64 and ARM64; `LLVMIntrinsicsTests` checks it. (The vector square root,
/// bound the same way, is with the optimizers' update kernels in BackpropTraining.)

/// `llvm.prefetch(address, rw, locality, cache type)`: a hint, never a fault, whatever the address.
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(_ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ dataCache: Int32)

/// Asks the CPU to bring the cache line holding `address` in for reading, without waiting for it
/// (`prefetcht0` on x86-64, `prfm pldl1keep` on ARM64).
@inline(__always) func prefetchForReading(_ address: UnsafeRawPointer) {
    llvmPrefetch(address, 0, 3, 1)
}
