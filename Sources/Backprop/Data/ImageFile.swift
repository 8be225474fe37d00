import CZlib
import Foundation

/// Why an image file could not be read. Every case names the file; `description` is one line for
/// the CLI to print.
public enum ImageFileError: Error, Equatable, CustomStringConvertible {
    /// No file at the path.
    case missingFile(path: String)
    /// The file exists but could not be read (a directory, no permission, I/O error).
    case unreadable(path: String, reason: String)
    /// Neither PGM nor PNG.
    case unknownFormat(path: String)
    /// The file ends before all the data its header promises.
    case truncated(path: String, detail: String)
    /// The content breaks the format's rules (bad header values, corrupt compressed data, …).
    case malformed(path: String, detail: String)
    /// A PNG chunk's CRC does not match its content.
    case badChecksum(path: String, chunk: String)
    /// A valid file using a feature this reader does not handle (e.g. interlaced PNG, PPM).
    case unsupported(path: String, feature: String)
    /// The image (or file) is larger than the reader accepts.
    case tooLarge(path: String, detail: String)

    /// The file the error is about.
    public var path: String {
        switch self {
        case .missingFile(let path), .unreadable(let path, _), .unknownFormat(let path), .truncated(let path, _),
             .malformed(let path, _), .badChecksum(let path, _), .unsupported(let path, _), .tooLarge(let path, _):
            path
        }
    }

    /// One line naming the file and the problem.
    public var description: String {
        switch self {
        case .missingFile(let path):
            "\(path): file not found"
        case .unreadable(let path, let reason):
            "\(path): cannot read: \(reason)"
        case .unknownFormat(let path):
            "\(path): unknown image format (accepted: PGM (P2/P5) or PNG)"
        case .truncated(let path, let detail):
            "\(path): truncated image: \(detail)"
        case .malformed(let path, let detail):
            "\(path): malformed image: \(detail)"
        case .badChecksum(let path, let chunk):
            "\(path): corrupt PNG: CRC mismatch in the \(chunk) chunk"
        case .unsupported(let path, let feature):
            "\(path): unsupported image: \(feature)"
        case .tooLarge(let path, let detail):
            "\(path): image too large: \(detail)"
        }
    }
}

/// Reading small grayscale images — a handwritten digit for `backprop predict` — from PGM (P2 ASCII,
/// P5 binary) and PNG files, converting them to 8-bit gray; downscaling them to 28×28; writing PGM.
///
/// Colour is converted with the luma weights 0.299 R + 0.587 G + 0.114 B; transparency is composited
/// over black (MNIST digits are white on black). Samples deeper than 8 bits are scaled down, shallower
/// ones scaled up, to 0…255. Malformed input never traps: it throws an `ImageFileError`, and every
/// allocation is bounded by the file's size and by `maximumPixels`.
public enum ImageFile {
    /// Images may hold at most this many pixels (2^26, e.g. 8192 × 8192).
    public static let maximumPixels = 1 << 26
    /// Files larger than this (1 GiB) are refused without reading them.
    public static let maximumFileBytes = 1 << 30

    // MARK: - Reading

