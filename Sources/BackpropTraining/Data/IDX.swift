import BackpropCore
import Foundation

/// An array read from an IDX file (the MNIST format): dimensions and unsigned-byte elements.
public struct IDXArray: Sendable, Equatable {
    /// Extent of each dimension, e.g. [60000, 28, 28] for training images, [60000] for labels.
    public var dimensions: [Int]
    /// The elements, row-major.
    public var bytes: [UInt8]

    /// An array of `dimensions` holding `bytes`; `bytes.count` must be the product of `dimensions` (trapped).
    public init(dimensions: [Int], bytes: [UInt8]) {
        precondition(dimensions.reduce(1, *) == bytes.count,
                     "IDXArray: dimensions \(dimensions) hold \(dimensions.reduce(1, *)) bytes, got \(bytes.count)")
        self.dimensions = dimensions
        self.bytes = bytes
    }
}

/// Reading and writing MNIST's IDX format: magic 00 00 08 <rank>, then <rank> big-endian UInt32
/// extents, then the data. Plain or gzip-compressed (detected from the content, not the name).
public enum IDX {
    /// No IDX file we read may claim more than this many data bytes (the real MNIST training images
    /// are 47 MB).
    public static let maximumDataBytes = 1 << 31

    /// Reads an IDX file of unsigned bytes. Throws a `DatasetError` naming `path` on any problem:
    /// missing file, bad gzip, wrong magic, unsupported type, truncated or oversized data.
    public static func read(path: String) throws -> IDXArray {
        guard FileManager.default.fileExists(atPath: path) else { throw DatasetError.missingFile(path: path) }
        let raw: [UInt8]
        do {
            raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw DatasetError.unreadable(path: path, reason: fileErrorReason(error, path: path))
        }
        return try decode(raw, path: path)
    }

    /// Parses the bytes of an IDX file, plain or gzip-compressed (detected from the content); `path`
    /// only names the file in errors.
    ///
    /// A compressed file is inflated in two steps, so that a gzip bomb is refused before it is
    /// inflated: first the header alone, then exactly the bytes it promises — which must not exceed
    /// `maximumExpansion` times the compressed size unless they fit in `alwaysAllowedBytes`.
    public static func decode(_ raw: [UInt8], path: String) throws -> IDXArray {
        guard Gzip.isCompressed(raw) else { return try parse(raw, path: path) }
        let head = try Gzip.decompress(raw, path: path, limit: 4 + 4 * 255, prefixOnly: true)
        let header = try parseHeader(head, path: path)
        let size = header.size + header.dataBytes
        let cap = Swift.max(alwaysAllowedBytes, raw.count.multipliedReportingOverflow(by: maximumExpansion).partialValue)
        guard size <= cap else {
            throw DatasetError.tooLarge(path: path, claimedBytes: "\(header.dataBytes) bytes of data from \(raw.count) compressed bytes, "
                                        + "more than \(maximumExpansion)× (a gzip bomb?)")
        }
        let bytes: [UInt8]
        do {
            bytes = try Gzip.decompress(raw, path: path, limit: size)
        } catch DatasetError.tooLarge {
            // More than the header promises: a corrupt stream (reported as such), or data after the end
            // (counted, without keeping it, up to the cap).
            let actual: Int
            do { actual = try Gzip.decompressedSize(raw, path: path, limit: cap) } catch DatasetError.tooLarge { actual = cap + 1 }
            throw DatasetError.trailingData(path: path, expectedBytes: header.dataBytes, actualBytes: actual - header.size)
        }
        return try parse(bytes, path: path)
    }

    /// A gzip-compressed IDX file may expand up to this many times (MNIST's expand about 5 times)…
    public static let maximumExpansion = 100
    /// …or to this many bytes (64 MiB) whatever its compressed size (MNIST's training images are 47 MB;
    /// a set of blank images compresses a thousandfold).
    public static let alwaysAllowedBytes = 1 << 26

    /// Parses the bytes of an (uncompressed) IDX file.
    public static func parse(_ bytes: [UInt8], path: String) throws -> IDXArray {
        let header = try parseHeader(bytes, path: path)
        let actual = bytes.count - header.size
        if actual < header.dataBytes { throw DatasetError.truncated(path: path, expectedBytes: header.dataBytes, actualBytes: actual) }
        if actual > header.dataBytes { throw DatasetError.trailingData(path: path, expectedBytes: header.dataBytes, actualBytes: actual) }
        return IDXArray(dimensions: header.dimensions, bytes: Array(bytes[header.size...]))
    }

    /// The header at the start of `bytes`: its extents, its own size and the data size it promises
    /// (at most `maximumDataBytes`).
    static func parseHeader(_ bytes: [UInt8], path: String) throws -> (dimensions: [Int], size: Int, dataBytes: Int) {
        guard bytes.count >= 4 else {
            throw DatasetError.badMagic(path: path, found: hex(bytes.prefix(4)) + " (file too short)")
        }
        guard bytes[0] == 0, bytes[1] == 0 else { throw DatasetError.badMagic(path: path, found: hex(bytes.prefix(4))) }
        guard bytes[2] == 0x08 else {
            if [0x09, 0x0B, 0x0C, 0x0D, 0x0E].contains(bytes[2]) {
                throw DatasetError.unsupportedType(path: path, typeCode: bytes[2])
            }
            throw DatasetError.badMagic(path: path, found: hex(bytes.prefix(4)))
        }
        let rank = Int(bytes[3])
        guard rank >= 1 else { throw DatasetError.badMagic(path: path, found: hex(bytes.prefix(4)) + " (rank 0)") }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw DatasetError.truncated(path: path, expectedBytes: headerSize, actualBytes: bytes.count)
        }
        var dimensions: [Int] = []
        var total = 1
        for d in 0..<rank {
            let o = 4 + 4 * d
            let extent = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
            dimensions.append(extent)
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow, product <= maximumDataBytes else {
                throw DatasetError.tooLarge(path: path, claimedBytes: "dimensions \(dimensions)…")
            }
            total = product
        }
        return (dimensions, headerSize, total)
    }

    /// The bytes of an IDX file holding `array`.
    public static func encode(_ array: IDXArray) -> [UInt8] {
        precondition(array.dimensions.count <= 255, "IDX.encode: at most 255 dimensions")
        var out: [UInt8] = [0, 0, 0x08, UInt8(array.dimensions.count)]
        for d in array.dimensions {
            precondition(d >= 0 && d <= Int(UInt32.max), "IDX.encode: extent \(d) does not fit in 32 bits")
            out += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)]
        }
        return out + array.bytes
    }

    /// Writes `array` as an IDX file (gzip-compressed when `compressed`), atomically: to a temporary
    /// file in the same folder, then renamed into place.
    public static func write(_ array: IDXArray, to path: String, compressed: Bool = false) throws {
        let bytes = encode(array)
        try writeAtomically(compressed ? Gzip.compress(bytes) : bytes, to: path)
    }

    static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined(separator: " ")
    }
}
