import Backprop
import Foundation

/// NumPy's `.npy` format (numpy/lib/format.py): the magic `\x93NUMPY`, a version byte pair (1.0, 2.0
/// or 3.0), the header length (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), the header (a
/// Python dict literal, see `NPYHeader`; latin-1, UTF-8 in 3.0), then the raw data.
///
/// Reads float32 and float64 arrays in either byte order and in C or Fortran order (returned as
/// little-endian C order), and the pickled object array `np.save` writes for a dict of arrays (read
/// by the restricted unpickler, `NumPyPickle`). Writes C-order float32/float64 in version 1.0
/// (2.0 when the header would not fit), either byte order.
public enum NPY {
    /// What a `.npy` file holds.
    public enum Contents: Equatable, Sendable {
        case array(StoredTensor)
        /// `np.save(file, {"W1": …, …})`: a 0-d object array holding a dict of arrays.
        case dictionary([String: StoredTensor])
    }

    /// NumPy's own limit on the header (`max_header_size`), beyond which it will not parse one.
    public static let maximumHeaderLength = 10_000
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads a `.npy` file. Throws `InteropError` (or `PickleError` for a pickled dict) naming `path`.
    public static func read(path: String) throws -> Contents {
        try parse(readFile(path), path: path)
    }

    /// The preamble and header of a `.npy` file, from its first bytes (the data need not be there yet).
    /// Throws `InteropError.badNPY` or `.unsupportedDType` naming `path`.
    static func parsePreamble(_ bytes: [UInt8], path: String) throws -> Preamble {
        func bad(_ reason: String) -> InteropError { .badNPY(path: path, reason: reason) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw bad("it does not start with NumPy's magic \\x93NUMPY")
        }
        let (major, minor) = (bytes[6], bytes[7])
        guard [1, 2, 3].contains(major), minor == 0 else { throw bad("format version \(major).\(minor) is not 1.0, 2.0 or 3.0") }
        let lengthSize = major == 1 ? 2 : 4
        guard bytes.count >= 8 + lengthSize else { throw bad("the file ends inside the header length") }
        var headerLength = 0
        for i in 0..<lengthSize { headerLength |= Int(bytes[8 + i]) << (8 * i) }
        let headerStart = 8 + lengthSize
        guard headerLength <= bytes.count - headerStart else {
            throw bad("the header length \(headerLength) runs past the end of the \(bytes.count)-byte file")
        }
        guard headerLength <= maximumHeaderLength else {
            throw bad("the header of \(headerLength) bytes is longer than NumPy's limit of \(maximumHeaderLength)")
        }
        let headerBytes = bytes[headerStart..<(headerStart + headerLength)]
        let text: String
        if major == 3 {
            guard let utf8 = String(validating: headerBytes, as: UTF8.self) else { throw bad("the header is not UTF-8") }
            text = utf8
        } else {
            text = String(String.UnicodeScalarView(headerBytes.map { Unicode.Scalar($0) }))  // latin-1
        }
        let header: NPYHeader
        do { header = try NPYHeader.parse(text, allowLongSuffix: major < 3) } catch { throw bad(error.reason) }
        guard let (element, order) = NumPyTypeCode.parse(header.descr) else {
            throw InteropError.unsupportedDType(path: path, name: nil, dtype: NumPyTypeCode.describe(header.descr))
        }
        return Preamble(header: header, element: element, order: order, dataStart: headerStart + headerLength)
    }

    /// What a `.npy` file's preamble and header say: the header, the element type and byte order, and
    /// where the data starts.
    struct Preamble {
        var header: NPYHeader
        var element: NumPyDType.Element
        var order: Character?
        var dataStart: Int

