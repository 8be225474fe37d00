import Backprop
import Foundation
import ZIPFoundation

/// NumPy's `.npz`: a zip archive of `.npy` files, one per array, named `<key>.npy` (`np.savez` stores
/// them, `np.savez_compressed` deflates them). The zip itself is ZIPFoundation's.
///
///     try NPZ.write(["W1": w1, "b1": b1], to: "net.npz")      // np.load("net.npz")["W1"]
///     let arrays = try NPZ.read(path: "net.npz")
public enum NPZ {
    /// Deflate expands at most about 1032 times; a member that declares more than that is refused
    /// before anything is allocated for it.
    static let maximumDeflateRatio: UInt64 = 1_032

    /// The default cap on one member's bytes (1 GiB, 268 million float32 values): a member whose zip
    /// entry or `.npy` header claims more is refused before it is inflated, and inflating stops there
    /// whatever the headers said.
    public static let defaultMaximumMemberBytes = 1 << 30

    /// The arrays of an `.npz` file by key (member name without `.npy`). Members must be float32 or
    /// float64 `.npy` files, stored or deflated, with correct CRCs, of at most `maximumMemberBytes`
    /// each. Throws `InteropError` naming the file and the member.
    public static func read(path: String, maximumMemberBytes: Int = defaultMaximumMemberBytes) throws -> [String: StoredTensor] {
        func bad(_ reason: String) -> InteropError { .badNPZ(path: path, reason: reason) }
        let fileSize = try NPY.readFile(path).count
        let archive: Archive
        do { archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read) } catch {
            throw bad("not a zip archive")
        }
        var result: [String: StoredTensor] = [:]
        for entry in archive {
            let name = entry.path
            guard entry.type != .directory else { continue }
            guard entry.type == .file else { throw bad("member \(name) is not a file") }
            guard name.hasSuffix(".npy"), name.count > 4 else { throw bad("member \(name) is not an .npy file") }
            let key = String(name.dropLast(4))
            guard result[key] == nil else { throw bad("member \(name) appears twice") }
            let (declared, compressed) = (entry.uncompressedSize, entry.compressedSize)
            guard declared <= UInt64(Swift.max(maximumMemberBytes, 0)) else {
                throw bad("member \(name) declares \(declared) bytes uncompressed, more than the limit of \(maximumMemberBytes)")
            }
            guard compressed <= UInt64(fileSize),
                  declared <= (entry.isCompressed ? compressed * maximumDeflateRatio + 1_024 : compressed) else {
                throw bad("member \(name) declares \(declared) bytes from \(compressed) in a file of \(fileSize)")
            }
            let data = try inflate(entry, of: archive, declared: Int(declared), path: path)
            switch try NPY.parse(data, path: "\(path) (\(name))") {
            case .array(let tensor): result[key] = tensor
            case .dictionary: throw bad("member \(name) is a pickled object array, not a float array")
            }
        }
        return result
    }

    /// The bytes of `entry`, inflated chunk by chunk: as soon as its `.npy` header is in, the size the
    /// header claims for its shape must be the `declared` size (itself within the cap), and inflating
    /// stops past `declared` bytes whatever the data holds.
    private static func inflate(_ entry: Entry, of archive: Archive, declared: Int, path: String) throws -> [UInt8] {
        let name = entry.path
        func bad(_ reason: String) -> InteropError { .badNPZ(path: path, reason: reason) }
        var data: [UInt8] = []
        var headerChecked = false
        do {
            let checksum = try archive.extract(entry, skipCRC32: false) { chunk in
                guard data.count + chunk.count <= declared else {
                    throw bad("member \(name) inflates to more than the \(declared) bytes it declares")
                }
                data += chunk
                guard !headerChecked, let needed = NPY.preambleLength(data), data.count >= needed else { return }
                headerChecked = true
                let preamble = try NPY.parsePreamble(data, path: "\(path) (\(name))")
                if preamble.element != .object, preamble.claimedFileSize != declared {
                    throw bad("member \(name)'s .npy header claims shape \(preamble.header.shape), "
                              + (preamble.claimedFileSize.map { "\($0) bytes" } ?? "more bytes than any file")
                              + ", but the zip entry declares \(declared)")
                }
                data.reserveCapacity(declared)
            }
            guard checksum == entry.checksum else { throw bad("member \(name) fails its CRC check") }
        } catch let error as InteropError {
            throw error
        } catch {
            throw bad("member \(name) is damaged (\(error))")
        }
        guard data.count == declared else { throw bad("member \(name) holds \(data.count) bytes, not the \(declared) it declares") }
        return data
    }

    /// The bytes of an `.npz` holding `arrays` (F32 or F64 tensors), members in key order, stored as
    /// `np.savez` does or deflated as `np.savez_compressed`.
    public static func encode(_ arrays: [String: StoredTensor], compressed: Bool = false, bigEndian: Bool = false) throws -> [UInt8] {
        let archive = try Archive(accessMode: .create)
        // A fixed date, so that the same arrays give the same bytes.
        let date = Date(timeIntervalSince1970: 1_577_836_800)  // 2020-01-01
        for key in arrays.keys.sorted() {
            let data = Data(try NPY.encode(arrays[key]!, bigEndian: bigEndian))
            try archive.addEntry(with: key + ".npy", type: .file, uncompressedSize: Int64(data.count), modificationDate: date,
                                 compressionMethod: compressed ? .deflate : .none) { position, size in
                data.subdata(in: Int(position)..<(Int(position) + size))
            }
        }
        guard let bytes = archive.data else {
            throw InteropError.unsupportedConversion(path: "npz", reason: "the zip archive could not be made in memory")
        }
        return [UInt8](bytes)
    }

    /// Writes `arrays` to an `.npz` file atomically (temporary file, then rename).
    public static func write(_ arrays: [String: StoredTensor], to path: String, compressed: Bool = false, bigEndian: Bool = false) throws {
        try writeAtomically(try encode(arrays, compressed: compressed, bigEndian: bigEndian), to: path)
    }
}
