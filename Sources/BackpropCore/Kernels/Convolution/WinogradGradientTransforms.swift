// Kernels/Convolution/Winograd, backward — the transposes of F(4×4, 3×3)'s three transforms
// (WinogradTransforms.swift). The forward is y = Aᵀ·[Σ_c (G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A per tile, a linear map in
// each of g and d, so its backward is the same map transposed (Lavin & Gray, 2016, §4):
//   ∂M = A·∂y·Aᵀ      the 4×4 tile of dout spread to 6×6                    (`transformOutputGradient`)
//   ∂U[ξν] = Σ_tiles ∂M[ξν]·V[ξν]ᵀ,  ∂V[ξν] = U[ξν]ᵀ·∂M[ξν]               (the GEMMs, WinogradBackward.swift)
//   ∂d = B·∂V·Bᵀ      added into the 6×6 input tile (tiles overlap by 2)   (`accumulateInputGradient`)
//   ∂g = Gᵀ·∂U·G      3×3 from 6×6                                          (`filterGradient`)
// with A, B and Gᵀ the transposes of the forward's Aᵀ, Bᵀ and G. So dx and dW come out of one pass that
// shares ∂M, as the forward's out comes from V and U.

extension WinogradTransforms {
    /// One dout plane's scratch for `transformOutputGradient`: the plane (OH, OW) zero-extended to 4·TH rows
    /// of 4·TW′ columns (TW′ = `tilesPerRow`), then a 4×6 tile of vectors.
    struct OutputPlane: Equatable {
        let height: Int, width: Int
        var tilesHigh: Int { WinogradTransforms.tiles(height) }
        var evenTiles: Int { WinogradTransforms.tilesPerRow(width) }
        var rowLength: Int { 4 * evenTiles }
        var staging: Int { 4 * tilesHigh * rowLength }
        var elements: Int { staging + 24 * 4 }
    }

    /// A·(y0…y3): y0, y0 + y1 + y2 + y3, y0 − y1 + y2 − y3, y0 + 2y1 + 4y2 + 8y3, y0 − 2y1 + 4y2 − 8y3, y3.
    @inline(__always)
    static func spreadA<Scalar: TensorScalar>(_ y0: SIMD4<Scalar>, _ y1: SIMD4<Scalar>, _ y2: SIMD4<Scalar>,
                                              _ y3: SIMD4<Scalar>) -> Six<Scalar> {
        let two: Scalar = 2, four: Scalar = 4, eight: Scalar = 8
        let (p, q) = (y0 + y2, y1 + y3), (r, s) = (y0 + four * y2, two * y1 + eight * y3)
        return (y0, p + q, p - q, r + s, r - s, y3)
    }

    /// B·(x0…x5): 4x0, 4(x2 − x1) − 2(x3 − x4) + 4x5, −5x0 − 4(x1 + x2) − (x3 + x4), −(x2 − x1) + 2(x3 − x4) − 5x5,
    /// x0 + x1 + x2 + x3 + x4, x5 (the columns of Bᵀ).
    @inline(__always)
    static func spreadB<Scalar: TensorScalar>(_ x0: SIMD4<Scalar>, _ x1: SIMD4<Scalar>, _ x2: SIMD4<Scalar>,
                                              _ x3: SIMD4<Scalar>, _ x4: SIMD4<Scalar>, _ x5: SIMD4<Scalar>) -> Six<Scalar> {
        let two: Scalar = 2, four: Scalar = 4, five: Scalar = 5
        let (s12, d21, s34, d34) = (x1 + x2, x2 - x1, x3 + x4, x3 - x4)
        return (four * x0, four * d21 - two * d34 + four * x5, .zero - five * x0 - four * s12 - s34,
                two * d34 - d21 - five * x5, x0 + s12 + s34, x5)
    }

