import BackpropCore
import Foundation

/// One tensor as stored in a safetensors file: dtype, shape and little-endian bytes.
public struct StoredTensor: Sendable, Equatable {
    /// Element types we read and write (safetensors names).
    public enum DType: String, Sendable, CaseIterable {
        case f32 = "F32", f64 = "F64", i64 = "I64", u8 = "U8", bool = "BOOL"
        /// Bytes per element: 4 (F32), 8 (F64, I64), 1 (U8, BOOL).
        public var size: Int {
            switch self {
            case .f32: 4
            case .f64, .i64: 8
            case .u8, .bool: 1
            }
        }
    }

    /// The element type.
    public var dtype: DType
    /// The extent of each dimension, e.g. [30, 1, 5, 5]; [] for a scalar.
    public var shape: [Int]
    /// Raw little-endian element bytes, count = product(shape) · dtype.size.
    public var bytes: [UInt8]

    /// A tensor of `shape` whose elements are `bytes`; `bytes.count` must be product(shape) · dtype.size (trapped).
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) {
        precondition(shape.reduce(1, *) * dtype.size == bytes.count,
                     "StoredTensor: shape \(shape) of \(dtype.rawValue) needs \(shape.reduce(1, *) * dtype.size) bytes, got \(bytes.count)")
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A Float or Double tensor, stored as F32 or F64. (Every platform Swift runs Backprop on is
    /// little-endian, so the in-memory bytes are the file's bytes.)
    public init<Scalar: TensorScalar>(_ tensor: Tensor<Scalar>) {
        let dtype: DType = Scalar.self == Float.self ? .f32 : .f64
        let bytes = tensor.withUnsafeBufferPointer { [UInt8](UnsafeRawBufferPointer($0)) }
        self.init(dtype: dtype, shape: tensor.shape, bytes: bytes)
    }

    /// The values as a Float or Double tensor (converting F32 ↔ F64 as needed). Throws for other dtypes.
    public func tensor<Scalar: TensorScalar>(as _: Scalar.Type = Scalar.self, name: String, path: String) throws -> Tensor<Scalar> {
        func load<Stored>(_: Stored.Type) -> [Stored] {
            bytes.withUnsafeBytes { raw in
                (0..<(bytes.count / MemoryLayout<Stored>.size)).map {
                    raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<Stored>.size, as: Stored.self)
                }
            }
        }
        switch dtype {
        case .f32:
            let values = load(Float.self)
            return Tensor(shape: shape, scalars: Scalar.self == Float.self ? values as! [Scalar] : values.map { Scalar($0) })
        case .f64:
            let values = load(Double.self)
            return Tensor(shape: shape, scalars: Scalar.self == Double.self ? values as! [Scalar] : values.map { Scalar($0) })
        default:
            throw CheckpointError.unsupportedDType(path: path, name: name, dtype: dtype.rawValue + " (expected F32 or F64)")
        }
    }
}

/// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
/// (`{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, …, "__metadata__": {…}}`,
/// offsets relative to the data area), then the raw little-endian data. PyTorch's and NumPy's
/// safetensors readers open what we write, and we open theirs.
public struct SafetensorsFile: Sendable, Equatable {
    /// The tensors by name, e.g. "W1" or "optimizer/m/W1".
    public var tensors: [String: StoredTensor]
    /// String-to-string metadata (the format allows only strings).
    public var metadata: [String: String]

    /// The format's own cap on the header (100 MB), which also bounds what a hostile file can make us parse.
    public static let maximumHeaderLength: UInt64 = 100_000_000

