// Kernels/Convolution/Winograd — §7.4.3's convolution for a 3×3 filter at stride 1 by Winograd's minimal
// filtering F(4×4, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016, §5;
// interpolation points 0, ±1, ±2). It equals the plain cross-correlation
// out[n, f, i, j] = Σ_c Σ_{u,v} W[f, c, u, v]·xpad[n, c, i + u, j + v] + b[f] up to rounding
// (WinogradConvolutionTests hold it to that in Double, WinogradFloatBoundTests within a derived Float bound).
//
// Symbols, as the book's §7: N batch size, C channels, H/W an image's height/width, FN filters, OH/OW
// the output's height/width; TH = ⌈OH/4⌉ and TW = ⌈OW/4⌉ the 4×4 output tiles along each axis (TW′: TW
// rounded up to even, as laid out), P the tiles of a group of images; ξν (0…35, ξν = 6·ξ + ν) a position
// in a 6×6 transformed tile.
//
// Each 4×4 output tile y at (4·ty, 4·tx) comes from the 6×6 tile d of the padded input under it
// (rows 4·ty…4·ty + 5; neighbouring tiles overlap by 2):  y = Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A, with
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1],
//   G = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1],
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1].
// Summed over channels, the element-wise product is one GEMM per position ξν:
// M[ξν] (FN, P) = U[ξν] (FN, C)·V[ξν] (C, P) — 36·FN·C·P multiplications for 16·P outputs, where the
// direct way makes 144·FN·C·P (4× fewer).
//
// The transforms run on four tiles at a time, a tile per vector lane, taken as two pairs of neighbours
// along a row (`LanePairs`: the next four tiles of the plane, row after row, so that an 8×8 output's
// 2×2 tiles fill the four lanes); a row holds an even number of tiles (`tilesPerRow`). Unpacking a
// pair's 8 columns by even and odd lanes, or a 4×4 transpose, turns the tiles' rows into their columns
// and back, so every load and store is of whole vectors. The transforms are generic over the element
// type and compiled for Float and Double here (`@_specialize`), as the layers reach them through an
// unspecialised generic `Convolution<Scalar>`.
//
// WinogradTransforms          the three transforms: filters → U, input planes → V, M → output planes
// WinogradConvolution         the batched arrangement (groups of images, 36 GEMMs), forward
// WinogradBackward            the same arrangement transposed: dx, dW and db in one pass
// WinogradGradientTransforms  the transforms' transposes

/// F(4×4, 3×3)'s forward transforms: filters → U, input planes → V, M → output planes; and the tiles'
/// layout. Each works on raw buffers, four tiles to a vector.
enum WinogradTransforms {
    /// The positions ξν of a transformed tile: 6 × 6, one GEMM each.
    static let positions = 36

    /// Tiles along an axis whose output is `size` long: ⌈size/4⌉.
    @inline(__always)
    static func tiles(_ size: Int) -> Int { (size + 3) / 4 }

    /// Tiles along a row as laid out: ⌈OW/4⌉ rounded up to even, as the transforms take tiles in pairs
    /// along a row (a last tile past the plane is computed and dropped: its outputs are not written, its
    /// dout is zero).
    @inline(__always)
    static func tilesPerRow(_ outWidth: Int) -> Int { (tiles(outWidth) + 1) / 2 * 2 }

    /// Tiles of one output plane (OH, OW) as laid out: TH rows of TW′.
    static func tilesPerPlane(height: Int, width: Int) -> Int { tiles(height) * tilesPerRow(width) }

