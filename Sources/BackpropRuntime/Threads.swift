// BackpropRuntime — what the kernels run on, below every tensor: how they share work among threads
// (`Threads.count`, `parallelChunks`, a batch split into runs of images by `ImageChunks`), the
// `WorkerPool` that runs them, BLAS's own threading, and the seeded random generator. Results never
// depend on which thread runs a chunk, only on how many chunks there are (WorkerPoolTests).
//
// Threads          `Threads`, `parallelChunks`, single-threaded BLAS, `BLASInfo`
// WorkerPool       the threads, started once and kept
// ImageChunks      a batch split into one run of images per thread
// SeededGenerator  xoshiro256** seeded through SplitMix64, and a portable logarithm

import Foundation
#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif

/// How many threads Backprop uses: matrix products shared out by rows, columns or inner dimension
/// (`sharedGemm`, behind `matmul` and Affine) or by images (`ImageChunks`, Convolution), and loops over
/// large tensors. OpenBLAS itself always runs single-threaded inside those (see `singleThreadedBLAS`).
///
/// Defaults to the number of active processors. Results do not depend on it except through summation
/// order where partial sums are split among threads (Convolution's ∂W and ∂b; products split by inner
/// dimension, such as SimpleConvNet's first Affine forward; up to the BLAS kernel's rounding, products
/// split by rows or columns); each of our parallel loops computes every element exactly as the serial
/// loop would.
public enum Threads {
    private static let state = ThreadState()

    /// The thread count. Must be ≥ 1.
    public static var count: Int {
        get { state.count }
        set {
            precondition(newValue >= 1, "Threads.count must be at least 1, got \(newValue)")
            state.count = newValue
        }
    }
}

private final class ThreadState: @unchecked Sendable {
    private let lock = NSLock()
    private var value = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
    var count: Int {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// Runs `body` over 0..<n split into contiguous chunks, one per thread, when n is large enough to pay
/// for the threads (at least `grain` elements per chunk); serially otherwise.
@inline(__always)
package func parallelChunks(_ n: Int, grain: Int = 1 << 17, _ body: (Range<Int>) -> Void) {
    let chunks = Swift.min(Threads.count, n / grain)
    if chunks <= 1 {
        body(0..<n)
        return
    }
    let size = (n + chunks - 1) / chunks
    WorkerPool.shared.run(chunks, threads: chunks) { c in
        let start = c * size
        body(start..<Swift.min(n, start + size))
    }
}

/// What OpenBLAS runs on, and the fix for CPUs newer than the OpenBLAS build.
public enum BLASInfo {
    /// The kernel family OpenBLAS picked ("Haswell", "SkylakeX", …), or "Accelerate" on macOS.
    public static var coreName: String {
        #if canImport(Accelerate)
        return "Accelerate"
        #else
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
        #endif
    }

    /// Whether BLAS has OpenBLAS's small-matrix kernels (SkylakeX-class kernel families; not Haswell's,
    /// not Accelerate), which `GemmBlocking` cuts products into pieces for.
    public static var hasSmallMatrixKernels: Bool {
        ["SkylakeX", "Cooperlake", "SapphireRapids"].contains(coreName)
    }

    /// The `OPENBLAS_CORETYPE` this CPU should use when OpenBLAS fell back to its generic SSE3 kernel
    /// ("Prescott") because it does not recognise the CPU (e.g. Debian 12's OpenBLAS 0.3.21 on
    /// Sapphire/Emerald Rapids, where sgemm runs 7× slower than it could). nil when nothing is to fix.
    public static func recommendedCoreType() -> String? {
        #if os(Linux) && arch(x86_64)
        guard coreName == "Prescott",
              let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if flags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) { return "SkylakeX" }
        if flags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
        #else
        return nil
        #endif
    }
}
