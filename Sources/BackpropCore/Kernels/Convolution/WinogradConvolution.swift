import Foundation

/// §7.4.3's convolution for a 3×3 filter at stride 1 by Winograd's F(4×4, 3×3), batched as Lavin & Gray
/// (2016): it equals out = conv(x) + b (the layer's `.fast` and `.book` algorithms) up to rounding, and
/// its backward (WinogradBackward.swift) the book's db, dW and dx (WinogradConvolutionTests hold them to
/// the definition in Double, WinogradFloatBoundTests within a derived bound in Float).
///
/// The batch is cut into groups of images with about `targetTiles` 4×4 output tiles between them; for each
/// group the input planes are transformed into V (36, C, P), the 36 products M[ξν] = U[ξν]·V[ξν] are one BLAS
/// call each, and M is transformed back into the output planes. Filters are transformed once per forward or
/// backward into U (36, FN, C). With several threads the batch is split into runs (`ImageChunks`), each cutting
/// its own images into groups on its own scratch; every output element is computed by the same operations
/// whatever the split, except that BLAS may sum a product's terms in another order for another group width — so
/// results are bit-identical run after run at one thread count, as everywhere in Backprop.
///
/// - forward: x (N, C, H, W) → out (N, FN, OH, OW), with W (FN, C, 3, 3) and b (FN,).
/// - backward: dout (N, FN, OH, OW) and the forward's x → dx (N, C, H, W), dW (FN, C, 3, 3), db (FN,).
/// - Keeps nothing for backward but its scratch and the last out and dx (reused when the caller has let go).
final class WinogradConvolution<Scalar: TensorScalar> {
    /// One correlation's sizes: input (batch, inputs, height, width) padded by `pad`, a 3×3 filter,
    /// output (batch, outputs, outHeight, outWidth) with outHeight = height + 2·pad − 2.
    struct Geometry: Equatable {
        var batch: Int, inputs: Int, outputs: Int, height: Int, width: Int, pad: Int
        var outHeight: Int { height + 2 * pad - 2 }
        var outWidth: Int { width + 2 * pad - 2 }
        var tilesPerImage: Int { WinogradTransforms.tilesPerPlane(height: outHeight, width: outWidth) }
        /// Images per group: enough for about `targetTiles` tiles (at least one image).
        var groupImages: Int { Swift.max(1, Swift.min(batch, Geometry.targetTiles / tilesPerImage)) }
        /// Tiles per group: wide enough products for BLAS, small enough for V and M to stay in the core's
        /// cache. Measured on DeepConvNet (Float, one thread): 96 took 1.09–1.14× the time of 48 on the 8×8
        /// layers (the same on the 16×16 forward); with F(2×2), 256 and 512 were 1.3× slower.
        static var targetTiles: Int { 48 }
        /// An input plane's scratch (the input transform's, and the backward's dx plane).
        var plane: WinogradTransforms.InputPlane {
            .init(height: height, width: width, pad: pad, tilesHigh: WinogradTransforms.tiles(outHeight),
                  tilesWide: WinogradTransforms.tiles(outWidth))
        }
        /// A dout plane's scratch (the backward's).
        var outputPlane: WinogradTransforms.OutputPlane { .init(height: outHeight, width: outWidth) }
    }

    /// Where one run's scratch sits within its slice of `workspace` (offsets in elements).
    /// The padded plane's scratch at 0, then V (36, inputs, P), M (36, outputs, P) and the group's output
    /// (images, outputs, OH, OW) when it is handed over group by group.
    struct Scratch: Equatable {
        var plane: Int, transformed: Int, products: Int, output: Int
        var v: Int { (plane + 15) / 16 * 16 }
        var m: Int { v + transformed }
        var groupOutput: Int { (m + products + 15) / 16 * 16 }
        /// The distance between V's (or M's) 36 blocks of `elements`: one 64-byte line more than a whole
        /// number of lines, so that the blocks the transforms read or write together never fall into
        /// the same cache sets (a multiple of 4 KB apart they did, and the transforms ran 2–3× slower).
        static func blockStride(_ elements: Int) -> Int { (elements + 15) / 16 * 16 + 16 }
        /// Elements per run, rounded up to 64 bytes.
        var size: Int { (groupOutput + output + 15) / 16 * 16 }
        init(_ g: Geometry) {
            let p = g.groupImages * g.tilesPerImage
            plane = g.plane.elements
            transformed = WinogradTransforms.positions * Self.blockStride(g.inputs * p)
            products = WinogradTransforms.positions * Self.blockStride(g.outputs * p)
            output = g.groupImages * g.outputs * g.outHeight * g.outWidth
        }
    }