    /// Four consecutive elements as a vector.
    @inline(__always)
    static func load4<Scalar: TensorScalar>(_ p: UnsafePointer<Scalar>) -> SIMD4<Scalar> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Scalar>.self)
    }

    @inline(__always)
    static func load4<Scalar: TensorScalar>(_ p: UnsafeMutablePointer<Scalar>) -> SIMD4<Scalar> { load4(UnsafePointer(p)) }

    /// Stores a vector into four consecutive elements.
    @inline(__always)
    static func store4<Scalar: TensorScalar>(_ v: SIMD4<Scalar>, _ p: UnsafeMutablePointer<Scalar>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Scalar>.self)
    }

    /// dst[k] = src[k] for k in 0..<count, four elements at a time: a plane's rows are short (8 to 32
    /// elements on DeepConvNet), and a call to memmove per row cost more than the copy.
    @inline(__always)
    static func copyRow<Scalar: TensorScalar>(_ src: UnsafePointer<Scalar>, _ dst: UnsafeMutablePointer<Scalar>, count: Int) {
        var k = 0
        while k &+ 4 <= count {
            store4(load4(src + k), dst + k)
            k &+= 4
        }
        while k < count {
            dst[k] = src[k]
            k &+= 1
        }
    }

    /// Six vectors: a row or column of six tile elements, four tiles wide.
    typealias Six<Scalar: TensorScalar> = (SIMD4<Scalar>, SIMD4<Scalar>, SIMD4<Scalar>, SIMD4<Scalar>, SIMD4<Scalar>, SIMD4<Scalar>)

    /// One input plane's scratch: its zero-padded copy, then a 6×6 tile of vectors (`staging`) for the
    /// result of the first half of a transform.
    struct InputPlane: Equatable {
        let height: Int, width: Int, pad: Int, tilesHigh: Int, tilesWide: Int
        /// Tiles per row as laid out: TW rounded up to even.
        var evenTiles: Int { (tilesWide + 1) / 2 * 2 }
        /// A padded row: 4·TW′ + 4 columns, so that the 8-column loads of a pair (from 4·tx and 4·tx + 4)
        /// stay inside it.
        var rowLength: Int { 4 * evenTiles + 4 }
        /// 4·TH + 2 rows: the last tiles' six rows.
        var paddedRows: Int { 4 * tilesHigh + 2 }
        /// Where `staging` starts: after the padded plane.
        var staging: Int { paddedRows * rowLength }
        var elements: Int { staging + 36 * 4 }
    }

    /// The four tiles t…t + 3 of a plane laid out `evenTiles` to a row, as two pairs of neighbours: lanes 0
    /// and 1 are tiles (ty₀, tx₀) and (ty₀, tx₀ + 1), lanes 2 and 3 (ty₁, tx₁) and (ty₁, tx₁ + 1). When only
    /// two tiles are left, the second pair repeats the first (its lanes are computed and not stored).
    struct LanePairs {
        let first: (ty: Int, tx: Int), second: (ty: Int, tx: Int), lanes: Int
        @inline(__always)
        init(_ t: Int, evenTiles: Int, count: Int) {
            first = (t / evenTiles, t % evenTiles)
            let u = t + 2 < count ? t + 2 : t
            second = (u / evenTiles, u % evenTiles)
            lanes = Swift.min(4, count - t)
        }
        /// Element (4·ty + row, 4·tx + column) of a plane of rows `rowLength` long, for each pair.
        @inline(__always)
        func at<Scalar>(_ plane: UnsafeMutablePointer<Scalar>, rowLength l: Int, row: Int = 0, column: Int = 0)
            -> (UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>) {
            (plane + (4 * first.ty + row) * l + 4 * first.tx + column, plane + (4 * second.ty + row) * l + 4 * second.tx + column)
        }
    }

    /// U[ξν] = G·g·Gᵀ for every filter g = W[f, c], stored as 36 matrices (FN, C); four filters at a time.
    /// w: (FN, C, 3, 3); u: 36·FN·C elements.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func transformFilters<Scalar: TensorScalar>(_ w: UnsafePointer<Scalar>, filters fn: Int, channels c: Int,
                                                       into u: UnsafeMutablePointer<Scalar>) {
        let block = fn * c
        var index = 0
        while index < block {
            let lanes = Swift.min(4, block - index)
            @inline(__always) func g(_ k: Int) -> SIMD4<Scalar> {
                var v = SIMD4<Scalar>.zero
                for l in 0..<lanes { v[l] = w[(index + l) * 9 + k] }
                return v
            }
            // G·g, one column b at a time (rows ξ = 0…5), then (G·g)·Gᵀ along each row ξ.
            let columns = (spreadG(g(0), g(3), g(6)), spreadG(g(1), g(4), g(7)), spreadG(g(2), g(5), g(8)))
            @inline(__always) func row(_ xi: Int, _ r0: SIMD4<Scalar>, _ r1: SIMD4<Scalar>, _ r2: SIMD4<Scalar>) {
                let r = spreadG(r0, r1, r2), at = u + 6 * xi * block + index
                store(r.0, at, lanes: lanes); store(r.1, at + block, lanes: lanes); store(r.2, at + 2 * block, lanes: lanes)
                store(r.3, at + 3 * block, lanes: lanes); store(r.4, at + 4 * block, lanes: lanes); store(r.5, at + 5 * block, lanes: lanes)
            }
            row(0, columns.0.0, columns.1.0, columns.2.0); row(1, columns.0.1, columns.1.1, columns.2.1)
            row(2, columns.0.2, columns.1.2, columns.2.2); row(3, columns.0.3, columns.1.3, columns.2.3)
            row(4, columns.0.4, columns.1.4, columns.2.4); row(5, columns.0.5, columns.1.5, columns.2.5)
            index += 4
        }
    }

    /// G·(g0, g1, g2): ¼g0, −⅙(g0 + g1 + g2), −⅙(g0 − g1 + g2), ⅙(¼g0 + ½g1 + g2), ⅙(¼g0 − ½g1 + g2), g2.
    @inline(__always)
    static func spreadG<Scalar: TensorScalar>(_ g0: SIMD4<Scalar>, _ g1: SIMD4<Scalar>, _ g2: SIMD4<Scalar>) -> Six<Scalar> {
        let quarter: Scalar = 0.25, half: Scalar = 0.5, sixth: Scalar = 1 / 6, minusSixth: Scalar = -1 / 6
        let outer = g0 + g2, q = quarter * g0 + g2, h = half * g1
        return (quarter * g0, minusSixth * (outer + g1), minusSixth * (outer - g1), sixth * (q + h), sixth * (q - h), g2)
    }

    /// Bᵀ·(d0…d5): 4d0 − 5d2 + d4, −4d1 − 4d2 + d3 + d4, 4d1 − 4d2 − d3 + d4, −2d1 − d2 + 2d3 + d4,
    /// 2d1 − d2 − 2d3 + d4, 4d1 − 5d3 + d5 (the same combination gives d·B along a row).
    @inline(__always)
    static func combineB<Scalar: TensorScalar>(_ d0: SIMD4<Scalar>, _ d1: SIMD4<Scalar>, _ d2: SIMD4<Scalar>,
                                               _ d3: SIMD4<Scalar>, _ d4: SIMD4<Scalar>, _ d5: SIMD4<Scalar>) -> Six<Scalar> {
        let four: Scalar = 4, five: Scalar = 5, two: Scalar = 2
        let a = d4 - four * d2, b = d3 - four * d1, c = d4 - d2, e = two * (d3 - d1)
        return (four * d0 - five * d2 + d4, a + b, a - b, c + e, c - e, four * d1 - five * d3 + d5)
    }

    /// Aᵀ·(m0…m5): m0 + m1 + m2 + m3 + m4, m1 − m2 + 2(m3 − m4), m1 + m2 + 4(m3 + m4), m1 − m2 + 8(m3 − m4) + m5.
    @inline(__always)
    static func combineA<Scalar: TensorScalar>(_ m0: SIMD4<Scalar>, _ m1: SIMD4<Scalar>, _ m2: SIMD4<Scalar>,
                                               _ m3: SIMD4<Scalar>, _ m4: SIMD4<Scalar>, _ m5: SIMD4<Scalar>)
        -> (SIMD4<Scalar>, SIMD4<Scalar>, SIMD4<Scalar>, SIMD4<Scalar>) {
        let (s12, d12, s34, d34) = (m1 + m2, m1 - m2, m3 + m4, m3 - m4)
        let two: Scalar = 2, four: Scalar = 4, eight: Scalar = 8
        return (m0 + s12 + s34, d12 + two * d34, s12 + four * s34, d12 + eight * d34 + m5)
    }

    /// Columns 0…5 of the four tiles of a row of `pairs` (p₀, p₁ at column 4·tx of each pair's row): lane
    /// 2·j + k of column c is pⱼ[4·k + c] (each pair's 8 + 8 columns, unpacked by even and odd lanes twice).
    @inline(__always)
    static func columns<Scalar: TensorScalar>(_ p0: UnsafeMutablePointer<Scalar>, _ p1: UnsafeMutablePointer<Scalar>) -> Six<Scalar> {
        @inline(__always) func load8(_ p: UnsafeMutablePointer<Scalar>) -> SIMD8<Scalar> {
            UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Scalar>.self)
        }
        let a = SIMD16(lowHalf: load8(p0), highHalf: load8(p1)), b = SIMD16(lowHalf: load8(p0 + 4), highHalf: load8(p1 + 4))
        let (ae, ao, be, bo) = (a.evenHalf, a.oddHalf, b.evenHalf, b.oddHalf)
        return (ae.evenHalf, ao.evenHalf, ae.oddHalf, ao.oddHalf, be.evenHalf, bo.evenHalf)
    }

    /// The 4×4 transpose: lane l of result k is lane k of input l.
    @inline(__always)
    static func transpose<Scalar: TensorScalar>(_ a: SIMD4<Scalar>, _ b: SIMD4<Scalar>, _ c: SIMD4<Scalar>, _ d: SIMD4<Scalar>)
        -> (SIMD4<Scalar>, SIMD4<Scalar>, SIMD4<Scalar>, SIMD4<Scalar>) {
        let ab = SIMD8(lowHalf: a, highHalf: b), cd = SIMD8(lowHalf: c, highHalf: d)
        // (a0 a2 b0 b2 | c0 c2 d0 d2) and (a1 a3 b1 b3 | c1 c3 d1 d3), then even and odd lanes again.
        let even = SIMD8(lowHalf: ab.evenHalf, highHalf: cd.evenHalf), odd = SIMD8(lowHalf: ab.oddHalf, highHalf: cd.oddHalf)
        return (even.evenHalf, odd.evenHalf, even.oddHalf, odd.oddHalf)
    }

    /// Stores the six vectors at p, p + 4, …, p + 20.
    @inline(__always)
    static func store6<Scalar: TensorScalar>(_ s: Six<Scalar>, _ p: UnsafeMutablePointer<Scalar>) {
        store4(s.0, p); store4(s.1, p + 4); store4(s.2, p + 8)
        store4(s.3, p + 12); store4(s.4, p + 16); store4(s.5, p + 20)
    }

    /// Column ν of a staged 6×6 tile of vectors (rows 0…5 at p + 24·row + 4·ν).
    @inline(__always)
    static func stagedColumn<Scalar: TensorScalar>(_ p: UnsafeMutablePointer<Scalar>, _ nu: Int) -> Six<Scalar> {
        let q = p + 4 * nu
        @inline(__always) func at(_ row: Int) -> SIMD4<Scalar> { load4(q + 24 * row) }
        return (at(0), at(1), at(2), at(3), at(4), at(5))
    }

    /// Stores the first `lanes` lanes of v at p.
    @inline(__always)
    static func store<Scalar: TensorScalar>(_ v: SIMD4<Scalar>, _ p: UnsafeMutablePointer<Scalar>, lanes: Int) {
        if lanes == 4 { store4(v, p) } else { for l in 0..<lanes { p[l] = v[l] } }
    }

    /// V[ξν][tile] = (Bᵀ·d·B)[ξ][ν] for every tile of one plane x (H, W), tile (ty, tx) at position
    /// ty·TW′ + tx (v[ξν·blockStride + ty·TW′ + tx], TW′ = `plane.evenTiles`). `scratch` (`plane.elements`)
    /// must have been zeroed before its first use with this geometry: only the inside of the padded copy is written.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func transformInput<Scalar: TensorScalar>(_ x: UnsafePointer<Scalar>, _ plane: InputPlane,
                                                     scratch: UnsafeMutablePointer<Scalar>,
                                                     into v: UnsafeMutablePointer<Scalar>, blockStride: Int) {
        let l = plane.rowLength, staged = scratch + plane.staging
        let (evenTiles, count) = (plane.evenTiles, plane.tilesHigh * plane.evenTiles)
        for h in 0..<plane.height {
            copyRow(x + h * plane.width, scratch + (plane.pad + h) * l + plane.pad, count: plane.width)
        }
        var t = 0
        while t < count {
            let pairs = LanePairs(t, evenTiles: evenTiles, count: count), (p0, p1) = pairs.at(scratch, rowLength: l)
            // d·B along each of the six rows, then Bᵀ·(d·B) down each column ν.
            for i in 0..<6 {
                let c = columns(p0 + i * l, p1 + i * l)
                store6(combineB(c.0, c.1, c.2, c.3, c.4, c.5), staged + 24 * i)
            }
            let base = v + t, lanes = pairs.lanes
            for nu in 0..<6 {
                let c = stagedColumn(staged, nu), r = combineB(c.0, c.1, c.2, c.3, c.4, c.5)
                storePositions(r, base + nu * blockStride, blockStride: blockStride, lanes: lanes)
            }
            t += 4
        }
    }

    /// One output plane (OH, OW) = Aᵀ·m·A + bias for every tile, m[ξν] read at m[ξν·blockStride + ty·TW′ + tx]
    /// (up to two tiles past the plane's last are read and ignored: the blocks' stride leaves room).
    /// `staging`: 24 vectors of scratch.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func transformOutput<Scalar: TensorScalar>(_ m: UnsafePointer<Scalar>, blockStride: Int, bias: Scalar,
                                                      outHeight: Int, outWidth: Int, staging: UnsafeMutablePointer<Scalar>,
                                                      into out: UnsafeMutablePointer<Scalar>) {
        let evenTiles = tilesPerRow(outWidth), count = tiles(outHeight) * evenTiles
        let b = SIMD4<Scalar>(repeating: bias), outRows = UnsafeMutablePointer(mutating: out)
        var t = 0
        while t < count {
            let pairs = LanePairs(t, evenTiles: evenTiles, count: count)
            // Aᵀ·m down each column ν (rows 0…3 staged), then (Aᵀ·m)·A along each row.
            for nu in 0..<6 {
                let c = positions(m + t + nu * blockStride, blockStride: blockStride), r = combineA(c.0, c.1, c.2, c.3, c.4, c.5)
                stage((r.0, r.1, r.2, r.3, .zero, .zero), staging + 4 * nu, rows: 4)
            }
            for i in 0..<4 {
                let s = stagedRow(staging + 24 * i), y = combineA(s.0, s.1, s.2, s.3, s.4, s.5)
                let tiles = transpose(y.0 + b, y.1 + b, y.2 + b, y.3 + b)
                let (r0, r1) = pairs.at(outRows, rowLength: outWidth, row: i)
                // A pair's two tiles: columns 4·tx…4·tx + 7 of its row, cut at the plane's edges.
                @inline(__always) func put(_ row: UnsafeMutablePointer<Scalar>, _ pair: (ty: Int, tx: Int),
                                           _ left: SIMD4<Scalar>, _ right: SIMD4<Scalar>) {
                    guard 4 * pair.ty + i < outHeight else { return }
                    let width = outWidth - 4 * pair.tx
                    store(left, row, lanes: Swift.min(4, width))
                    if width > 4 { store(right, row + 4, lanes: Swift.min(4, width - 4)) }
                }
                put(r0, pairs.first, tiles.0, tiles.1)
                if pairs.lanes > 2 { put(r1, pairs.second, tiles.2, tiles.3) }
            }
            t += 4
        }
    }

    /// Column ν of M (or ∂V) for four tiles, x at its position 0ν: the vectors at x + 6·ξ·blockStride, ξ = 0…5.
    @inline(__always)
    static func positions<Scalar: TensorScalar>(_ x: UnsafePointer<Scalar>, blockStride: Int) -> Six<Scalar> {
        @inline(__always) func at(_ xi: Int) -> SIMD4<Scalar> { load4(x + 6 * xi * blockStride) }
        return (at(0), at(1), at(2), at(3), at(4), at(5))
    }

    /// `positions` undone: the first `lanes` lanes of each vector of s at p + 6·ξ·blockStride, ξ = 0…5.
    @inline(__always)
    static func storePositions<Scalar: TensorScalar>(_ s: Six<Scalar>, _ p: UnsafeMutablePointer<Scalar>, blockStride: Int,
                                                     lanes: Int) {
        store(s.0, p, lanes: lanes); store(s.1, p + 6 * blockStride, lanes: lanes)
        store(s.2, p + 12 * blockStride, lanes: lanes); store(s.3, p + 18 * blockStride, lanes: lanes)
        store(s.4, p + 24 * blockStride, lanes: lanes); store(s.5, p + 30 * blockStride, lanes: lanes)
    }

    /// The first `rows` vectors of s as a column of a staged tile, p at its row 0 (rows 24 elements apart).
    @inline(__always)
    static func stage<Scalar: TensorScalar>(_ s: Six<Scalar>, _ p: UnsafeMutablePointer<Scalar>, rows: Int) {
        store4(s.0, p); store4(s.1, p + 24); store4(s.2, p + 48); store4(s.3, p + 72)
        if rows > 4 { store4(s.4, p + 96); store4(s.5, p + 120) }
    }

    /// Row of a staged tile: the six vectors at p, p + 4, …, p + 20.
    @inline(__always)
    static func stagedRow<Scalar: TensorScalar>(_ p: UnsafeMutablePointer<Scalar>) -> Six<Scalar> {
        (load4(p), load4(p + 4), load4(p + 8),
         load4(p + 12), load4(p + 16), load4(p + 20))
    }
}