    /// Reads the PGM or PNG image at `path` (format detected from the content) as 8-bit gray pixels,
    /// row-major, `width * height` of them. Throws an `ImageFileError` naming `path` on any problem.
    public static func readGrayscale(path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ImageFileError.missingFile(path: path)
        }
        guard !isDirectory.boolValue else { throw ImageFileError.unreadable(path: path, reason: "is a directory") }
        let url = URL(fileURLWithPath: path)
        if let size = try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize, size > maximumFileBytes {
            throw ImageFileError.tooLarge(path: path, detail: "the file has \(size) bytes (at most \(maximumFileBytes))")
        }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw ImageFileError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try decode(bytes, path: path)
    }

    /// Decodes the bytes of a PGM or PNG file (format detected from the content) as 8-bit gray pixels.
    /// `path` only names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        if bytes.isEmpty { throw ImageFileError.truncated(path: path, detail: "the file is empty") }
        if bytes.count >= pngSignature.count && bytes.starts(with: pngSignature) {
            return try decodePNG(bytes, path: path)
        }
        if bytes.count < pngSignature.count && pngSignature.starts(with: bytes) && bytes.count >= 2 {
            throw ImageFileError.truncated(path: path, detail: "the file ends inside the PNG signature")
        }
        if bytes.count >= 4 && bytes.starts(with: pngSignature.prefix(4)) {
            throw ImageFileError.malformed(path: path,
                                           detail: "damaged PNG signature (was the file transferred in text mode?)")
        }
        if bytes.count >= 2 && bytes[0] == UInt8(ascii: "P") {
            switch bytes[1] {
            case UInt8(ascii: "2"), UInt8(ascii: "5"):
                return try decodePGM(bytes, path: path)
            case UInt8(ascii: "1"), UInt8(ascii: "4"):
                throw ImageFileError.unsupported(path: path, feature: "PBM bitmap (P\(Character(UnicodeScalar(bytes[1])))); "
                                                 + "accepted: PGM (P2/P5) or PNG")
            case UInt8(ascii: "3"), UInt8(ascii: "6"):
                throw ImageFileError.unsupported(path: path, feature: "PPM colour image (P\(Character(UnicodeScalar(bytes[1])))); "
                                                 + "accepted: PGM (P2/P5) or PNG")
            case UInt8(ascii: "7"):
                throw ImageFileError.unsupported(path: path, feature: "PAM image (P7); accepted: PGM (P2/P5) or PNG")
            default:
                break
            }
        }
        throw ImageFileError.unknownFormat(path: path)
    }

    // MARK: - PGM

    private static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// Reads whitespace-separated decimal numbers, skipping `#` comments (to the end of the line).
    private struct NetpbmScanner {
        let bytes: [UInt8]
        let path: String
        var index = 2

        /// Skips whitespace and comments; false at the end of the data.
        mutating func skipSeparators() -> Bool {
            while index < bytes.count {
                let b = bytes[index]
                if ImageFile.isSpace(b) {
                    index += 1
                } else if b == UInt8(ascii: "#") {
                    while index < bytes.count && bytes[index] != 0x0A && bytes[index] != 0x0D { index += 1 }
                } else {
                    return true
                }
            }
            return false
        }

        /// The next number (the caller has checked that one starts at `index`).
        mutating func number(_ what: String) throws -> Int {
            guard index < bytes.count, ImageFile.isDigit(bytes[index]) else {
                throw ImageFileError.malformed(path: path, detail: "PGM \(what) is not a number")
            }
            var value = 0
            while index < bytes.count && ImageFile.isDigit(bytes[index]) {
                value = value * 10 + Int(bytes[index] - 0x30)
                guard value <= 1 << 40 else { throw ImageFileError.malformed(path: path, detail: "PGM \(what) is too large") }
                index += 1
            }
            if index < bytes.count && !ImageFile.isSpace(bytes[index]) && bytes[index] != UInt8(ascii: "#") {
                throw ImageFileError.malformed(path: path, detail: "PGM \(what) is not a number")
            }
            return value
        }

        /// A header field: separators, then a number.
        mutating func headerField(_ what: String) throws -> Int {
            guard skipSeparators() else {
                throw ImageFileError.truncated(path: path, detail: "the PGM header ends before the \(what)")
            }
            return try number(what)
        }
    }

    private static func decodePGM(_ bytes: [UInt8], path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        let binary = bytes[1] == UInt8(ascii: "5")
        var scanner = NetpbmScanner(bytes: bytes, path: path)
        // The magic number must be followed by a separator.
        if bytes.count > 2 && !isSpace(bytes[2]) && bytes[2] != UInt8(ascii: "#") {
            throw ImageFileError.unknownFormat(path: path)
        }
        let width = try scanner.headerField("width")
        let height = try scanner.headerField("height")
        let maxval = try scanner.headerField("maximum value")
        guard width > 0, height > 0 else {
            throw ImageFileError.malformed(path: path, detail: "PGM size \(width)×\(height) is empty")
        }
        guard maxval >= 1 && maxval <= 65535 else {
            throw ImageFileError.malformed(path: path, detail: "PGM maximum value \(maxval) is outside 1…65535")
        }
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, count <= maximumPixels else {
            throw ImageFileError.tooLarge(path: path, detail: "\(width)×\(height) pixels (at most \(maximumPixels))")
        }
        func scaled(_ v: Int) -> UInt8 {
            maxval == 255 ? UInt8(v) : UInt8((v * 255 + maxval / 2) / maxval)
        }
        func tooBright(_ v: Int) -> ImageFileError {
            .malformed(path: path, detail: "PGM pixel value \(v) exceeds the maximum value \(maxval)")
        }

        var pixels: [UInt8] = []
        if binary {
            // Exactly one whitespace byte separates the header from the raster.
            guard scanner.index < bytes.count else {
                throw ImageFileError.truncated(path: path, detail: "no pixel data after the PGM header")
            }
            guard isSpace(bytes[scanner.index]) else {
                throw ImageFileError.malformed(path: path, detail: "PGM header must end with one whitespace byte")
            }
            let start = scanner.index + 1
            let bytesPerSample = maxval > 255 ? 2 : 1
            let needed = count * bytesPerSample
            let available = bytes.count - start
            guard available >= needed else {
                throw ImageFileError.truncated(
                    path: path, detail: "PGM pixel data has \(available) bytes, a \(width)×\(height) image needs \(needed)")
            }
            pixels.reserveCapacity(count)
            for i in 0..<count {
                let v = bytesPerSample == 1
                    ? Int(bytes[start + i])
                    : Int(bytes[start + 2 * i]) << 8 | Int(bytes[start + 2 * i + 1])
                guard v <= maxval else { throw tooBright(v) }
                pixels.append(scaled(v))
            }
        } else {
            // At least one byte per value: a cheap bound before allocating.
            guard count <= bytes.count - scanner.index else {
                throw ImageFileError.truncated(
                    path: path, detail: "PGM pixel data too short for a \(width)×\(height) image")
            }
            pixels.reserveCapacity(count)
            for i in 0..<count {
                guard scanner.skipSeparators() else {
                    throw ImageFileError.truncated(path: path, detail: "PGM pixel data ends after \(i) of \(count) values")
                }
                let v = try scanner.number("pixel value")
                guard v <= maxval else { throw tooBright(v) }
                pixels.append(scaled(v))
            }
        }
        return (width, height, pixels)
    }

    // MARK: - PNG

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    private static func bigEndian32(_ b: [UInt8], _ i: Int) -> Int {
        Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
    }

    private struct PNGHeader {
        var width: Int
        var height: Int
        var bitDepth: Int
        var colorType: Int
        var channels: Int {
            switch colorType {
            case 2: 3
            case 4: 2
            case 6: 4
            default: 1
            }
        }
    }

    private static func decodePNG(_ b: [UInt8], path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
        var position = pngSignature.count
        var header: PNGHeader?
        var palette: [UInt8] = []
        var transparency: [UInt8]?
        var compressed: [UInt8] = []
        var sawEnd = false
        while position < b.count {
            guard b.count - position >= 8 else {
                throw ImageFileError.truncated(path: path, detail: "the file ends inside a PNG chunk header at byte \(position)")
            }
            let length = bigEndian32(b, position)
            let typeBytes = Array(b[(position + 4)..<(position + 8)])
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw ImageFileError.malformed(path: path, detail: "invalid PNG chunk type at byte \(position)")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= 0x7FFF_FFFF else {
                throw ImageFileError.malformed(path: path, detail: "\(type) chunk length \(length) is invalid")
            }
            let dataStart = position + 8
            guard b.count - dataStart >= length + 4 else {
                throw ImageFileError.truncated(
                    path: path, detail: "the \(type) chunk at byte \(position) needs \(length + 12) bytes, \(b.count - position) remain")
            }
            let stored = UInt(bigEndian32(b, dataStart + length))
            let computed = b.withUnsafeBufferPointer { buffer in
                crc32(0, buffer.baseAddress! + position + 4, UInt32(length + 4))
            }
            guard stored == computed else { throw ImageFileError.badChecksum(path: path, chunk: type) }
            let data = b[dataStart..<(dataStart + length)]
            position = dataStart + length + 4

            if header == nil && type != "IHDR" {
                throw ImageFileError.malformed(path: path, detail: "the first PNG chunk is \(type), expected IHDR")
            }
            switch type {
            case "IHDR":
                guard header == nil else { throw ImageFileError.malformed(path: path, detail: "more than one IHDR chunk") }
                header = try parseHeader(Array(data), path: path)
            case "PLTE":
                guard length % 3 == 0, (3...768).contains(length) else {
                    throw ImageFileError.malformed(path: path, detail: "PLTE chunk of \(length) bytes (3…768, a multiple of 3)")
                }
                palette = Array(data)
            case "tRNS":
                transparency = Array(data)
            case "IDAT":
                compressed.append(contentsOf: data)
            case "IEND":
                sawEnd = true
            default:
                // An unknown critical chunk (uppercase first letter) changes the image's meaning.
                if typeBytes[0] & 0x20 == 0 {
                    throw ImageFileError.unsupported(path: path, feature: "PNG critical chunk \(type)")
                }
            }
            if sawEnd { break }
        }
        guard let header else { throw ImageFileError.truncated(path: path, detail: "the PNG has no IHDR chunk") }
        guard sawEnd else { throw ImageFileError.truncated(path: path, detail: "the PNG ends without an IEND chunk") }
        guard !compressed.isEmpty else { throw ImageFileError.malformed(path: path, detail: "the PNG has no IDAT chunk") }
        if header.colorType == 3 && palette.isEmpty {
            throw ImageFileError.malformed(path: path, detail: "palette image without a PLTE chunk")
        }

        let bitsPerPixel = header.channels * header.bitDepth
        let rowBytes = (header.width * bitsPerPixel + 7) / 8
        let expected = header.height * (rowBytes + 1)
        // deflate compresses at most about 1032:1; a longer promise cannot be kept.
        guard expected <= compressed.count * 1032 + 1024 else {
            throw ImageFileError.truncated(
                path: path, detail: "\(compressed.count) bytes of compressed data cannot hold a \(header.width)×\(header.height) image")
        }
        let raw = try inflate(compressed, expected: expected, path: path)
        let image = try unfilter(raw, rows: header.height, rowBytes: rowBytes,
                                 bytesPerPixel: Swift.max(1, bitsPerPixel / 8), path: path)
        let pixels = try gray(image, header: header, rowBytes: rowBytes, palette: palette,
                              transparency: transparency, path: path)
        return (header.width, header.height, pixels)
    }

    private static func parseHeader(_ d: [UInt8], path: String) throws -> PNGHeader {
        guard d.count == 13 else { throw ImageFileError.malformed(path: path, detail: "IHDR chunk of \(d.count) bytes (expected 13)") }
        let width = bigEndian32(d, 0), height = bigEndian32(d, 4)
        guard width > 0, height > 0, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF else {
            throw ImageFileError.malformed(path: path, detail: "PNG size \(width)×\(height) is invalid")
        }
        let bitDepth = Int(d[8]), colorType = Int(d[9])
        let allowed: [Int]
        switch colorType {
        case 0: allowed = [1, 2, 4, 8, 16]
        case 3: allowed = [1, 2, 4, 8]
        case 2, 4, 6: allowed = [8, 16]
        default:
            throw ImageFileError.malformed(path: path, detail: "unknown PNG colour type \(colorType)")
        }
        guard allowed.contains(bitDepth) else {
            throw ImageFileError.malformed(path: path, detail: "bit depth \(bitDepth) is not allowed with PNG colour type \(colorType)")
        }
        guard d[10] == 0 else {
            throw ImageFileError.unsupported(path: path, feature: "PNG compression method \(d[10])")
        }
        guard d[11] == 0 else {
            throw ImageFileError.unsupported(path: path, feature: "PNG filter method \(d[11])")
        }
        switch d[12] {
        case 0: break
        case 1:
            throw ImageFileError.unsupported(path: path, feature: "interlaced (Adam7) PNG; save the image without interlacing")
        default:
            throw ImageFileError.malformed(path: path, detail: "unknown PNG interlace method \(d[12])")
        }
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, count <= maximumPixels else {
            throw ImageFileError.tooLarge(path: path, detail: "\(width)×\(height) pixels (at most \(maximumPixels))")
        }
        return PNGHeader(width: width, height: height, bitDepth: bitDepth, colorType: colorType)
    }

    /// Inflates a zlib stream that must produce exactly `expected` bytes.
    private static func inflate(_ input: [UInt8], expected: Int, path: String) throws -> [UInt8] {
        var output = [UInt8](repeating: 0, count: expected + 1)
        var stream = z_stream()
        // windowBits 15: a zlib stream (header and Adler-32 trailer), as PNG stores.
        guard inflateInit2_(&stream, 15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ImageFileError.malformed(path: path, detail: "zlib could not start")
        }
        defer { inflateEnd(&stream) }
        let status: Int32 = input.withUnsafeBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: inputBuffer.baseAddress)
                stream.avail_in = UInt32(inputBuffer.count)
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(out.count)
                var status: Int32 = Z_OK
                while status == Z_OK {
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                return status
            }
        }
        let produced = Int(stream.total_out)
        switch status {
        case Z_STREAM_END, Z_BUF_ERROR:
            if produced > expected {
                throw ImageFileError.malformed(path: path, detail: "more image data than the \(expected) bytes the header implies")
            }
            if produced < expected {
                throw ImageFileError.truncated(path: path, detail: "image data ends after \(produced) of \(expected) bytes")
            }
            if status == Z_BUF_ERROR {
                // All the pixels arrived but the stream is cut before its checksum.
                throw ImageFileError.truncated(path: path, detail: "the compressed image data ends early")
            }
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            throw ImageFileError.malformed(path: path, detail: "corrupt compressed image data (\(message))")
        }
        output.removeLast()
        return output
    }

    /// Undoes the PNG row filters (None, Sub, Up, Average, Paeth) of `raw` (each row starts with its
    /// filter type byte); returns the rows without the filter bytes.
    private static func unfilter(_ raw: [UInt8], rows: Int, rowBytes: Int, bytesPerPixel bpp: Int,
                                 path: String) throws -> [UInt8] {
        var image = [UInt8](repeating: 0, count: rows * rowBytes)
        try raw.withUnsafeBufferPointer { src in
            try image.withUnsafeMutableBufferPointer { dst in
                for y in 0..<rows {
                    let filter = src[y * (rowBytes + 1)]
                    let s = y * (rowBytes + 1) + 1, d = y * rowBytes, p = d - rowBytes
                    switch filter {
                    case 0:
                        for i in 0..<rowBytes { dst[d + i] = src[s + i] }
                    case 1:
                        for i in 0..<rowBytes {
                            dst[d + i] = src[s + i] &+ (i >= bpp ? dst[d + i - bpp] : 0)
                        }
                    case 2:
                        for i in 0..<rowBytes {
                            dst[d + i] = src[s + i] &+ (y > 0 ? dst[p + i] : 0)
                        }
                    case 3:
                        for i in 0..<rowBytes {
                            let a = i >= bpp ? Int(dst[d + i - bpp]) : 0
                            let b = y > 0 ? Int(dst[p + i]) : 0
                            dst[d + i] = src[s + i] &+ UInt8((a + b) / 2)
                        }
                    case 4:
                        for i in 0..<rowBytes {
                            let a = i >= bpp ? Int(dst[d + i - bpp]) : 0
                            let b = y > 0 ? Int(dst[p + i]) : 0
                            let c = i >= bpp && y > 0 ? Int(dst[p + i - bpp]) : 0
                            let estimate = a + b - c
                            let pa = Swift.abs(estimate - a), pb = Swift.abs(estimate - b), pc = Swift.abs(estimate - c)
                            let predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                            dst[d + i] = src[s + i] &+ UInt8(predictor)
                        }
                    default:
                        throw ImageFileError.malformed(path: path, detail: "row \(y) has unknown PNG filter type \(filter)")
                    }
                }
            }
        }
        return image
    }

    /// Converts unfiltered PNG rows to 8-bit gray, compositing any transparency over black.
    private static func gray(_ image: [UInt8], header: PNGHeader, rowBytes: Int, palette: [UInt8],
                             transparency: [UInt8]?, path: String) throws -> [UInt8] {
        let depth = header.bitDepth, channels = header.channels
        let maxSample = Double((1 << depth) - 1)
        let mask = (1 << depth) - 1
        // Sample `c` of pixel `x` in the row starting at byte `row`.
        func sample(_ row: Int, _ x: Int, _ c: Int) -> Int {
            switch depth {
            case 8:
                return Int(image[row + x * channels + c])
            case 16:
                let i = row + 2 * (x * channels + c)
                return Int(image[i]) << 8 | Int(image[i + 1])
            default:
                let bit = x * depth
                return Int(image[row + bit / 8]) >> (8 - depth - bit % 8) & mask
            }
        }
        func luma(_ r: Double, _ g: Double, _ b: Double) -> Double { 0.299 * r + 0.587 * g + 0.114 * b }
        func byte(_ v: Double) -> UInt8 { UInt8(Swift.min(255, Swift.max(0, (v * 255).rounded()))) }

        // tRNS: alpha per palette entry, or one fully transparent colour (gray / RGB).
        var paletteAlpha = [UInt8](repeating: 255, count: palette.count / 3)
        var grayKey: Int?
        var rgbKey: (Int, Int, Int)?
        if let t = transparency {
            switch header.colorType {
            case 3:
                for (i, a) in t.prefix(paletteAlpha.count).enumerated() { paletteAlpha[i] = a }
            case 0 where t.count >= 2:
                grayKey = (Int(t[0]) << 8 | Int(t[1])) & mask
            case 2 where t.count >= 6:
                rgbKey = (Int(t[0]) << 8 | Int(t[1]), Int(t[2]) << 8 | Int(t[3]), Int(t[4]) << 8 | Int(t[5]))
            default:
                break
            }
        }

        var pixels = [UInt8](repeating: 0, count: header.width * header.height)
        for y in 0..<header.height {
            let row = y * rowBytes, out = y * header.width
            for x in 0..<header.width {
                let value: UInt8
                switch header.colorType {
                case 0:
                    let v = sample(row, x, 0)
                    value = v == grayKey ? 0 : byte(Double(v) / maxSample)
                case 2:
                    let r = sample(row, x, 0), g = sample(row, x, 1), b = sample(row, x, 2)
                    if let key = rgbKey, key == (r, g, b) {
                        value = 0
                    } else {
                        value = byte(luma(Double(r) / maxSample, Double(g) / maxSample, Double(b) / maxSample))
                    }
                case 3:
                    let index = sample(row, x, 0)
                    guard index < paletteAlpha.count else {
                        throw ImageFileError.malformed(
                            path: path, detail: "palette index \(index) at (\(x), \(y)) is beyond the \(paletteAlpha.count)-entry palette")
                    }
                    let l = luma(Double(palette[3 * index]), Double(palette[3 * index + 1]), Double(palette[3 * index + 2])) / 255
                    value = byte(l * Double(paletteAlpha[index]) / 255)
                case 4:
                    value = byte(Double(sample(row, x, 0)) / maxSample * Double(sample(row, x, 1)) / maxSample)
                default:
                    let l = luma(Double(sample(row, x, 0)) / maxSample, Double(sample(row, x, 1)) / maxSample,
                                 Double(sample(row, x, 2)) / maxSample)
                    value = byte(l * Double(sample(row, x, 3)) / maxSample)
                }
                pixels[out + x] = value
            }
        }
        return pixels
    }

    // MARK: - Resizing and writing

    /// `pixels` (row-major, `width` × `height`, 8-bit gray) resampled to `size` × `size`: each output
    /// pixel averages the source area it covers when shrinking, and interpolates bilinearly when
    /// enlarging. The aspect ratio is not kept (pad the image to a square first to keep it).
    /// Returns `pixels` unchanged when it already is `size` × `size`.
    public static func resize(_ pixels: [UInt8], width: Int, height: Int, to size: Int) -> [UInt8] {
        precondition(width > 0 && height > 0 && pixels.count == width * height,
                     "ImageFile.resize: \(pixels.count) pixels for a \(width)×\(height) image")
        precondition(size > 0, "ImageFile.resize: target size \(size) must be positive")
        if width == size && height == size { return pixels }
        let columns = resamplingWeights(from: width, to: size)
        let rows = resamplingWeights(from: height, to: size)
        // Horizontal pass: height × size.
        var horizontal = [Double](repeating: 0, count: height * size)
        for y in 0..<height {
            for (ox, weights) in columns.enumerated() {
                var sum = 0.0
                for (sx, w) in weights { sum += w * Double(pixels[y * width + sx]) }
                horizontal[y * size + ox] = sum
            }
        }
        // Vertical pass: size × size.
        var out = [UInt8](repeating: 0, count: size * size)
        for (oy, weights) in rows.enumerated() {
            for ox in 0..<size {
                var sum = 0.0
                for (sy, w) in weights { sum += w * horizontal[sy * size + ox] }
                out[oy * size + ox] = UInt8(Swift.min(255, Swift.max(0, sum.rounded())))
            }
        }
        return out
    }

    /// For each of `m` output positions, the source positions (of `n`) and weights (summing to 1).
    private static func resamplingWeights(from n: Int, to m: Int) -> [[(Int, Double)]] {
        let scale = Double(n) / Double(m)
        return (0..<m).map { i in
            if scale >= 1 {
                // Area average over [i·scale, (i+1)·scale).
                let a = Double(i) * scale, b = Double(i + 1) * scale
                var weights: [(Int, Double)] = []
                for s in Int(a.rounded(.down))..<Swift.min(n, Int(b.rounded(.up))) {
                    let overlap = Swift.min(b, Double(s + 1)) - Swift.max(a, Double(s))
                    if overlap > 1e-12 { weights.append((s, overlap / scale)) }
                }
                return weights
            } else {
                // Bilinear between the two nearest source centres.
                let centre = (Double(i) + 0.5) * scale - 0.5
                let s0 = Int(centre.rounded(.down))
                let t = centre - Double(s0)
                let first = Swift.min(n - 1, Swift.max(0, s0)), second = Swift.min(n - 1, Swift.max(0, s0 + 1))
                return [(first, 1 - t), (second, t)]
            }
        }
    }

    /// The bytes of a binary PGM (P5, maximum value 255) holding `pixels` (row-major, 8-bit gray).
    public static func encodePGM(pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        precondition(width > 0 && height > 0 && pixels.count == width * height,
                     "ImageFile.encodePGM: \(pixels.count) pixels for a \(width)×\(height) image")
        return Array("P5\n\(width) \(height)\n255\n".utf8) + pixels
    }

    /// Writes `pixels` as a binary PGM (P5) file at `path`, atomically (a temporary file renamed into place).
    public static func writePGM(pixels: [UInt8], width: Int, height: Int, to path: String) throws {
        try writeAtomically(encodePGM(pixels: pixels, width: width, height: height), to: path)
    }
}
