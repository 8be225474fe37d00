/// §7.4.3's convolution backward for a 3×3 filter at stride 1 by F(4×4, 3×3): the forward's batched
/// arrangement (WinogradConvolution) transposed (WinogradGradientTransforms.swift), so that one pass
/// gives db = Σ dout, dW = Σₙ dout ⋆ xpad and dx = the full convolution of dout with the filters turned
/// by 180° — the `.fast` and `.book` backward's numbers up to rounding (WinogradConvolutionTests).
///
/// For each group of images: V = Bᵀ·d·B of the input planes (as the forward), ∂M = A·∂y·Aᵀ of the dout
/// planes, then for each of the 36 positions ξν two GEMMs, ∂U[ξν] += ∂M[ξν]·V[ξν]ᵀ (FN, C) and
/// ∂V[ξν] = U[ξν]ᵀ·∂M[ξν] (C, P), and dx = B·∂V·Bᵀ added tile by tile. ∂U, summed over the groups of a
/// run and then over the runs in run order, becomes dW = Gᵀ·∂U·G. 2·36·FN·C·P multiplications for the
/// 16·P outputs, where the direct way makes 2·144·FN·C·P.
extension WinogradConvolution {
    /// Where one run's backward scratch sits in its slice (offsets in elements): the padded input plane
    /// (zero border), the dout plane (zero past its end), the dx plane, V (then ∂V) and ∂M as the
    /// forward's V and M, the run's ∂U (16, FN, C) and ∂b (FN,), and one image of dout (FN, OH, OW) when
    /// it is handed over image by image (`ImageGradient`).
    struct GradientScratch: Equatable {
        var outputPlane: Int, inputGradientPlane: Int, v: Int, m: Int, filterGradient: Int, biasGradient: Int
        var gradientImage: Int, size: Int
        init(_ g: Geometry) {
            func lines(_ n: Int) -> Int { (n + 15) / 16 * 16 }
            let p = g.groupImages * g.tilesPerImage
            let positions = WinogradTransforms.positions
            outputPlane = lines(g.plane.elements)
            inputGradientPlane = outputPlane + lines(g.outputPlane.elements)
            v = inputGradientPlane + lines(g.plane.elements)
            m = v + positions * Scratch.blockStride(g.inputs * p)
            filterGradient = m + positions * Scratch.blockStride(g.outputs * p)
            biasGradient = filterGradient + lines(positions * g.outputs * g.inputs)
            gradientImage = biasGradient + lines(g.outputs)
            size = gradientImage + lines(g.outputs * g.outHeight * g.outWidth)
        }
    }

    /// dx (none when `inputGradient` is false), with ∂L/∂W (FN, C, 3, 3) and ∂L/∂b (FN,) written into
    /// `weightGradient` and `biasGradient` (replaced when their shapes are not those), for dout
    /// (N, FN, OH, OW) of the forward of x over window `g` (3×3, stride 1, checked by the layer). With
    /// `byImage`, dout is written image by image into the run's scratch instead (`dout` may be empty).
    func backward(_ dout: Tensor<Scalar>, byImage: ImageGradient<Scalar>? = nil, x: Tensor<Scalar>, _ g: SlidingWindow,
                  weight w: Tensor<Scalar>,
                  inputGradient: Bool, weightGradient: inout Tensor<Scalar>, biasGradient: inout Tensor<Scalar>) -> Tensor<Scalar>? {
        let fn = w.shape[0], geometry = geometry(g, outputs: fn)
        transformFilters(w)
        let chunks = ImageChunks(images: g.batch, workPerImage: 9 * g.channels * fn * g.outHeight * g.outWidth, chunks: runsOverride)
        if gradientLayout?.geometry != geometry || gradientLayout?.runs != chunks.count {
            gradientWorkspace = ScratchSpace(count: chunks.count * GradientScratch(geometry).size)
            gradientLayout = (geometry, chunks.count)
        }
        var dx = inputGradient ? reusable(&inputGradientBuffer, shape: x.shape) : Tensor<Scalar>.zeros([0])
        if weightGradient.shape != w.shape { weightGradient = .zeros(w.shape) }
        if biasGradient.shape != [fn] { biasGradient = .zeros([fn]) }
        let scratch = GradientScratch(geometry)
        x.withUnsafeBufferPointer { px in
            dout.withUnsafeBufferPointer { pd in
                filters.withUnsafeBufferPointer { pu in
                    dx.withUnsafeMutableBufferPointer { pdx in
                        gradientWorkspace.withUnsafeMutableBufferPointer { pws in
                            let operands = GradientOperands(x: px.baseAddress!, dout: byImage == nil ? pd.baseAddress! : px.baseAddress!,
                                                            byImage: byImage, u: pu.baseAddress!,
                                                            dx: inputGradient ? pdx.baseAddress! : nil, geometry: geometry,
                                                            scratch: scratch)
                            let ws = pws.baseAddress!
                            chunks.run { run, images in Self.gradientRun(images, operands, slice: ws + run * scratch.size) }
                            Self.sumRuns(ws, scratch, runs: chunks.count, filters: fn, channels: g.channels,
                                         weightGradient: &weightGradient, biasGradient: &biasGradient)
                        }
                    }
                }
            }
        }
        guard inputGradient else { return nil }
        inputGradientBuffer = dx
        return dx
    }

