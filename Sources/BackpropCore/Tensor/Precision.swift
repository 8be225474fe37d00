/// The floating-point type a network trains in: `float32` (`Float`) or `float64` (`Double`), named as
/// on the command line (`--dtype`) and in checkpoints.
public enum Precision: String, Codable, CaseIterable, Sendable {
    /// `Float`, 4 bytes (the default).
    case float32
    /// `Double`, 8 bytes.
    case float64

    /// Bytes per value: 4 or 8.
    public var byteCount: Int { self == .float64 ? 8 : 4 }
}
