// Kernels/Convolution/Winograd — §7.4.3's convolution for a 3×3 filter at stride 1, by Winograd's minimal
// filtering F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016). It equals
// the plain cross-correlation out[n, f, i, j] = Σ_c Σ_{u,v} W[f, c, u, v]·xpad[n, c, i + u, j + v] + b[f]
// up to rounding (WinogradConvolutionTests hold it to that, with a stated bound in Float).
//
// Symbols, as the book's §7: N batch size, C channels, H/W an image's height/width, FN filters,
// OH/OW the output's height/width; TH = ⌈OH/2⌉, TW = ⌈OW/2⌉ the 2×2 output tiles along each axis,
// P the tiles of a group of images; ξν (0…15) a position in a 4×4 transformed tile.
//
// The transforms are generic over the element type and compiled for Float and Double here
// (`@_specialize`), as the layers reach them through an unspecialised generic `Convolution<Scalar>`.
//
// Each 2×2 output tile y comes from the 4×4 input tile d under it (padded input, rows 2·ty…2·ty + 3):
//   y = Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A,  with
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 −1].
// Summed over channels, the element-wise product becomes, for each of the 16 positions ξν, one GEMM
// M[ξν] (FN, P) = U[ξν] (FN, C) · V[ξν] (C, P): 16·FN·C·P multiplications where the direct way makes
// 36·FN·C·P for the same 4·P outputs (2.25× fewer).
//
// WinogradTransforms      the three transforms: filters → U, input planes → V, M → output planes
// WinogradConvolution     the batched arrangement (groups of images, 16 GEMMs), forward
// WinogradBackward        the same arrangement transposed: dx, dW and db in one pass
// WinogradGradientTransforms  the transforms' transposes
// WinogradTile            which algorithm: F(2×2, 3×3) here, or F(4×4, 3×3) (Winograd4Transforms,
//                         Winograd4GradientTransforms) for planes of 8×8 and more

/// F(2×2, 3×3)'s transforms (see the file's header for the matrices). Each works on raw buffers and is
/// written on 4-lane vectors across the tiles of a row.
enum WinogradTransforms {
    /// Tiles along an axis whose output is `size` long: ⌈size/2⌉.
    @inline(__always)
    static func tiles(_ size: Int) -> Int { (size + 1) / 2 }

