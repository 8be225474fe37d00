/// How `Convolution` and `Pooling` arrange their arithmetic. Both ways give the same numbers (up to the
/// order of floating-point sums), and the tests hold the fast one to the book's.
public enum LayerAlgorithm: String, Sendable, Codable, CaseIterable {
    /// The book's code, line by line: §7.4.3 `im2col` of the whole batch, one GEMM, reshape and transpose
    /// (Convolution); §7.4.4 `im2col`, max and argmax over each row (Pooling). Slower; there to be read
    /// and stepped through.
    case book
    /// The kernels in `Kernels/`: the same formulas, arranged image by image and plane by plane so that
    /// the data stays in cache and no reshape/transpose copies are made (the default).
    case fast
}
