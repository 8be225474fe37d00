/// Which of Winograd's minimal filtering algorithms a 3×3 stride-1 convolution runs: F(2×2, 3×3)
/// (`WinogradTransforms`) or F(4×4, 3×3) (`Winograd4Transforms`). F(m×m, 3×3) turns each (m + 2)² tile
/// of the padded input into an m×m tile of the output with (m + 2)² multiplications per channel pair,
/// where the direct way makes 9·m²: 2.25× fewer for m = 2, 4× fewer for m = 4 (Lavin & Gray, 2016).
/// The larger tile rounds more (its transforms multiply by up to 8 and by 1/6, 1/12, 1/24), so each has
/// its own Float bound in the tests (WinogradConvolutionTests, Winograd4x4Tests).
enum WinogradTile: Sendable, Equatable, CaseIterable {
    /// F(2×2, 3×3): 4×4 input tiles, 16 products per 4 outputs.
    case two
    /// F(4×4, 3×3): 6×6 input tiles, 36 products per 16 outputs.
    case four

    /// m: the side of an output tile.
    var side: Int { self == .two ? 2 : 4 }
    /// m + 2: the side of an input tile (and of a transformed one).
    var alpha: Int { side + 2 }
    /// (m + 2)²: the transformed positions ξν, one GEMM each.
    var positions: Int { alpha * alpha }
    /// Tiles along an axis whose output is `size` long: ⌈size/m⌉.
    func tiles(_ size: Int) -> Int { (size + side - 1) / side }
    /// Tiles along a row as the transforms lay them out: ⌈OW/m⌉, rounded up to even for F(4×4, 3×3),
    /// whose transforms take tiles in pairs along a row (a last tile past the plane is computed and
    /// dropped: its outputs are not written, its dout is zero).
    func tilesPerRow(_ outWidth: Int) -> Int { self == .two ? tiles(outWidth) : (tiles(outWidth) + 1) / 2 * 2 }
    /// Tiles of one output plane (OH, OW) as laid out: ⌈OH/m⌉ rows of `tilesPerRow(OW)`.
    func tilesPerPlane(height: Int, width: Int) -> Int { tiles(height) * tilesPerRow(width) }
}
