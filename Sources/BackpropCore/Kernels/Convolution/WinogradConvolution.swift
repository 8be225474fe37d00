/// §7.4.3's convolution for a 3×3 filter at stride 1 by Winograd's F(2×2, 3×3) or F(4×4, 3×3)
/// (`WinogradTile`, chosen by `tile(_:…)`), batched as Lavin & Gray (2016): it equals out = conv(x) + b
/// (the layer's `.fast` and `.book` algorithms) up to rounding, and its backward (WinogradBackward.swift)
/// the book's db, dW and dx (WinogradConvolutionTests and Winograd4x4Tests hold them to the definition,
/// in Double and within derived bounds in Float).
///
/// The batch is cut into groups of images with about `targetTiles` output tiles between them; for each
/// group the input planes are transformed into V (positions, C, P) — 16 positions ξν for F(2×2), 36 for
/// F(4×4) — the products M[ξν] = U[ξν]·V[ξν] are one BLAS call each, and M is transformed back into the
/// output planes. Filters are transformed once per forward or backward into U (positions, FN, C). With
/// several threads the batch is split into runs (`ImageChunks`), each cutting its own images into groups
/// on its own scratch; every output element is computed by the same operations whatever the split, except that BLAS may sum a product's terms
/// in another order for another group width — so results are bit-identical run after run at one thread
/// count, as everywhere in Backprop.
///
/// - forward: x (N, C, H, W) → out (N, FN, OH, OW), with W (FN, C, 3, 3) and b (FN,).
/// - backward: dout (N, FN, OH, OW) and the forward's x → dx (N, C, H, W), dW (FN, C, 3, 3), db (FN,).
/// - Keeps nothing for backward but its scratch and the last out and dx (reused when the caller has let go).
final class WinogradConvolution<Scalar: TensorScalar> {
    /// One correlation's sizes: input (batch, inputs, height, width) padded by `pad`, a 3×3 filter,
    /// output (batch, outputs, outHeight, outWidth) with outHeight = height + 2·pad − 2.
    struct Geometry: Equatable {
        var batch: Int, inputs: Int, outputs: Int, height: Int, width: Int, pad: Int
        /// F(2×2, 3×3) or F(4×4, 3×3).
        var tile: WinogradTile = .two
        var outHeight: Int { height + 2 * pad - 2 }
        var outWidth: Int { width + 2 * pad - 2 }
        var tilesPerImage: Int { tile.tilesPerPlane(height: outHeight, width: outWidth) }
        /// Images per group: enough for about `targetTiles` tiles (at least one image).
        var groupImages: Int { Swift.max(1, Swift.min(batch, Geometry.targetTiles / tilesPerImage)) }
        /// Tiles per group: wide enough products for BLAS, small enough for V and M to stay in the core's
        /// cache. Measured on DeepConvNet (Float, one thread): 48 and 96 alike, 256 and 512 1.3× slower.
        static var targetTiles: Int { 48 }
        /// F(2×2, 3×3)'s input-plane scratch.
        var plane: WinogradTransforms.InputPlane {
            .init(height: height, width: width, pad: pad, tilesHigh: tile.tiles(outHeight), tilesWide: tile.tiles(outWidth))
        }
        /// F(4×4, 3×3)'s input-plane scratch.
        var plane4: Winograd4Transforms.InputPlane {
            .init(height: height, width: width, pad: pad, tilesHigh: tile.tiles(outHeight), tilesWide: tile.tiles(outWidth))
        }
        /// F(2×2, 3×3)'s and F(4×4, 3×3)'s dout-plane scratch (the backward's).
        var outputPlane: WinogradTransforms.OutputPlane { .init(height: outHeight, width: outWidth) }
        var outputPlane4: Winograd4Transforms.OutputPlane { .init(height: outHeight, width: outWidth) }
        /// Elements of the input transform's scratch, for this tile.
        var planeElements: Int { tile == .two ? plane.elements : plane4.elements }
    }

