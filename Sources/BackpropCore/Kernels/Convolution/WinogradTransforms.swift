// Kernels/Convolution/Winograd — §7.4.3's convolution for a 3×3 filter at stride 1, by Winograd's minimal
// filtering F(2×2, 3×3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016). It equals
// the plain cross-correlation out[n, f, i, j] = Σ_c Σ_{u,v} W[f, c, u, v]·xpad[n, c, i + u, j + v] + b[f]
// up to rounding (WinogradConvolutionTests hold it to that, with a stated bound in Float).
//
// Symbols, as the book's §7: N batch size, C channels, H/W an image's height/width, FN filters,
// OH/OW the output's height/width; TH = ⌈OH/2⌉, TW = ⌈OW/2⌉ the 2×2 output tiles along each axis,
// P the tiles of a group of images; ξν (0…15) a position in a 4×4 transformed tile.
//
// Each 2×2 output tile y comes from the 4×4 input tile d under it (padded input, rows 2·ty…2·ty + 3):
//   y = Aᵀ[(G·g·Gᵀ) ⊙ (Bᵀ·d·B)]A,  with
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],  Aᵀ = [1 1 1 0; 0 1 −1 −1].
// Summed over channels, the element-wise product becomes, for each of the 16 positions ξν, one GEMM
// M[ξν] (FN, P) = U[ξν] (FN, C) · V[ξν] (C, P): 16·FN·C·P multiplications where the direct way makes
// 36·FN·C·P for the same 4·P outputs (2.25× fewer).
//
// WinogradTransforms      the three transforms: filters → U, input planes → V, M → output planes
// WinogradConvolution     the batched arrangement (groups of images, 16 GEMMs), forward and ∂x

/// F(2×2, 3×3)'s transforms (see the file's header for the matrices). Each works on raw buffers and is
/// written as loops over contiguous rows, so the compiler vectorises them across the tiles of a row.
enum WinogradTransforms {
    /// Tiles along an axis whose output is `size` long: ⌈size/2⌉.
    @inline(__always)
    static func tiles(_ size: Int) -> Int { (size + 1) / 2 }

