/// A batch of images split into a fixed number of contiguous chunks for layers that make one small
/// BLAS call per image (Convolution): the chunks run concurrently, each thread running a chunk's calls
/// on its own, which scales with the thread count where OpenBLAS threading each small call does not.
/// There is one chunk per thread: two per thread, handed out as threads came free, were meant to keep a
/// thread slowed down by another process from holding the others up, but measured slower on DeepConvNet
/// (one per thread 1.04–1.10× faster in 6 of 7 runs alternating the two step by step, SimpleConvNet
/// 0.98–1.03×): more partial sums to add and more scratch to keep in cache. Measured again on the
/// worker pool (`WorkerPool`), 100 DeepConvNet steps per run: one per thread took 0.97–0.99× the time
/// of two per thread and 0.94–1.00× that of four, in three runs each.
///
/// The split depends only on the batch size, the work per image and `Threads.count` (never on which
/// thread runs a chunk), so a layer that keeps one partial result per chunk and sums the partials in
/// chunk order is bit-identical run after run at one thread count.
package struct ImageChunks: Sendable {
    /// Images in the batch.
    package let images: Int
    /// Chunks (1 = run serially on the calling thread).
    package let count: Int

    /// Below this many multiply-adds per chunk, another chunk costs more than it saves.
    package static let minimumWorkPerChunk = 1 << 21
    /// Chunks per thread when there are several threads.
    package static let chunksPerThread = 1

    /// With one thread, one chunk; with several, `chunksPerThread` per thread (at most one per image),
    /// as long as each gets at least `minimumWorkPerChunk` multiply-adds of `workPerImage`. `chunks`
    /// forces a count (for tests: the result must not depend on it except through summation order).
    package init(images: Int, workPerImage: Int, chunks: Int? = nil) {
        self.images = images
        if let chunks {
            count = Swift.max(1, Swift.min(chunks, images))
        } else if Threads.count == 1 {
            count = 1
        } else {
            let affordable = images * workPerImage / ImageChunks.minimumWorkPerChunk
            count = Swift.max(1, Swift.min(Threads.count * ImageChunks.chunksPerThread, images, affordable))
        }
    }

    /// The images of chunk `c`: an even split.
    package func range(_ c: Int) -> Range<Int> {
        (c * images / count)..<((c + 1) * images / count)
    }

    /// Runs `body(c, range(c))` for every chunk, concurrently when there are several (each chunk's BLAS
    /// calls single-threaded, as all of Backprop's: `singleThreadedBLAS`).
    package func run(_ body: (Int, Range<Int>) -> Void) {
        if count == 1 {
            body(0, range(0))
            return
        }
        // Each chunk writes only its own images and its own scratch.
        WorkerPool.shared.run(count, threads: count) { c in body(c, range(c)) }
    }
}