    /// Adds the runs' ∂U and ∂b in run order into the first run's, then dW = Gᵀ·∂U·G and db into the
    /// layer's buffers.
    private static func sumRuns(_ ws: UnsafeMutablePointer<Scalar>, _ scratch: GradientScratch, runs: Int, filters fn: Int,
                                channels c: Int, weightGradient: inout Tensor<Scalar>, biasGradient: inout Tensor<Scalar>) {
        let (du, db) = (ws + scratch.filterGradient, ws + scratch.biasGradient)
        for run in 1..<Swift.max(1, runs) {
            // The run's ∂U and ∂b sit at the same offsets in its own slice.
            for (offset, count) in [(scratch.filterGradient, WinogradTransforms.positions * fn * c), (scratch.biasGradient, fn)] {
                let (sum, part) = (ws + offset, ws + run * scratch.size + offset)
                Scalar.applyBinary(.add, sum, part, sum, Loop2D(outer: 1, inner: count, aOuter: 0, aInner: 1, bOuter: 0, bInner: 1))
            }
        }
        weightGradient.withUnsafeMutableBufferPointer { pw in
            WinogradTransforms.filterGradient(du, filters: fn, channels: c, into: pw.baseAddress!)
        }
        biasGradient.withUnsafeMutableBufferPointer { pb in pb.baseAddress!.update(from: db, count: fn) }
    }

    /// What every backward group reads and writes.
    struct GradientOperands {
        let x: UnsafePointer<Scalar>, dout: UnsafePointer<Scalar>, byImage: ImageGradient<Scalar>?, u: UnsafePointer<Scalar>
        let dx: UnsafeMutablePointer<Scalar>?
        let geometry: Geometry, scratch: GradientScratch
    }

    /// One run's images, group by group, on its scratch `slice`; leaves the run's ∂U and ∂b there.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func gradientRun(_ images: Range<Int>, _ o: GradientOperands, slice: UnsafeMutablePointer<Scalar>) {
        let g = o.geometry, s = o.scratch
        let (ci, co) = (g.inputs, g.outputs), inSize = g.height * g.width, outSize = g.outHeight * g.outWidth
        let v = slice + s.v, dm = slice + s.m, du = slice + s.filterGradient, db = slice + s.biasGradient
        db.update(repeating: 0, count: co)
        var first = images.lowerBound
        while first < images.upperBound {
            let group = first..<Swift.min(first + g.groupImages, images.upperBound)
            let tiles = g.tilesPerImage, p = group.count * tiles
            let vStride = Scratch.blockStride(ci * p), mStride = Scratch.blockStride(co * p)
            for (k, n) in group.enumerated() {
                for c in 0..<ci {
                    WinogradTransforms.transformInput(o.x + (n * ci + c) * inSize, g.plane, scratch: slice,
                                                      into: v + c * p + k * tiles, blockStride: vStride)
                }
                var image = o.dout + n * co * outSize
                if let byImage = o.byImage {
                    byImage.write(n, slice + s.gradientImage)
                    image = UnsafePointer(slice + s.gradientImage)
                }
                for f in 0..<co {
                    db[f] += WinogradTransforms.transformOutputGradient(image + f * outSize, g.outputPlane,
                                                                        scratch: slice + s.outputPlane,
                                                                        into: dm + f * p + k * tiles, blockStride: mStride)
                }
            }
            for t in 0..<WinogradTransforms.positions {
                // ∂U[ξν] (FN, C) += ∂M[ξν] (FN, P)·V[ξν]ᵀ, then ∂V[ξν] (C, P) = U[ξν]ᵀ·∂M[ξν] over V[ξν].
                blockedGemm(transposeA: false, transposeB: true, m: co, n: ci, k: p, alpha: 1, dm + t * mStride, lda: p,
                            v + t * vStride, ldb: p, beta: first == images.lowerBound ? 0 : 1, du + t * co * ci, ldc: ci)
                guard o.dx != nil else { continue }
                blockedGemm(transposeA: true, transposeB: false, m: ci, n: p, k: co, alpha: 1, o.u + t * co * ci, lda: ci,
                            dm + t * mStride, ldb: p, beta: 0, v + t * vStride, ldc: p)
            }
            if let dx = o.dx {
                for (k, n) in group.enumerated() {
                    for c in 0..<ci {
                        WinogradTransforms.accumulateInputGradient(v + c * p + k * tiles, blockStride: vStride, g.plane,
                                                                   scratch: slice + s.inputGradientPlane,
                                                                   into: dx + (n * ci + c) * inSize)
                    }
                }
            }
            first = group.upperBound
        }
    }
}