    /// Where one run's scratch sits within its slice of `workspace` (offsets in elements).
    /// The padded plane's scratch at 0, then V (positions, inputs, P) and M (positions, outputs, P).
    struct Scratch: Equatable {
        var plane: Int, transformed: Int, products: Int
        var v: Int { (plane + 15) / 16 * 16 }
        var m: Int { v + transformed }
        /// The distance between V's (or M's) 16 blocks of `elements`: one 64-byte line more than a whole
        /// number of lines, so that the 16 blocks the transforms read or write together never fall into
        /// the same cache sets (a multiple of 4 KB apart they did, and the transforms ran 2–3× slower).
        static func blockStride(_ elements: Int) -> Int { (elements + 15) / 16 * 16 + 16 }
        /// Elements per run, rounded up to 64 bytes.
        var size: Int { (m + products + 15) / 16 * 16 }
        init(_ g: Geometry) {
            let p = g.groupImages * g.tilesPerImage
            plane = g.planeElements
            transformed = g.tile.positions * Self.blockStride(g.inputs * p)
            products = g.tile.positions * Self.blockStride(g.outputs * p)
        }
    }

    /// Per-run scratch, zeroed when laid out (the padded planes' borders stay 0), and its layout.
    private var workspace = Tensor<Scalar>(shape: [0], scalars: [])
    private var workspaceLayout: (geometry: Geometry, runs: Int)?
    /// U: the transformed filters (positions, FN, C).
    private(set) var filters = Tensor<Scalar>(shape: [0], scalars: [])
    /// The backward's per-run scratch (`GradientScratch`) and its layout.
    var gradientWorkspace = Tensor<Scalar>(shape: [0], scalars: [])
    var gradientLayout: (geometry: Geometry, runs: Int)?
    private var outputBuffer: Tensor<Scalar>?
    var inputGradientBuffer: Tensor<Scalar>?
    /// Forces the number of runs (nil: as `ImageChunks` decides from the thread count). For tests.
    var runsOverride: Int?
    /// Forces the tile (nil: as `tile(_:inputs:outputs:outHeight:outWidth:)` decides). For tests and benchmarks.
    var tileOverride: WinogradTile?

    init() {}

    /// Which of a convolution's passes a rule is asked about: out (forward), or dx and dW (backward).
    enum Product { case output, gradients }

    /// Whether Winograd is used, when the layer chooses (`LayerAlgorithm.automatic`), for `product` of a
    /// convolution with `inputs` (C) and `outputs` (FN) channels and an `outHeight`×`outWidth` output.
    /// A fixed rule of the geometry, never a timing, so the same seed gives the same numbers. Set by
    /// measurement (one thread, batch 100, Float, DeepConvNet's six convolutions, `backprop bench model
    /// --layers` in alternating rounds, medians; the Performance article has the table), each Winograd
    /// layer with the tile `tile(_:…)` gives it. Forward against `.fast`: 0.84× the time at 32→64 and
    /// 0.52× at 64→64 channels (8×8 out, F(4×4)), 0.89× at 32→32 (16×16), but 1.2× at 16→32 (14×14) and 1.4× at
    /// 16→16 (28×28), where 16 channels make the products too narrow for BLAS and the transforms cost more
    /// than they save. Backward (dx, dW and db together): 0.71× and 0.61× at 32→64 and 64→64 (8×8), but
    /// 1.16× at 32→32 (16×16), 1.14× at 16→32 and 1.46× at 16→16: on large planes `.fast`'s per-image
    /// products are wide enough for BLAS and Winograd's four transforms (x, dout, ∂V, ∂U) cost more than
    /// the products save.
    static func pays(_ product: Product, inputs: Int, outputs: Int, outHeight: Int, outWidth: Int) -> Bool {
        switch product {
        case .output: inputs >= 32 && outHeight >= 4 && outWidth >= 4
        case .gradients: inputs >= 32 && outHeight * outWidth <= 64 && outHeight >= 4 && outWidth >= 4
        }
    }