    /// ∂M[ξν][tile] = (A·∂y·Aᵀ)[ξ][ν] for every 4×4 tile ∂y of one dout plane (OH, OW), written as the
    /// forward's M is read (dm[ξν·blockStride + ty·TW + tx]); returns the plane's sum (∂b's share).
    /// `scratch` (`plane.elements`) must have been zeroed before its first use with this geometry.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func transformOutputGradient<Scalar: TensorScalar>(_ dout: UnsafePointer<Scalar>, _ plane: OutputPlane,
                                                              scratch: UnsafeMutablePointer<Scalar>,
                                                              into dm: UnsafeMutablePointer<Scalar>, blockStride: Int) -> Scalar {
        let l = plane.rowLength, staged = scratch + plane.staging
        var sums = SIMD8<Scalar>.zero, i = 0
        let count = plane.height * plane.width
        while i + 8 <= count {
            sums += UnsafeRawPointer(dout + i).loadUnaligned(as: SIMD8<Scalar>.self)
            i += 8
        }
        var sum = sums.sum()
        while i < count { sum += dout[i]; i += 1 }
        for h in 0..<plane.height { copyRow(dout + h * plane.width, scratch + h * l, count: plane.width) }
        let tiles = plane.tilesHigh * plane.evenTiles
        var t = 0
        while t < tiles {
            let pairs = LanePairs(t, evenTiles: plane.evenTiles, count: tiles)
            // ∂y·Aᵀ along each of the four rows (a transpose makes the tiles' columns lanes), then
            // A·(∂y·Aᵀ) down each column ν.
            for row in 0..<4 {
                let (r0, r1) = pairs.at(scratch, rowLength: l, row: row)
                let c = transpose(load4(r0), load4(r0 + 4),
                                  load4(r1), load4(r1 + 4))
                store6(spreadA(c.0, c.1, c.2, c.3), staged + 24 * row)
            }
            let base = dm + t, lanes = pairs.lanes
            for nu in 0..<6 {
                let q = staged + 4 * nu
                let r = spreadA(load4(q), load4(q + 24),
                                load4(q + 48), load4(q + 72))
                storePositions(r, base + nu * blockStride, blockStride: blockStride, lanes: lanes)
            }
            t += 4
        }
        return sum
    }

    /// dx (H, W) of one plane = Σ over its tiles of B·∂V·Bᵀ, ∂V read as the forward's V is written
    /// (dv[ξν·blockStride + ty·TW′ + tx]; up to two tiles past the plane's last are read and ignored), each
    /// 6×6 result added at the tile's place in the padded plane (rows 4·ty…, columns 4·tx…), whose inside
    /// is then copied out. `scratch` (`plane.elements`) is cleared here.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func accumulateInputGradient<Scalar: TensorScalar>(_ dv: UnsafePointer<Scalar>, blockStride: Int,
                                                              _ plane: InputPlane, scratch: UnsafeMutablePointer<Scalar>,
                                                              into dx: UnsafeMutablePointer<Scalar>) {
        let l = plane.rowLength, staged = scratch + plane.staging
        let (evenTiles, count) = (plane.evenTiles, plane.tilesHigh * plane.evenTiles)
        scratch.initialize(repeating: 0, count: plane.staging)
        var t = 0
        while t < count {
            let pairs = LanePairs(t, evenTiles: evenTiles, count: count)
            // B·∂V down each column ν, staged by row; then (B·∂V)·Bᵀ along each row, added into the plane
            // a pair at a time: its 2 × 6 columns overlap by 2, so they go as three vectors of 4 (the
            // second tile's columns 0…3 plus the first's 4 and 5, then the second's 4 and 5).
            for nu in 0..<6 {
                let c = positions(dv + t + nu * blockStride, blockStride: blockStride)
                stage(spreadB(c.0, c.1, c.2, c.3, c.4, c.5), staged + 4 * nu, rows: 6)
            }
            for row in 0..<6 {
                let s = stagedRow(staged + 24 * row), z = spreadB(s.0, s.1, s.2, s.3, s.4, s.5)
                let tiles = transpose(z.0, z.1, z.2, z.3), (d0, d1) = pairs.at(scratch, rowLength: l, row: row)
                @inline(__always) func add(_ value: SIMD4<Scalar>, _ p: UnsafeMutablePointer<Scalar>) {
                    store4(load4(p) + value, p)
                }
                add(tiles.0, d0)
                add(tiles.1 + SIMD4(z.4[0], z.5[0], 0, 0), d0 + 4)
                add(SIMD4(z.4[1], z.5[1], 0, 0), d0 + 8)
                guard pairs.lanes > 2 else { continue }
                add(tiles.2, d1)
                add(tiles.3 + SIMD4(z.4[2], z.5[2], 0, 0), d1 + 4)
                add(SIMD4(z.4[3], z.5[3], 0, 0), d1 + 8)
            }
            t += 4
        }
        for h in 0..<plane.height {
            copyRow(scratch + (plane.pad + h) * l + plane.pad, dx + h * plane.width, count: plane.width)
        }
    }

    /// ∂W (FN, C, 3, 3) = Gᵀ·∂U[f, c]·G for every filter and channel, ∂U stored as the forward's U
    /// (36 matrices (FN, C)); four filters at a time.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func filterGradient<Scalar: TensorScalar>(_ du: UnsafePointer<Scalar>, filters fn: Int, channels c: Int,
                                                     into dw: UnsafeMutablePointer<Scalar>) {
        let block = fn * c
        var index = 0
        while index < block {
            let lanes = Swift.min(4, block - index)
            @inline(__always) func at(_ xi: Int, _ nu: Int) -> SIMD4<Scalar> {
                let p = du + (6 * xi + nu) * block + index
                if lanes == 4 { return load4(p) }
                var v = SIMD4<Scalar>.zero
                for l in 0..<lanes { v[l] = p[l] }
                return v
            }
            // Gᵀ·∂U: column ν of ∂U to three rows; then each row's six to three columns.
            @inline(__always) func column(_ nu: Int) -> (SIMD4<Scalar>, SIMD4<Scalar>, SIMD4<Scalar>) {
                gatherG(at(0, nu), at(1, nu), at(2, nu), at(3, nu), at(4, nu), at(5, nu))
            }
            let (c0, c1, c2, c3, c4, c5) = (column(0), column(1), column(2), column(3), column(4), column(5))
            let rows = (gatherG(c0.0, c1.0, c2.0, c3.0, c4.0, c5.0), gatherG(c0.1, c1.1, c2.1, c3.1, c4.1, c5.1),
                        gatherG(c0.2, c1.2, c2.2, c3.2, c4.2, c5.2))
            for l in 0..<lanes {
                let out = dw + (index + l) * 9
                (out[0], out[1], out[2]) = (rows.0.0[l], rows.0.1[l], rows.0.2[l])
                (out[3], out[4], out[5]) = (rows.1.0[l], rows.1.1[l], rows.1.2[l])
                (out[6], out[7], out[8]) = (rows.2.0[l], rows.2.1[l], rows.2.2[l])
            }
            index += 4
        }
    }

    /// Gᵀ·(x0…x5): ¼x0 − ⅙(x1 + x2) + (x3 + x4)/24, ⅙(x2 − x1) + (x3 − x4)/12, ⅙(x3 + x4 − x1 − x2) + x5.
    @inline(__always)
    static func gatherG<Scalar: TensorScalar>(_ x0: SIMD4<Scalar>, _ x1: SIMD4<Scalar>, _ x2: SIMD4<Scalar>, _ x3: SIMD4<Scalar>,
                                              _ x4: SIMD4<Scalar>, _ x5: SIMD4<Scalar>) -> (SIMD4<Scalar>, SIMD4<Scalar>, SIMD4<Scalar>) {
        let quarter: Scalar = 0.25, sixth: Scalar = 1 / 6, twelfth: Scalar = 1 / 12, twentyFourth: Scalar = 1 / 24
        let (s12, s34, d21, d34) = (x1 + x2, x3 + x4, x2 - x1, x3 - x4)
        return (quarter * x0 - sixth * s12 + twentyFourth * s34, sixth * d21 + twelfth * d34, sixth * (s34 - s12) + x5)
    }
}
