import BackpropCore
import CBackpropZlib

/// gzip (and zlib) decompression through zlib, with a hard cap on the output so that a hostile file
/// cannot make us allocate without bound.
enum Gzip {
    /// true when `bytes` start with the gzip magic 1f 8b.
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The decompressed bytes of a complete gzip stream (concatenated members are joined).
    /// Throws `DatasetError.corruptGzip` on a damaged or truncated stream, `.tooLarge` past `limit`.
    /// With `prefixOnly`, returns the first `limit` bytes (or all, if fewer) instead of failing past it.
    static func decompress(_ input: [UInt8], path: String, limit: Int, prefixOnly: Bool = false) throws -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(Swift.min(limit, input.count * 4))
        _ = try inflateStream(input, path: path, limit: limit, prefixOnly: prefixOnly) { output.append(contentsOf: $0) }
        return output
    }

    /// The size of the decompressed stream, inflated without keeping it. Throws as `decompress`.
    static func decompressedSize(_ input: [UInt8], path: String, limit: Int) throws -> Int {
        try inflateStream(input, path: path, limit: limit, prefixOnly: false) { _ in }
    }

    /// Inflates `input`, handing each piece of output to `sink`; returns the total size.
    private static func inflateStream(_ input: [UInt8], path: String, limit: Int, prefixOnly: Bool,
                                      sink: (ArraySlice<UInt8>) -> Void) throws -> Int {
        var total = 0
        var stream = z_stream()
        // 15 + 32: accept gzip or zlib headers.
        guard inflateInit2_(&stream, 15 + 32, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DatasetError.corruptGzip(path: path, reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var chunk = [UInt8](repeating: 0, count: Swift.min(1 << 16, Swift.max(limit, 1)))
        try input.withUnsafeBufferPointer { inputBuffer in
            stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
            stream.avail_in = UInt32(inputBuffer.count)
            while true {
                let status: Int32 = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunk.count - Int(stream.avail_out)
                if total + produced > limit {
                    if prefixOnly {
                        sink(chunk[0..<(limit - total)])
                        total = limit
                        return
                    }
                    throw DatasetError.tooLarge(path: path, claimedBytes: "more than \(limit) bytes uncompressed")
                }
                sink(chunk[0..<produced])
                total += produced
                switch status {
                case Z_STREAM_END:
                    if stream.avail_in == 0 { return }
                    // Another gzip member follows.
                    guard inflateReset(&stream) == Z_OK else {
                        throw DatasetError.corruptGzip(path: path, reason: "cannot read the next member")
                    }
                case Z_OK:
                    if stream.avail_in == 0 && produced == 0 {
                        throw DatasetError.corruptGzip(path: path, reason: "unexpected end of data")
                    }
                case Z_BUF_ERROR:
                    throw DatasetError.corruptGzip(path: path, reason: "unexpected end of data")
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "inflate error \(status)"
                    throw DatasetError.corruptGzip(path: path, reason: message)
                }
            }
        }
        return total
    }

    /// gzip-compresses `input` (used by tests and for writing IDX files).
    static func compress(_ input: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        // 15 + 16: write a gzip header.
        precondition(deflateInit2_(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK, "zlib deflateInit failed")
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(input.count))) + 64)
        let written: Int = input.withUnsafeBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
                stream.avail_in = UInt32(inputBuffer.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                let status = deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "zlib deflate failed: \(status)")
                return out.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<written])
    }
}