    /// U[ξν] = G·g·Gᵀ for every filter, stored as 16 matrices (outputs, inputs). With `flipped` false,
    /// g = W[f, c], outputs FN, inputs C (forward). With `flipped` true, g = W[f, c] turned by 180° and
    /// the matrix is transposed: outputs C, inputs FN (∂x, the convolution of dout with the flipped filter).
    /// w: (FN, C, 3, 3); u: 16·FN·C elements.
    static func transformFilters<Scalar: TensorScalar>(_ w: UnsafePointer<Scalar>, filters fn: Int, channels c: Int,
                                                       flipped: Bool, into u: UnsafeMutablePointer<Scalar>) {
        let half: Scalar = 0.5, block = fn * c
        for f in 0..<fn {
            for ch in 0..<c {
                let g = w + (f * c + ch) * 9
                // g[a][b], turned by 180° when flipped.
                func at(_ a: Int, _ b: Int) -> Scalar { flipped ? g[(2 - a) * 3 + (2 - b)] : g[a * 3 + b] }
                // G·g (4×3), column by column: rows g0, ½(g0 + g1 + g2), ½(g0 − g1 + g2), g2.
                @inline(__always) func column(_ b: Int) -> (Scalar, Scalar, Scalar, Scalar) {
                    let (g0, g1, g2) = (at(0, b), at(1, b), at(2, b))
                    return (g0, half * (g0 + g1 + g2), half * (g0 - g1 + g2), g2)
                }
                let (c0, c1, c2) = (column(0), column(1), column(2))
                let index = flipped ? ch * fn + f : f * c + ch
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
    /// rows of TW + 1 each, and eight rows of TW + 1 for Bᵀ·d. `elements(_:_:)` says how many.
    struct InputPlane {
        let height: Int, width: Int, pad: Int, tilesHigh: Int, tilesWide: Int
        /// TW + 1: the length of a row of even (or odd) columns.
        var rowLength: Int { tilesWide + 1 }
        var paddedRows: Int { 2 * tilesHigh + 2 }
        /// Even columns, odd columns, Bᵀ·d of a row of tiles (even and odd columns).
        var elements: Int { 2 * paddedRows * rowLength + 8 * rowLength }
    }

    /// V[ξν][tile] = (Bᵀ·d·B)[ξ][ν] for every tile of one plane x (H, W), the tiles of a row at
    /// consecutive `v` positions (v[ξν·blockStride + ty·TW + tx]). `scratch` (`plane.elements`) must
    /// have been zeroed before its first use with this geometry: only the inside of the padded copy is
    /// written, so its border stays 0.
    static func transformInput<Scalar: TensorScalar>(_ x: UnsafePointer<Scalar>, _ plane: InputPlane,
                                                     scratch: UnsafeMutablePointer<Scalar>,
                                                     into v: UnsafeMutablePointer<Scalar>, blockStride: Int) {
        let l = plane.rowLength, tw = plane.tilesWide, pad = plane.pad
        let even = scratch, odd = scratch + plane.paddedRows * l, rows = odd + plane.paddedRows * l
        // The padded plane, column q = pad + w going to even[q/2] or odd[q/2].
        for h in 0..<plane.height {
            let src = x + h * plane.width, e = even + (pad + h) * l, o = odd + (pad + h) * l
            var w = 0
            while w < plane.width {
                let q = pad + w
                if q & 1 == 0 { e[q >> 1] = src[w] } else { o[q >> 1] = src[w] }
                w += 1
            }
        }
        for ty in 0..<plane.tilesHigh {
            // Bᵀ·d on the four rows 2·ty…2·ty + 3: t0 = d0 − d2, t1 = d1 + d2, t2 = d2 − d1, t3 = d1 − d3,
            // for the even columns (rows[0…3]) and the odd ones (rows[4…7]).
            for half in 0..<2 {
                let src = half == 0 ? even : odd, dst = rows + 4 * half * l
                let d0 = src + 2 * ty * l, d1 = d0 + l, d2 = d1 + l, d3 = d2 + l
                let t0 = dst, t1 = dst + l, t2 = t1 + l, t3 = t2 + l
                for k in 0..<l {
                    t0[k] = d0[k] - d2[k]; t1[k] = d1[k] + d2[k]; t2[k] = d2[k] - d1[k]; t3[k] = d1[k] - d3[k]
                }
            }
            // (Bᵀ·d)·B on the columns 2·tx…2·tx + 3 = even[tx], odd[tx], even[tx + 1], odd[tx + 1].
            for i in 0..<4 {
                let e = rows + i * l, o = rows + (4 + i) * l
                let v0 = v + (4 * i) * blockStride + ty * tw, v1 = v0 + blockStride, v2 = v1 + blockStride
                let v3 = v2 + blockStride
                for tx in 0..<tw {
                    v0[tx] = e[tx] - e[tx + 1]
                    v1[tx] = o[tx] + e[tx + 1]
                    v2[tx] = e[tx + 1] - o[tx]
                    v3[tx] = o[tx] - o[tx + 1]
                }
            }
        }
    }

    /// One output plane (OH, OW) = Aᵀ·m·A + bias for every tile, m[ξν] read at m[ξν·blockStride + ty·TW + tx].
    /// `rows`: scratch for two output rows of 2·TW.
    static func transformOutput<Scalar: TensorScalar>(_ m: UnsafePointer<Scalar>, blockStride: Int, bias: Scalar,
                                                      outHeight: Int, outWidth: Int, rows: UnsafeMutablePointer<Scalar>,
                                                      into out: UnsafeMutablePointer<Scalar>) {
        let th = tiles(outHeight), tw = tiles(outWidth)
        let r0 = rows, r1 = rows + 2 * tw
        for ty in 0..<th {
            let base = m + ty * tw
            for tx in 0..<tw {
                @inline(__always) func at(_ i: Int, _ j: Int) -> Scalar { base[(4 * i + j) * blockStride + tx] }
                // Aᵀ·m: s = m0 + m1 + m2, d = m1 − m2 − m3 (rows), then the same on the columns.
                let s0 = at(0, 0) + at(1, 0) + at(2, 0), s1 = at(0, 1) + at(1, 1) + at(2, 1)
                let s2 = at(0, 2) + at(1, 2) + at(2, 2), s3 = at(0, 3) + at(1, 3) + at(2, 3)
                let d0 = at(1, 0) - at(2, 0) - at(3, 0), d1 = at(1, 1) - at(2, 1) - at(3, 1)
                let d2 = at(1, 2) - at(2, 2) - at(3, 2), d3 = at(1, 3) - at(2, 3) - at(3, 3)
                r0[2 * tx] = s0 + s1 + s2; r0[2 * tx + 1] = s1 - s2 - s3
                r1[2 * tx] = d0 + d1 + d2; r1[2 * tx + 1] = d1 - d2 - d3
            }
            let o0 = out + 2 * ty * outWidth
            for j in 0..<outWidth { o0[j] = r0[j] + bias }
            if 2 * ty + 1 < outHeight {
                let o1 = o0 + outWidth
                for j in 0..<outWidth { o1[j] = r1[j] + bias }
            }
        }
    }
}