    /// The tile `product` runs with, whether chosen or forced (`.winograd`), for a convolution with an
    /// `outHeight`×`outWidth` output: F(4×4, 3×3) where both sides are at least 8, else F(2×2, 3×3). A
    /// fixed rule of the geometry. Measured as `pays` (per layer, F(4×4) against F(2×2), forward and
    /// backward): 0.83× and 0.81× the time at 32→64 channels (8×8), 0.82× and 0.75× at 64→64 (8×8),
    /// 0.96× and 0.93× at 32→32 (16×16); below 8 a plane holds too few 4×4 tiles (an output of 5 computes
    /// 8, and the lane pairs run half empty), where F(2×2) wastes less.
    static func tile(_ product: Product, inputs: Int, outputs: Int, outHeight: Int, outWidth: Int) -> WinogradTile {
        outHeight >= 8 && outWidth >= 8 ? .four : .two
    }

    /// The geometry of `product` over window `g` with `outputs` filters, its tile chosen.
    func geometry(_ product: Product, _ g: SlidingWindow, outputs fn: Int) -> Geometry {
        let tile = tileOverride ?? Self.tile(product, inputs: g.channels, outputs: fn, outHeight: g.outHeight, outWidth: g.outWidth)
        return Geometry(batch: g.batch, inputs: g.channels, outputs: fn, height: g.height, width: g.width, pad: g.pad, tile: tile)
    }

    /// out = conv(x) + b for window `g` (3×3, stride 1, checked by the layer); `eachImage(outᵢ, images)`
    /// right after each group's output is written, outᵢ the group's first image's block of out.
    func forward(_ x: Tensor<Scalar>, _ g: SlidingWindow, weight w: Tensor<Scalar>, bias b: Tensor<Scalar>,
                 eachImage: ((UnsafePointer<Scalar>, Range<Int>) -> Void)? = nil) -> Tensor<Scalar> {
        let fn = w.shape[0], geometry = geometry(.output, g, outputs: fn)
        var out = reusable(&outputBuffer, shape: [g.batch, fn, g.outHeight, g.outWidth])
        correlate(x, geometry, weight: w, bias: b, into: &out, eachImage: eachImage)
        outputBuffer = out
        return out
    }

    /// Lays `workspace` out for `runs` runs of `geometry`, zeroed; keeps it when it already is.
    private func prepareWorkspace(_ geometry: Geometry, runs: Int) {
        if let layout = workspaceLayout, layout.geometry == geometry, layout.runs == runs { return }
        workspace = .zeros([runs * Scratch(geometry).size])
        workspaceLayout = (geometry, runs)
    }

    /// U = G·g·Gᵀ of every filter of W (FN, C, 3, 3) for `tile`, into `filters`.
    func transformFilters(_ w: Tensor<Scalar>, _ tile: WinogradTile) {
        let count = tile.positions * w.shape[0] * w.shape[1]
        if filters.count != count { filters = .zeros([count]) }
        w.withUnsafeBufferPointer { pw in
            filters.withUnsafeMutableBufferPointer { pu in
                let (w, fn, c, u) = (pw.baseAddress!, w.shape[0], w.shape[1], pu.baseAddress!)
                switch tile {
                case .two: WinogradTransforms.transformFilters(w, filters: fn, channels: c, into: u)
                case .four: Winograd4Transforms.transformFilters(w, filters: fn, channels: c, into: u)
                }
            }
        }
    }