        /// The bytes the whole file must have for its shape (preamble and header included), or nil for
        /// an object array (a pickle of any length) or a size past `Int`.
        var claimedFileSize: Int? {
            guard element != .object, let count = NetworkSpec.elementCount(header.shape) else { return nil }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: element == .float32 ? 4 : 8)
            let (total, overflow2) = bytes.addingReportingOverflow(dataStart)
            return overflow || overflow2 ? nil : total
        }
    }

    /// The bytes the preamble and header take, from the first 12 bytes of a file (nil before them, or
    /// when they are not NumPy's magic and a known version).
    static func preambleLength(_ prefix: [UInt8]) -> Int? {
        guard prefix.count >= 12, Array(prefix[0..<6]) == magic, [1, 2, 3].contains(prefix[6]) else { return nil }
        let lengthSize = prefix[6] == 1 ? 2 : 4
        var headerLength = 0
        for i in 0..<lengthSize { headerLength |= Int(prefix[8 + i]) << (8 * i) }
        return 8 + lengthSize + headerLength
    }

    /// Parses the bytes of a `.npy` file; `path` names it in errors.
    public static func parse(_ bytes: [UInt8], path: String) throws -> Contents {
        func bad(_ reason: String) -> InteropError { .badNPY(path: path, reason: reason) }
        let preamble = try parsePreamble(bytes, path: path)
        let (header, element, order, dataStart) = (preamble.header, preamble.element, preamble.order, preamble.dataStart)
        if element == .object {
            return .dictionary(try NumPyPickle.arrays(fromPickle: bytes, range: dataStart..<bytes.count, path: path))
        }
        let size = element == .float32 ? 4 : 8
        var expected = size
        for extent in header.shape {
            let (product, overflow) = expected.multipliedReportingOverflow(by: extent)
            guard !overflow else { throw bad("shape \(header.shape) is larger than any file") }
            expected = product
        }
        let found = bytes.count - dataStart
        guard found == expected else {
            let name = element == .float32 ? "float32" : "float64"
            throw bad("the header declares shape \(header.shape) of \(name), \(expected) bytes, and \(found) bytes follow it")
        }
        let data = ArrayLayout.littleEndianCOrder(bytes[dataStart...], elementSize: size, shape: header.shape,
                                                  bigEndian: order == ">", fortranOrder: header.fortranOrder)
        return .array(StoredTensor(dtype: size == 4 ? .f32 : .f64, shape: header.shape, bytes: data))
    }

    /// The bytes of a `.npy` file holding `tensor` (F32 or F64) in C order, little-endian ('<f4', '<f8')
    /// or big-endian ('>f4', '>f8'). The header is padded with spaces to end, with its newline, on a
    /// multiple of 64 bytes, as NumPy writes it.
    public static func encode(_ tensor: StoredTensor, bigEndian: Bool = false) throws -> [UInt8] {
        let code: String
        switch tensor.dtype {
        case .f32: code = "f4"
        case .f64: code = "f8"
        default: throw InteropError.unsupportedDType(path: "npy", name: nil, dtype: tensor.dtype.rawValue)
        }
        let header = NPYHeader(descr: (bigEndian ? ">" : "<") + code, fortranOrder: false, shape: tensor.shape)
        var text = Array(header.literal.utf8)
        let lengthSize = text.count + 1 + 10 > 65_535 ? 4 : 2
        let preamble = 8 + lengthSize
        while (preamble + text.count + 1) % 64 != 0 { text.append(0x20) }
        text.append(0x0A)
        var out = magic + [lengthSize == 2 ? 1 : 2, 0]
        for i in 0..<lengthSize { out.append(UInt8((text.count >> (8 * i)) & 0xFF)) }
        out += text
        out += bigEndian ? ArrayLayout.byteSwapped(tensor.bytes, elementSize: tensor.dtype.size) : tensor.bytes
        return out
    }

    /// Writes `tensor` to a `.npy` file atomically (temporary file, then rename).
    public static func write(_ tensor: StoredTensor, to path: String, bigEndian: Bool = false) throws {
        try writeAtomically(try encode(tensor, bigEndian: bigEndian), to: path)
    }

    /// The bytes of a file, or `InteropError.unreadable`.
    static func readFile(_ path: String) throws -> [UInt8] {
        guard FileManager.default.fileExists(atPath: path) else { throw InteropError.unreadable(path: path, reason: "file not found") }
        do { return [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw InteropError.unreadable(path: path, reason: fileErrorReason(error, path: path))
        }
    }
}
