// Kernels/Convolution/Winograd, backward — the transposes of F(2×2, 3×3)'s three transforms
// (WinogradTransforms.swift). The forward is y = Aᵀ·[Σ_c (G·g·Gᵀ) ⊙ (Bᵀ·d·B)]·A per tile, a linear map in
// each of g and d, so its backward is the same map transposed (Lavin & Gray, 2016, §4):
//   ∂M = A·∂y·Aᵀ            the 2×2 tile of dout spread to 4×4        (`transformOutputGradient`)
//   ∂U[ξν] = Σ_tiles ∂M[ξν]·V[ξν]ᵀ,  ∂V[ξν] = U[ξν]ᵀ·∂M[ξν]        (the GEMMs, WinogradBackward.swift)
//   ∂d = B·∂V·Bᵀ            added into the 4×4 input tile (tiles overlap by 2)  (`accumulateInputGradient`)
//   ∂g = Gᵀ·∂U·G            3×3 from 4×4                              (`filterGradient`)
// with A = [1 0; 1 1; 1 −1; 0 −1], B = [1 0 0 0; 0 1 −1 1; −1 1 1 0; 0 0 0 −1], Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1].
// So dx and dW come out of one pass that shares ∂M, as the forward's out comes from V and U.

extension WinogradTransforms {
    /// The output plane's scratch for `transformOutputGradient`: dout (OH, OW) split into even and odd
    /// columns, 2·TH rows of TW each (rows and columns past the plane stay 0).
    struct OutputPlane {
        let height: Int, width: Int
        var tilesHigh: Int { tiles(height) }
        var tilesWide: Int { tiles(width) }
        /// Even columns, then odd columns.
        var elements: Int { 2 * 2 * tilesHigh * tilesWide }
    }

