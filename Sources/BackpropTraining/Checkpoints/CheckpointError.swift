import BackpropCore

/// Why a checkpoint (safetensors file) could not be read or used. Every case names the file;
/// `description` is one line for the CLI to print.
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
    case missingFile(path: String)
    case unreadable(path: String, reason: String)
    case badHeaderLength(path: String, length: UInt64, fileSize: Int)
    case badHeader(path: String, reason: String)
    case badTensorEntry(path: String, name: String, reason: String)
    case unsupportedDType(path: String, name: String, dtype: String)
    case missingTensor(path: String, name: String)
    case shapeMismatch(path: String, name: String, expected: [Int], found: [Int])
    /// The file holds a tensor the network has no place for (saved from another architecture).
    case unexpectedTensor(path: String, name: String)
    case missingMetadata(path: String, key: String)
    case badMetadata(path: String, key: String, reason: String)

    public var description: String {
        switch self {
        case .missingFile(let path): "\(path): file not found"
        case .unreadable(let path, let reason): "\(path): cannot read: \(reason)"
        case .badHeaderLength(let path, let length, let size):
            "\(path): not a safetensors file (header length \(length) does not fit in a file of \(size) bytes)"
        case .badHeader(let path, let reason): "\(path): bad safetensors header: \(reason)"
        case .badTensorEntry(let path, let name, let reason): "\(path): tensor \"\(name)\": \(reason)"
        case .unsupportedDType(let path, let name, let dtype): "\(path): tensor \"\(name)\" has unsupported dtype \(dtype)"
        case .missingTensor(let path, let name): "\(path): tensor \"\(name)\" is missing"
        case .shapeMismatch(let path, let name, let expected, let found):
            "\(path): tensor \"\(name)\" has shape \(found), the architecture needs \(expected)"
        case .unexpectedTensor(let path, let name):
            "\(path): tensor \"\(name)\" is not in the network (saved from a different architecture?)"
        case .missingMetadata(let path, let key): "\(path): metadata \"\(key)\" is missing"
        case .badMetadata(let path, let key, let reason): "\(path): metadata \"\(key)\": \(reason)"
        }
    }
}
