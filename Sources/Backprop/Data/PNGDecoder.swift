import CBackpropZlib

/// PNG decoding for `ImageFile`: the chunks, zlib inflate (through zlib), the five row filters,
/// and every colour type and bit depth converted to 8-bit gray.
extension ImageFile {
    static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func bigEndian32(_ b: [UInt8], _ i: Int) -> Int {
        Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3])
    }

    struct PNGHeader {
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

    static func decodePNG(_ b: [UInt8], path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
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

    static func parseHeader(_ d: [UInt8], path: String) throws -> PNGHeader {
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
    static func inflate(_ input: [UInt8], expected: Int, path: String) throws -> [UInt8] {
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
                    status = CBackpropZlib.inflate(&stream, Z_NO_FLUSH)
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
    static func unfilter(_ raw: [UInt8], rows: Int, rowBytes: Int, bytesPerPixel bpp: Int,
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
    static func gray(_ image: [UInt8], header: PNGHeader, rowBytes: Int, palette: [UInt8],
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
}
