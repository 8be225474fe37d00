/// Why a NumPy file or a set of weights could not be read or converted. Every case names the file;
/// `description` is one line for the CLI to print. (Pickles have their own `PickleError`.)
public enum InteropError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// Not a `.npy` file, or one whose preamble, header or data size is wrong.
    case badNPY(path: String, reason: String)
    /// Not a zip archive, or a member that is not a `.npy` or is damaged.
    case badNPZ(path: String, reason: String)
    /// An array of another element type than float32 and float64 (`name` when the file holds several).
    case unsupportedDType(path: String, name: String?, dtype: String)
    /// The file holds no dict of weight arrays (e.g. one `.npy` array).
    case notWeights(path: String, reason: String)
    /// The arrays fit no network, or disagree with the flags given.
    case architecture(path: String, reason: String)
    /// The output format cannot hold what the input has, or the conversion is not available.
    case unsupportedConversion(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "\(path): cannot read: \(reason)"
        case .badNPY(let path, let reason): "\(path): bad .npy file: \(reason)"
        case .badNPZ(let path, let reason): "\(path): bad .npz file: \(reason)"
        case .unsupportedDType(let path, let name, let dtype):
            "\(path): \(name.map { "array \"\($0)\" has" } ?? "the array has") dtype \(dtype); only float32 and float64 are supported"
        case .notWeights(let path, let reason): "\(path): not a dict of weights: \(reason)"
        case .architecture(let path, let reason): "\(path): \(reason)"
        case .unsupportedConversion(let path, let reason): "\(path): \(reason)"
        }
    }
}