    /// Per-run scratch, zeroed when laid out (the padded planes' borders stay 0), and its layout.
    private var workspace = ScratchSpace<Scalar>(count: 0)
    private var workspaceLayout: (geometry: Geometry, runs: Int)?
    /// U: the transformed filters (36, FN, C).
    private(set) var filters = ScratchSpace<Scalar>(count: 0)
    /// A copy of the W (and its shape) that `filters` was transformed from.
    private var filtersSource: [Scalar] = []
    private var filtersSourceShape: [Int] = []
    /// The backward's per-run scratch (`GradientScratch`) and its layout.
    var gradientWorkspace = ScratchSpace<Scalar>(count: 0)
    var gradientLayout: (geometry: Geometry, runs: Int)?
    private var outputBuffer: Tensor<Scalar>?
    var inputGradientBuffer: Tensor<Scalar>?
    /// Forces the number of runs (nil: as `ImageChunks` decides from the thread count). For tests.
    var runsOverride: Int?

    init() {}

    /// Which of a convolution's passes a rule is asked about: out (forward), or dx and dW (backward).
    enum Product { case output, gradients }

    /// Whether Winograd is used, when the layer chooses (`LayerAlgorithm.automatic`), for `product` of a
    /// convolution with `inputs` (C) and `outputs` (FN) channels and an `outHeight`×`outWidth` output. A fixed
    /// rule of the geometry, never a timing, so the same seed gives the same numbers. Set by measurement (one
    /// thread, batch 100, Float, DeepConvNet's six convolutions, `backprop bench model --layers` in alternating
    /// rounds, medians; the Performance article has the table). Forward against `.fast`: 0.84× the time at
    /// 32→64 and 0.52× at 64→64 channels (8×8 out), 0.89× at 32→32 (16×16), but 1.2× at 16→32 (14×14) and 1.4×
    /// at 16→16 (28×28), where the transforms (C + FN planes per tile) cost more than the products (C·FN)
    /// save — wider groups of tiles did not help there. Backward (dx, dW and db together): 0.71× and 0.61× at
    /// 32→64 and 64→64 (8×8), but 1.16× at 32→32 (16×16), 1.14× at 16→32 and 1.46× at 16→16: on large planes
    /// `.fast`'s per-image products are wide enough for BLAS and Winograd's four transforms (x, dout, ∂V, ∂U)
    /// cost more than the products save.
    static func pays(_ product: Product, inputs: Int, outputs: Int, outHeight: Int, outWidth: Int) -> Bool {
        switch product {
        case .output: inputs >= 32 && outHeight >= 4 && outWidth >= 4
        case .gradients: inputs >= 32 && outHeight * outWidth <= 64 && outHeight >= 4 && outWidth >= 4
        }
    }

    /// The geometry of the convolution over window `g` with `outputs` filters.
    func geometry(_ g: SlidingWindow, outputs fn: Int) -> Geometry {
        Geometry(batch: g.batch, inputs: g.channels, outputs: fn, height: g.height, width: g.width, pad: g.pad)
    }

    /// out = conv(x) + b for window `g` (3×3, stride 1, checked by the layer).
    func forward(_ x: Tensor<Scalar>, _ g: SlidingWindow, weight w: Tensor<Scalar>, bias b: Tensor<Scalar>) -> Tensor<Scalar> {
        let fn = w.shape[0]
        var out = reusable(&outputBuffer, shape: [g.batch, fn, g.outHeight, g.outWidth])
        guard out.count > 0 else { return out }
        out.withUnsafeMutableBufferPointer { po in
            correlate(x, geometry(g, outputs: fn), weight: w, bias: b, into: po.baseAddress!, eachImage: nil)
        }
        outputBuffer = out
        return out
    }

    /// out = conv(x) + b group by group into the run's scratch, `eachImage(outᵢ, images)` right after each
    /// group's output is written, outᵢ its (images.count, FN, OH, OW) block, valid only during the call.
    /// No whole out is written.
    func forward(_ x: Tensor<Scalar>, _ g: SlidingWindow, weight w: Tensor<Scalar>, bias b: Tensor<Scalar>,
                 eachImage: (UnsafePointer<Scalar>, Range<Int>) -> Void) {
        withoutActuallyEscaping(eachImage) { eachImage in
            correlate(x, geometry(g, outputs: w.shape[0]), weight: w, bias: b, into: nil, eachImage: eachImage)
        }
    }

    /// Lays `workspace` out for `runs` runs of `geometry`, zeroed; keeps it when it already is.
    private func prepareWorkspace(_ geometry: Geometry, runs: Int) {
        if let layout = workspaceLayout, layout.geometry == geometry, layout.runs == runs { return }
        workspace = ScratchSpace(count: runs * Scratch(geometry).size)
        workspaceLayout = (geometry, runs)
    }