    /// U[ξν] = G·g·Gᵀ for every filter g = W[f, c], stored as 16 matrices (FN, C).
    /// w: (FN, C, 3, 3); u: 16·FN·C elements.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func transformFilters<Scalar: TensorScalar>(_ w: UnsafePointer<Scalar>, filters fn: Int, channels c: Int,
                                                       into u: UnsafeMutablePointer<Scalar>) {
        let half: Scalar = 0.5, block = fn * c
        for f in 0..<fn {
            for ch in 0..<c {
                let g = w + (f * c + ch) * 9
                @inline(__always) func at(_ a: Int, _ b: Int) -> Scalar { g[a * 3 + b] }
                // G·g (4×3), column by column: rows g0, ½(g0 + g1 + g2), ½(g0 − g1 + g2), g2.
                @inline(__always) func column(_ b: Int) -> (Scalar, Scalar, Scalar, Scalar) {
                    let (g0, g1, g2) = (at(0, b), at(1, b), at(2, b))
                    return (g0, half * (g0 + g1 + g2), half * (g0 - g1 + g2), g2)
                }
                let (c0, c1, c2) = (column(0), column(1), column(2))
                let index = f * c + ch
                // (G·g)·Gᵀ: the same combinations along each row a of G·g.
                @inline(__always) func row(_ a: Int, _ r0: Scalar, _ r1: Scalar, _ r2: Scalar) {
                    u[(a * 4 + 0) * block + index] = r0
                    u[(a * 4 + 1) * block + index] = half * (r0 + r1 + r2)
                    u[(a * 4 + 2) * block + index] = half * (r0 - r1 + r2)
                    u[(a * 4 + 3) * block + index] = r2
                }
                row(0, c0.0, c1.0, c2.0); row(1, c0.1, c1.1, c2.1); row(2, c0.2, c1.2, c2.2); row(3, c0.3, c1.3, c2.3)
            }
        }
    }

    /// Scratch for one input plane: its zero-padded copy split into even and odd columns, (2·TH + 2)
    /// rows of TW + 1 each. `elements` says how many.
    struct InputPlane {
        let height: Int, width: Int, pad: Int, tilesHigh: Int, tilesWide: Int
        /// TW + 1: the length of a row of even (or odd) columns.
        var rowLength: Int { tilesWide + 1 }
        var paddedRows: Int { 2 * tilesHigh + 2 }
        /// Even columns, then odd columns.
        var elements: Int { 2 * paddedRows * rowLength }
        /// Where an image row's elements 0, 2, 4, … and 1, 3, 5, … go in a padded row whose even and
        /// odd columns start at e and o (column pad + w is even[(pad + w)/2] or odd[(pad + w)/2]).
        func columns<Scalar>(_ e: UnsafeMutablePointer<Scalar>, _ o: UnsafeMutablePointer<Scalar>)
            -> (UnsafeMutablePointer<Scalar>, UnsafeMutablePointer<Scalar>) {
            pad & 1 == 0 ? (e + pad / 2, o + pad / 2) : (o + pad / 2, e + (pad + 1) / 2)
        }
    }

    /// V[ξν][tile] = (Bᵀ·d·B)[ξ][ν] for every tile of one plane x (H, W), the tiles of a row at
    /// consecutive `v` positions (v[ξν·blockStride + ty·TW + tx]). `scratch` (`plane.elements`) must
    /// have been zeroed before its first use with this geometry: only the inside of the padded copy is
    /// written, so its border stays 0.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func transformInput<Scalar: TensorScalar>(_ x: UnsafePointer<Scalar>, _ plane: InputPlane,
                                                     scratch: UnsafeMutablePointer<Scalar>,
                                                     into v: UnsafeMutablePointer<Scalar>, blockStride: Int) {
        let l = plane.rowLength, tw = plane.tilesWide, pad = plane.pad
        let even = scratch, odd = scratch + plane.paddedRows * l
        // The padded plane, column q = pad + w going to even[q/2] or odd[q/2].
        for h in 0..<plane.height {
            let (first, second) = plane.columns(even + (pad + h) * l, odd + (pad + h) * l)
            split(x + h * plane.width, count: plane.width, into: first, second)
        }
        for ty in 0..<plane.tilesHigh {
            // Bᵀ·d on the four rows 2·ty…2·ty + 3 (t0 = d0 − d2, t1 = d1 + d2, t2 = d2 − d1, t3 = d1 − d3), then
            // (Bᵀ·d)·B on the columns 2·tx…2·tx + 3 = even[tx], odd[tx], even[tx + 1], odd[tx + 1] — each
            // row combination computed where it is used (never stored and read back at another offset,
            // which stalls on store forwarding).
            let e0 = even + 2 * ty * l, o0 = odd + 2 * ty * l
            for i in 0..<4 {
                let v0 = v + (4 * i) * blockStride + ty * tw, v1 = v0 + blockStride, v2 = v1 + blockStride
                let v3 = v2 + blockStride
                // Row i of Bᵀ·d at column k of a row-set starting at r: rows r, r + l, r + 2·l, r + 3·l.
                @inline(__always) func t4(_ r: UnsafeMutablePointer<Scalar>) -> SIMD4<Scalar> {
                    switch i {
                    case 0: load4(r) - load4(r + 2 * l)
                    case 1: load4(r + l) + load4(r + 2 * l)
                    case 2: load4(r + 2 * l) - load4(r + l)
                    default: load4(r + l) - load4(r + 3 * l)
                    }
                }
                @inline(__always) func t1(_ r: UnsafeMutablePointer<Scalar>) -> Scalar {
                    switch i {
                    case 0: r[0] - r[2 * l]
                    case 1: r[l] + r[2 * l]
                    case 2: r[2 * l] - r[l]
                    default: r[l] - r[3 * l]
                    }
                }
                var tx = 0
                while tx + 4 <= tw {
                    let (e, e1, o, o1) = (t4(e0 + tx), t4(e0 + tx + 1), t4(o0 + tx), t4(o0 + tx + 1))
                    store4(e - e1, v0 + tx); store4(o + e1, v1 + tx); store4(e1 - o, v2 + tx); store4(o - o1, v3 + tx)
                    tx += 4
                }
                while tx < tw {
                    let (e, e1, o, o1) = (t1(e0 + tx), t1(e0 + tx + 1), t1(o0 + tx), t1(o0 + tx + 1))
                    v0[tx] = e - e1; v1[tx] = o + e1; v2[tx] = e1 - o; v3[tx] = o - o1
                    tx += 1
                }
            }
        }
    }

    /// a[k] = src[2k] and b[k] = src[2k + 1] for 2k, 2k + 1 < count (16 elements at a time).
    @inline(__always)
    static func split<Scalar: TensorScalar>(_ src: UnsafePointer<Scalar>, count: Int, into a: UnsafeMutablePointer<Scalar>,
                                            _ b: UnsafeMutablePointer<Scalar>) {
        var w = 0
        while w + 16 <= count {
            let v = UnsafeRawPointer(src + w).loadUnaligned(as: SIMD16<Scalar>.self)
            UnsafeMutableRawPointer(a + w / 2).storeBytes(of: v.evenHalf, as: SIMD8<Scalar>.self)
            UnsafeMutableRawPointer(b + w / 2).storeBytes(of: v.oddHalf, as: SIMD8<Scalar>.self)
            w += 16
        }
        if w + 8 <= count {
            let v = UnsafeRawPointer(src + w).loadUnaligned(as: SIMD8<Scalar>.self)
            store4(v.evenHalf, a + w / 2); store4(v.oddHalf, b + w / 2)
            w += 8
        }
        while w < count {
            if w & 1 == 0 { a[w >> 1] = src[w] } else { b[w >> 1] = src[w] }
            w += 1
        }
    }

    /// dst[2k] = a[k] and dst[2k + 1] = b[k] for 2k, 2k + 1 < count: `split` undone.
    @inline(__always)
    static func merge<Scalar: TensorScalar>(_ a: UnsafePointer<Scalar>, _ b: UnsafePointer<Scalar>, count: Int,
                                            into dst: UnsafeMutablePointer<Scalar>) {
        var w = 0
        while w + 16 <= count {
            let (x, y) = (load4(a + w / 2), load4(b + w / 2)), (z, t) = (load4(a + w / 2 + 4), load4(b + w / 2 + 4))
            store4(SIMD4(x[0], y[0], x[1], y[1]), dst + w); store4(SIMD4(x[2], y[2], x[3], y[3]), dst + w + 4)
            store4(SIMD4(z[0], t[0], z[1], t[1]), dst + w + 8); store4(SIMD4(z[2], t[2], z[3], t[3]), dst + w + 12)
            w += 16
        }
        if w + 8 <= count {
            let (x, y) = (load4(a + w / 2), load4(b + w / 2))
            store4(SIMD4(x[0], y[0], x[1], y[1]), dst + w); store4(SIMD4(x[2], y[2], x[3], y[3]), dst + w + 4)
            w += 8
        }
        while w < count {
            dst[w] = w & 1 == 0 ? a[w >> 1] : b[w >> 1]
            w += 1
        }
    }

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

    /// One output plane (OH, OW) = Aᵀ·m·A + bias for every tile, m[ξν] read at m[ξν·blockStride + ty·TW + tx].
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func transformOutput<Scalar: TensorScalar>(_ m: UnsafePointer<Scalar>, blockStride: Int, bias: Scalar,
                                                      outHeight: Int, outWidth: Int,
                                                      into out: UnsafeMutablePointer<Scalar>) {
        let th = tiles(outHeight), tw = tiles(outWidth)
        for ty in 0..<th {
            let base = m + ty * tw, o0 = out + 2 * ty * outWidth, o1 = o0 + outWidth
            let secondRow = 2 * ty + 1 < outHeight
            var tx = 0
            // Tiles wholly inside the output, four at a time.
            while 2 * (tx + 4) <= outWidth {
                @inline(__always) func at(_ i: Int, _ j: Int) -> SIMD4<Scalar> { load4(base + (4 * i + j) * blockStride + tx) }
                // Aᵀ·m: s = m0 + m1 + m2, d = m1 − m2 − m3 (rows), then the same on the columns.
                let s0 = at(0, 0) + at(1, 0) + at(2, 0), s1 = at(0, 1) + at(1, 1) + at(2, 1)
                let s2 = at(0, 2) + at(1, 2) + at(2, 2), s3 = at(0, 3) + at(1, 3) + at(2, 3)
                let d0 = at(1, 0) - at(2, 0) - at(3, 0), d1 = at(1, 1) - at(2, 1) - at(3, 1)
                let d2 = at(1, 2) - at(2, 2) - at(3, 2), d3 = at(1, 3) - at(2, 3) - at(3, 3)
                let b = SIMD4<Scalar>(repeating: bias)
                let (y00, y01, y10, y11) = (s0 + s1 + s2 + b, s1 - s2 - s3 + b, d0 + d1 + d2 + b, d1 - d2 - d3 + b)
                for lane in 0..<4 {
                    o0[2 * (tx + lane)] = y00[lane]; o0[2 * (tx + lane) + 1] = y01[lane]
                }
                if secondRow {
                    for lane in 0..<4 {
                        o1[2 * (tx + lane)] = y10[lane]; o1[2 * (tx + lane) + 1] = y11[lane]
                    }
                }
                tx += 4
            }
            while tx < tw {
                @inline(__always) func at(_ i: Int, _ j: Int) -> Scalar { base[(4 * i + j) * blockStride + tx] }
                let s0 = at(0, 0) + at(1, 0) + at(2, 0), s1 = at(0, 1) + at(1, 1) + at(2, 1)
                let s2 = at(0, 2) + at(1, 2) + at(2, 2), s3 = at(0, 3) + at(1, 3) + at(2, 3)
                let d0 = at(1, 0) - at(2, 0) - at(3, 0), d1 = at(1, 1) - at(2, 1) - at(3, 1)
                let d2 = at(1, 2) - at(2, 2) - at(3, 2), d3 = at(1, 3) - at(2, 3) - at(3, 3)
                let secondColumn = 2 * tx + 1 < outWidth
                o0[2 * tx] = s0 + s1 + s2 + bias
                if secondColumn { o0[2 * tx + 1] = s1 - s2 - s3 + bias }
                if secondRow {
                    o1[2 * tx] = d0 + d1 + d2 + bias
                    if secondColumn { o1[2 * tx + 1] = d1 - d2 - d3 + bias }
                }
                tx += 1
            }
        }
    }
}
