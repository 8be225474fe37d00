/// How `Convolution` and `Pooling` arrange their arithmetic. Every way gives the same numbers (up to the
/// order and rounding of floating-point sums), and the tests hold the fast ones to the book's.
public enum LayerAlgorithm: String, Sendable, Codable, CaseIterable {
    /// The book's code, line by line: §7.4.3 `im2col` of the whole batch, one GEMM, reshape and transpose
    /// (Convolution); §7.4.4 `im2col`, max and argmax over each row (Pooling). Slower; there to be read
    /// and stepped through.
    case book
    /// The kernels in `Kernels/`: the same formulas, arranged image by image and plane by plane so that
    /// the data stays in cache and no reshape/transpose copies are made. Never Winograd.
    case fast
    /// Convolution: Winograd's F(4×4, 3×3) (`Kernels/Convolution/Winograd…`) for every 3×3 stride-1
    /// filter, forward and backward (dx, dW and db); other filters as `.fast`. Pooling: as `.fast`.
    case winograd
    /// Convolution: `.winograd` where a fixed rule of the geometry (channels and output size, set by
    /// measurement) says it is faster, else `.fast` — never a timing, so the same seed gives the same
    /// numbers (the default). Pooling: as `.fast`.
    case automatic
}