    /// U = G·g·Gᵀ of every filter of W (FN, C, 3, 3), into `filters` — unless `filters` already holds the
    /// transform of a W with the same shape and bits (`filtersSource`), as when backward follows its
    /// forward: then U is kept as it is.
    func transformFilters(_ w: Tensor<Scalar>) {
        let count = WinogradTransforms.positions * w.shape[0] * w.shape[1]
        if filters.count != count { filters = ScratchSpace(count: count) }
        w.withUnsafeBufferPointer { pw in
            if filtersSource.count == pw.count && filtersSourceShape == w.shape,
               memcmp(filtersSource, pw.baseAddress!, pw.count * MemoryLayout<Scalar>.stride) == 0 { return }
            filters.withUnsafeMutableBufferPointer { pu in
                WinogradTransforms.transformFilters(pw.baseAddress!, filters: w.shape[0], channels: w.shape[1], into: pu.baseAddress!)
            }
            if filtersSource.count == pw.count {
                filtersSource.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: pw.baseAddress!, count: pw.count) }
            } else {
                filtersSource = Array(pw)
            }
            filtersSourceShape = w.shape
        }
    }

    /// out (batch, outputs, OH, OW) = the correlation of x (batch, inputs, H, W), padded by `g.pad`, with
    /// W, plus b: into `out`, or (nil) group by group into the runs' scratch for `eachImage`.
    private func correlate(_ x: Tensor<Scalar>, _ g: Geometry, weight w: Tensor<Scalar>, bias b: Tensor<Scalar>,
                           into out: UnsafeMutablePointer<Scalar>?, eachImage: ((UnsafePointer<Scalar>, Range<Int>) -> Void)?) {
        guard g.batch > 0 else { return }
        transformFilters(w)
        let chunks = ImageChunks(images: g.batch, workPerImage: 9 * g.inputs * g.outputs * g.outHeight * g.outWidth,
                                 chunks: runsOverride)
        prepareWorkspace(g, runs: chunks.count)
        let scratch = Scratch(g)
        x.withUnsafeBufferPointer { px in
            filters.withUnsafeBufferPointer { pu in
                b.withUnsafeBufferPointer { pb in
                    workspace.withUnsafeMutableBufferPointer { pws in
                        let operands = Operands(x: px.baseAddress!, u: pu.baseAddress!, bias: pb.baseAddress!,
                                                out: out, geometry: g, scratch: scratch)
                        let ws = pws.baseAddress!
                        chunks.run { run, images in
                            var first = images.lowerBound
                            while first < images.upperBound {
                                let last = Swift.min(first + g.groupImages, images.upperBound), slice = ws + run * scratch.size
                                Self.group(first..<last, operands, slice: slice)
                                eachImage?(slice + scratch.groupOutput, first..<last)
                                first = last
                            }
                        }
                    }
                }
            }
        }
    }

    /// What every group reads and writes.
    private struct Operands {
        let x: UnsafePointer<Scalar>, u: UnsafePointer<Scalar>, bias: UnsafePointer<Scalar>
        /// The whole out, or nil: each group's into its run's scratch.
        let out: UnsafeMutablePointer<Scalar>?
        let geometry: Geometry, scratch: Scratch
    }

    /// One group of images on its run's scratch `slice`: V = Bᵀ·d·B of every plane, M[ξν] = U[ξν]·V[ξν]
    /// (36 BLAS calls), out = Aᵀ·M·A + b (into the whole out, or the group's scratch).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private static func group(_ images: Range<Int>, _ o: Operands, slice: UnsafeMutablePointer<Scalar>) {
        let g = o.geometry, s = o.scratch
        let tiles = g.tilesPerImage, p = images.count * tiles
        let (ci, co) = (g.inputs, g.outputs)
        let v = slice + s.v, m = slice + s.m
        let inSize = g.height * g.width, outSize = g.outHeight * g.outWidth
        let vStride = Scratch.blockStride(ci * p), mStride = Scratch.blockStride(co * p)
        let out = o.out.map { $0 + images.lowerBound * co * outSize } ?? slice + s.groupOutput
        for (k, n) in images.enumerated() {
            for c in 0..<ci {
                WinogradTransforms.transformInput(o.x + (n * ci + c) * inSize, g.plane, scratch: slice,
                                                  into: v + c * p + k * tiles, blockStride: vStride)
            }
        }
        for t in 0..<WinogradTransforms.positions {
            blockedGemm(transposeA: false, transposeB: false, m: co, n: p, k: ci,
                        alpha: 1, o.u + t * co * ci, lda: ci, v + t * vStride, ldb: p,
                        beta: 0, m + t * mStride, ldc: p)
        }
        for k in 0..<images.count {
            for f in 0..<co {
                WinogradTransforms.transformOutput(m + f * p + k * tiles, blockStride: mStride, bias: o.bias[f],
                                                   outHeight: g.outHeight, outWidth: g.outWidth,
                                                   staging: slice + g.plane.staging, into: out + (k * co + f) * outSize)
            }
        }
    }
}