    /// out (batch, outputs, OH, OW) = the correlation of x (batch, inputs, H, W), padded by `g.pad`, with
    /// W, plus b.
    private func correlate(_ x: Tensor<Scalar>, _ g: Geometry, weight w: Tensor<Scalar>, bias b: Tensor<Scalar>,
                           into out: inout Tensor<Scalar>, eachImage: ((UnsafePointer<Scalar>, Range<Int>) -> Void)?) {
        guard g.batch > 0 else { return }
        transformFilters(w, g.tile)
        let chunks = ImageChunks(images: g.batch, workPerImage: 9 * g.inputs * g.outputs * g.outHeight * g.outWidth,
                                 chunks: runsOverride)
        prepareWorkspace(g, runs: chunks.count)
        let scratch = Scratch(g)
        x.withUnsafeBufferPointer { px in
            filters.withUnsafeBufferPointer { pu in
                b.withUnsafeBufferPointer { pb in
                    out.withUnsafeMutableBufferPointer { po in
                        workspace.withUnsafeMutableBufferPointer { pws in
                            let operands = Operands(x: px.baseAddress!, u: pu.baseAddress!, bias: pb.baseAddress!,
                                                    out: po.baseAddress!, geometry: g, scratch: scratch)
                            let ws = pws.baseAddress!
                            chunks.run { run, images in
                                var first = images.lowerBound
                                while first < images.upperBound {
                                    let last = Swift.min(first + g.groupImages, images.upperBound)
                                    Self.group(first..<last, operands, slice: ws + run * scratch.size)
                                    eachImage?(operands.out + first * g.outputs * g.outHeight * g.outWidth, first..<last)
                                    first = last
                                }
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
        let out: UnsafeMutablePointer<Scalar>
        let geometry: Geometry, scratch: Scratch
    }

    /// One group of images on its run's scratch `slice`: V = Bᵀ·d·B of every plane, M[ξν] = U[ξν]·V[ξν]
    /// (a BLAS call per position), out = Aᵀ·M·A + b.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    private static func group(_ images: Range<Int>, _ o: Operands, slice: UnsafeMutablePointer<Scalar>) {
        let g = o.geometry, s = o.scratch
        let tiles = g.tilesPerImage, p = images.count * tiles
        let (ci, co) = (g.inputs, g.outputs)
        let v = slice + s.v, m = slice + s.m
        let inSize = g.height * g.width, outSize = g.outHeight * g.outWidth
        let vStride = Scratch.blockStride(ci * p), mStride = Scratch.blockStride(co * p)
        for (k, n) in images.enumerated() {
            for c in 0..<ci {
                transformInput(o.x + (n * ci + c) * inSize, g, scratch: slice, into: v + c * p + k * tiles, blockStride: vStride)
            }
        }
        for t in 0..<g.tile.positions {
            blockedGemm(transposeA: false, transposeB: false, m: co, n: p, k: ci,
                        alpha: 1, o.u + t * co * ci, lda: ci, v + t * vStride, ldb: p,
                        beta: 0, m + t * mStride, ldc: p)
        }
        for (k, n) in images.enumerated() {
            for f in 0..<co {
                let (mf, bias, out) = (m + f * p + k * tiles, o.bias[f], o.out + (n * co + f) * outSize)
                switch g.tile {
                case .two:
                    WinogradTransforms.transformOutput(mf, blockStride: mStride, bias: bias, outHeight: g.outHeight,
                                                       outWidth: g.outWidth, into: out)
                case .four:
                    Winograd4Transforms.transformOutput(mf, blockStride: mStride, bias: bias, outHeight: g.outHeight,
                                                        outWidth: g.outWidth, staging: slice + g.plane4.staging, into: out)
                }
            }
        }
    }

    /// V of one input plane x for `g`'s tile (`WinogradTransforms.transformInput` or `Winograd4Transforms`').
    @inline(__always)
    static func transformInput(_ x: UnsafePointer<Scalar>, _ g: Geometry, scratch: UnsafeMutablePointer<Scalar>,
                               into v: UnsafeMutablePointer<Scalar>, blockStride: Int) {
        switch g.tile {
        case .two: WinogradTransforms.transformInput(x, g.plane, scratch: scratch, into: v, blockStride: blockStride)
        case .four: Winograd4Transforms.transformInput(x, g.plane4, scratch: scratch, into: v, blockStride: blockStride)
        }
    }
}