    /// ∂M[ξν][tile] = (A·∂y·Aᵀ)[ξ][ν] for every 2×2 tile ∂y of one dout plane (OH, OW), written as the
    /// forward's M is read (dm[ξν·blockStride + ty·TW + tx]); returns the plane's sum (∂b's share).
    /// `scratch` (`plane.elements`) must have been zeroed before its first use with this geometry.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func transformOutputGradient<Scalar: TensorScalar>(_ dout: UnsafePointer<Scalar>, _ plane: OutputPlane,
                                                              scratch: UnsafeMutablePointer<Scalar>,
                                                              into dm: UnsafeMutablePointer<Scalar>, blockStride: Int) -> Scalar {
        let tw = plane.tilesWide, even = scratch, odd = scratch + 2 * plane.tilesHigh * tw
        var sums = SIMD8<Scalar>.zero, i = 0
        let count = plane.height * plane.width
        while i + 8 <= count {
            sums += UnsafeRawPointer(dout + i).loadUnaligned(as: SIMD8<Scalar>.self)
            i += 8
        }
        var sum = sums.sum()
        while i < count { sum += dout[i]; i += 1 }
        for h in 0..<plane.height { split(dout + h * plane.width, count: plane.width, into: even + h * tw, odd + h * tw) }
        for ty in 0..<plane.tilesHigh {
            let e0 = even + 2 * ty * tw, o0 = odd + 2 * ty * tw, base = dm + ty * tw
            // Rows of A·∂y: y0, y0 + y1, y0 − y1, −y1 (`spread`); then the same on the columns (even, odd).
            @inline(__always) func store(_ i: Int, _ re: SIMD4<Scalar>, _ ro: SIMD4<Scalar>, _ tx: Int) {
                store4(re, base + (4 * i) * blockStride + tx)
                store4(re + ro, base + (4 * i + 1) * blockStride + tx)
                store4(re - ro, base + (4 * i + 2) * blockStride + tx)
                store4(.zero - ro, base + (4 * i + 3) * blockStride + tx)
            }
            var tx = 0
            while tx + 4 <= tw {
                let (y0e, y1e, y0o, y1o) = (load4(e0 + tx), load4(e0 + tw + tx), load4(o0 + tx), load4(o0 + tw + tx))
                store(0, y0e, y0o, tx); store(1, y0e + y1e, y0o + y1o, tx)
                store(2, y0e - y1e, y0o - y1o, tx); store(3, .zero - y1e, .zero - y1o, tx)
                tx += 4
            }
            while tx < tw {
                let (y0e, y1e, y0o, y1o) = (e0[tx], e0[tw + tx], o0[tx], o0[tw + tx])
                @inline(__always) func store(_ i: Int, _ re: Scalar, _ ro: Scalar) {
                    base[(4 * i) * blockStride + tx] = re
                    base[(4 * i + 1) * blockStride + tx] = re + ro
                    base[(4 * i + 2) * blockStride + tx] = re - ro
                    base[(4 * i + 3) * blockStride + tx] = 0 - ro
                }
                store(0, y0e, y0o); store(1, y0e + y1e, y0o + y1o); store(2, y0e - y1e, y0o - y1o); store(3, 0 - y1e, 0 - y1o)
                tx += 1
            }
        }
        return sum
    }

    /// dx (H, W) of one plane = Σ over its tiles of B·∂V·Bᵀ, ∂V read as the forward's V is written
    /// (dv[ξν·blockStride + ty·TW + tx]), each 4×4 result added at the tile's place in the padded plane
    /// (rows 2·ty…, columns 2·tx…), whose inside is then copied out. `scratch` holds the padded plane
    /// (`plane.elements`, even then odd columns) and two rows of TW + 4 for the columns the next tile
    /// shares; it is cleared here.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func accumulateInputGradient<Scalar: TensorScalar>(_ dv: UnsafePointer<Scalar>, blockStride: Int,
                                                              _ plane: InputPlane, scratch: UnsafeMutablePointer<Scalar>,
                                                              into dx: UnsafeMutablePointer<Scalar>) {
        let l = plane.rowLength, tw = plane.tilesWide, pad = plane.pad
        scratch.initialize(repeating: 0, count: plane.elements)
        let even = scratch, odd = scratch + plane.paddedRows * l
        let carry2 = scratch + plane.elements, carry3 = carry2 + tw + 4
        for ty in 0..<plane.tilesHigh {
            let base = dv + ty * tw
            for i in 0..<4 {
                // Row i of B·∂V, column ν: X0 | X1 − X2 + X3 | −X0 + X1 + X2 | −X3 (X_ξ = ∂V[ξν]); then the
                // same along the row gives z0…z3, added at columns 2·tx…2·tx + 3 = even[tx], odd[tx],
                // even[tx + 1], odd[tx + 1]. z2, z3 wait in the carry rows and are added after the row, so
                // no store is read back at an overlapping offset.
                let e = even + (2 * ty + i) * l, o = odd + (2 * ty + i) * l
                @inline(__always) func row(_ nu: Int, _ tx: Int) -> SIMD4<Scalar> {
                    let x = base + nu * blockStride + tx
                    switch i {
                    case 0: return load4(x)
                    case 1: return load4(x + 4 * blockStride) - load4(x + 8 * blockStride) + load4(x + 12 * blockStride)
                    case 2: return load4(x + 4 * blockStride) + load4(x + 8 * blockStride) - load4(x)
                    default: return .zero - load4(x + 12 * blockStride)
                    }
                }
                @inline(__always) func row1(_ nu: Int, _ tx: Int) -> Scalar {
                    let x = base + nu * blockStride + tx
                    switch i {
                    case 0: return x[0]
                    case 1: return x[4 * blockStride] - x[8 * blockStride] + x[12 * blockStride]
                    case 2: return x[4 * blockStride] + x[8 * blockStride] - x[0]
                    default: return 0 - x[12 * blockStride]
                    }
                }
                var tx = 0
                while tx + 4 <= tw {
                    let (q0, q1, q2, q3) = (row(0, tx), row(1, tx), row(2, tx), row(3, tx))
                    store4(load4(e + tx) + q0, e + tx)
                    store4(load4(o + tx) + (q1 - q2 + q3), o + tx)
                    store4(q1 + q2 - q0, carry2 + tx)
                    store4(.zero - q3, carry3 + tx)
                    tx += 4
                }
                while tx < tw {
                    let (q0, q1, q2, q3) = (row1(0, tx), row1(1, tx), row1(2, tx), row1(3, tx))
                    e[tx] += q0
                    o[tx] += q1 - q2 + q3
                    carry2[tx] = q1 + q2 - q0
                    carry3[tx] = 0 - q3
                    tx += 1
                }
                var t = 0
                while t + 4 <= tw {
                    store4(load4(e + t + 1) + load4(carry2 + t), e + t + 1)
                    store4(load4(o + t + 1) + load4(carry3 + t), o + t + 1)
                    t += 4
                }
                while t < tw {
                    e[t + 1] += carry2[t]
                    o[t + 1] += carry3[t]
                    t += 1
                }
            }
        }
        for h in 0..<plane.height {
            let (first, second) = plane.columns(even + (pad + h) * l, odd + (pad + h) * l)
            merge(first, second, count: plane.width, into: dx + h * plane.width)
        }
    }

    /// Scratch `accumulateInputGradient` needs for `plane`: the padded plane and its two carry rows.
    static func inputGradientScratch(_ plane: InputPlane) -> Int { plane.elements + 2 * (plane.tilesWide + 4) }

    /// ∂W (FN, C, 3, 3) = Gᵀ·∂U[f, c]·G for every filter and channel, ∂U stored as the forward's U
    /// (16 matrices (FN, C)).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func filterGradient<Scalar: TensorScalar>(_ du: UnsafePointer<Scalar>, filters fn: Int, channels c: Int,
                                                     into dw: UnsafeMutablePointer<Scalar>) {
        let half: Scalar = 0.5, block = fn * c
        for index in 0..<block {
            @inline(__always) func x(_ xi: Int, _ nu: Int) -> Scalar { du[(4 * xi + nu) * block + index] }
            // Gᵀ·∂U: rows X0 + ½(X1 + X2), ½(X1 − X2), ½(X1 + X2) + X3, for each column ν (as 4-vectors).
            let (x0, x1, x2, x3) = (SIMD4(x(0, 0), x(0, 1), x(0, 2), x(0, 3)), SIMD4(x(1, 0), x(1, 1), x(1, 2), x(1, 3)),
                                    SIMD4(x(2, 0), x(2, 1), x(2, 2), x(2, 3)), SIMD4(x(3, 0), x(3, 1), x(3, 2), x(3, 3)))
            let rows = (x0 + half * (x1 + x2), half * (x1 - x2), half * (x1 + x2) + x3)
            // (Gᵀ·∂U)·G: the same combinations along each row.
            @inline(__always) func columns(_ a: Int, _ s: SIMD4<Scalar>) {
                dw[index * 9 + a * 3] = s[0] + half * (s[1] + s[2])
                dw[index * 9 + a * 3 + 1] = half * (s[1] - s[2])
                dw[index * 9 + a * 3 + 2] = half * (s[1] + s[2]) + s[3]
            }
            columns(0, rows.0); columns(1, rows.1); columns(2, rows.2)
        }
    }
}