    /// A file holding `tensors` and `metadata` (empty by default), to be written.
    public init(tensors: [String: StoredTensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Reads and validates a file. Throws `CheckpointError` naming `path` on any problem.
    public static func read(path: String) throws -> SafetensorsFile {
        guard FileManager.default.fileExists(atPath: path) else { throw CheckpointError.missingFile(path: path) }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CheckpointError.unreadable(path: path, reason: fileErrorReason(error, path: path))
        }
        return try parse([UInt8](data), path: path)
    }

    /// Parses and validates the bytes of a safetensors file: header length within the file, JSON
    /// object, known dtypes, shapes matching byte ranges, ranges inside the data area without overlap.
    public static func parse(_ bytes: [UInt8], path: String) throws -> SafetensorsFile {
        guard bytes.count >= 8 else { throw CheckpointError.badHeaderLength(path: path, length: 0, fileSize: bytes.count) }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length >= 2, length <= maximumHeaderLength, length <= UInt64(bytes.count - 8) else {
            throw CheckpointError.badHeaderLength(path: path, length: length, fileSize: bytes.count)
        }
        let headerEnd = 8 + Int(length)
        let header: SafetensorsHeader
        do {
            header = try JSONDecoder().decode(SafetensorsHeader.self, from: Data(bytes[8..<headerEnd]))
        } catch let error as DecodingError {
            switch error {
            case .dataCorrupted(let context) where context.codingPath.isEmpty:
                throw CheckpointError.badHeader(path: path, reason: "not valid JSON")
            case .typeMismatch(_, let context) where context.codingPath.isEmpty,
                 .valueNotFound(_, let context) where context.codingPath.isEmpty:
                throw CheckpointError.badHeader(path: path, reason: "not a JSON object")
            default:
                let context: DecodingError.Context? = switch error {
                case .dataCorrupted(let c), .keyNotFound(_, let c), .typeMismatch(_, let c), .valueNotFound(_, let c): c
                @unknown default: nil
                }
                let name = context?.codingPath.first?.stringValue ?? "?"
                let field = context?.codingPath.dropFirst().first?.stringValue
                if name == "__metadata__" {
                    throw CheckpointError.badMetadata(path: path, key: field ?? name, reason: "values must be strings")
                }
                throw CheckpointError.badTensorEntry(path: path, name: name,
                                                     reason: "\(field.map { "field \($0)" } ?? "entry") is missing or malformed")
            }
        } catch {
            throw CheckpointError.badHeader(path: path, reason: "not valid JSON")
        }
        let dataSize = bytes.count - headerEnd
        var file = SafetensorsFile(metadata: header.metadata)
        var ranges: [(Int, Int, String)] = []
        for (name, entry) in header.entries {
            guard let dtype = StoredTensor.DType(rawValue: entry.dtype) else {
                throw CheckpointError.unsupportedDType(path: path, name: name, dtype: entry.dtype)
            }
            let (dtypeName, shape, offsets) = (entry.dtype, entry.shape, entry.data_offsets)
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw CheckpointError.badTensorEntry(path: path, name: name, reason: "shape \(shape) has a negative extent")
            }
            guard offsets.count == 2 else {
                throw CheckpointError.badTensorEntry(path: path, name: name, reason: "data_offsets is not [begin, end]")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw CheckpointError.badTensorEntry(path: path, name: name,
                                                     reason: "data_offsets [\(begin), \(end)] lie outside the \(dataSize)-byte data area")
            }
            var expected = dtype.size
            for d in shape {
                let (p, overflow) = expected.multipliedReportingOverflow(by: d)
                guard !overflow, p <= dataSize else {
                    throw CheckpointError.badTensorEntry(path: path, name: name, reason: "shape \(shape) is larger than the file")
                }
                expected = p
            }
            guard end - begin == expected else {
                throw CheckpointError.badTensorEntry(path: path, name: name,
                                                     reason: "shape \(shape) of \(dtypeName) needs \(expected) bytes, "
                                                         + "data_offsets give \(end - begin)")
            }
            ranges.append((begin, end, name))
            file.tensors[name] = StoredTensor(dtype: dtype, shape: shape, bytes: Array(bytes[(headerEnd + begin)..<(headerEnd + end)]))
        }
        ranges.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        for (a, b) in zip(ranges, ranges.dropFirst()) where b.0 < a.1 {
            throw CheckpointError.badTensorEntry(path: path, name: b.2, reason: "its data overlaps tensor \"\(a.2)\"")
        }
        return file
    }

    /// The file's bytes: tensors in name order, header padded with spaces to a multiple of 8.
    public func encoded() -> [UInt8] {
        var header = "{"
        var parts: [String] = []
        if !metadata.isEmpty {
            let entries = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            parts.append("\"__metadata__\":{\(entries.joined(separator: ","))}")
        }
        var offset = 0
        var data: [UInt8] = []
        for name in tensors.keys.sorted() {
            let t = tensors[name]!
            let shape = t.shape.map(String.init).joined(separator: ",")
            parts.append("\(jsonString(name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],"
                         + "\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}")
            offset += t.bytes.count
            data += t.bytes
        }
        header += parts.joined(separator: ",") + "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + data.count)
        var length = UInt64(headerBytes.count)
        for _ in 0..<8 { out.append(UInt8(length & 0xFF)); length >>= 8 }
        return out + headerBytes + data
    }

    /// Writes the file atomically (temporary file in the same folder, then rename).
    public func write(to path: String) throws {
        try writeAtomically(encoded(), to: path)
    }
}

/// A JSON string literal for `s`.
public func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}

/// The JSON header: tensor entries by name, plus optional string metadata. Decoding is strict: a
/// shape or offset that is not an integer, or metadata that is not a string, fails.
private struct SafetensorsHeader: Decodable {
    struct Entry: Decodable {
        var dtype: String
        var shape: [Int]
        var data_offsets: [Int]
    }
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    var entries: [String: Entry] = [:]
    var metadata: [String: String] = [:]

    init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decode([String: String].self, forKey: key)
            } else {
                entries[key.stringValue] = try container.decode(Entry.self, forKey: key)
            }
        }
    }
}
