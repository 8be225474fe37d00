import BackpropCore

/// PGM (Netpbm P2 ASCII and P5 binary) decoding for `ImageFile`.
extension ImageFile {
    static func isSpace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C
    }

    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// Reads whitespace-separated decimal numbers, skipping `#` comments (to the end of the line).
    struct NetpbmScanner {
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

    static func decodePGM(_ bytes: [UInt8], path: String) throws -> (width: Int, height: Int, pixels: [UInt8]) {
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
}
