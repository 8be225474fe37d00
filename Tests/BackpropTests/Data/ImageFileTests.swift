import CBackpropZlib
import Foundation
import Testing
@testable import Backprop

/// A minimal PNG encoder for the tests: filters each row with the given filter type, compresses
/// with zlib, and frames the chunks with their CRCs.
private enum TestPNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func be32(_ v: Int) -> [UInt8] {
        [UInt8(v >> 24 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
    }

    static func crc(_ bytes: [UInt8]) -> Int {
        Int(bytes.withUnsafeBufferPointer { crc32(0, $0.baseAddress, UInt32($0.count)) })
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(crc(body))
    }

    /// zlib (RFC 1950) compression.
    static func zlibCompress(_ input: [UInt8]) -> [UInt8] {
        var size = compressBound(UInt(input.count))
        var output = [UInt8](repeating: 0, count: Int(size))
        let status = compress2(&output, &size, input, UInt(input.count), 9)
        precondition(status == Z_OK)
        return Array(output[0..<Int(size)])
    }

    static func ihdr(width: Int, height: Int, bitDepth: Int, colorType: Int, interlace: UInt8 = 0) -> [UInt8] {
        chunk("IHDR", be32(width) + be32(height) + [UInt8(bitDepth), UInt8(colorType), 0, 0, interlace])
    }

    static func paeth(_ a: Int, _ b: Int, _ c: Int) -> Int {
        let p = a + b - c
        let pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c
    }

    /// `rows` (unfiltered bytes, `bpp` bytes per pixel) filtered with `filters[y % filters.count]`.
    static func filtered(_ rows: [[UInt8]], bpp: Int, filters: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for (y, row) in rows.enumerated() {
            let filter = filters[y % filters.count]
            out.append(filter)
            let previous = y > 0 ? rows[y - 1] : [UInt8](repeating: 0, count: row.count)
            for i in 0..<row.count {
                let x = Int(row[i])
                let a = i >= bpp ? Int(row[i - bpp]) : 0
                let b = Int(previous[i])
                let c = i >= bpp ? Int(previous[i - bpp]) : 0
                let predictor: Int
                switch filter {
                case 0: predictor = 0
                case 1: predictor = a
                case 2: predictor = b
                case 3: predictor = (a + b) / 2
                default: predictor = paeth(a, b, c)
                }
                out.append(UInt8((x - predictor) & 0xFF))
            }
        }
        return out
    }

    static func encode(width: Int, height: Int, bitDepth: Int, colorType: Int, rows: [[UInt8]],
                       filters: [UInt8] = [0], palette: [UInt8]? = nil, transparency: [UInt8]? = nil,
                       interlace: UInt8 = 0) -> [UInt8] {
        let channels = [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]!
        let bpp = max(1, channels * bitDepth / 8)
        var out = signature + ihdr(width: width, height: height, bitDepth: bitDepth, colorType: colorType,
                                   interlace: interlace)
        if let palette { out += chunk("PLTE", palette) }
        if let transparency { out += chunk("tRNS", transparency) }
        out += chunk("tEXt", Array("Comment\0test".utf8))
        let compressed = zlibCompress(filtered(rows, bpp: bpp, filters: filters))
        // Split the data over two IDAT chunks, as encoders may.
        let half = compressed.count / 2
        out += chunk("IDAT", Array(compressed[..<half])) + chunk("IDAT", Array(compressed[half...]))
        return out + chunk("IEND", [])
    }

    /// Packs sub-byte samples (1, 2 or 4 bits) MSB first into rows.
    static func pack(_ samples: [[Int]], bitDepth: Int) -> [[UInt8]] {
        samples.map { row in
            var bytes = [UInt8](repeating: 0, count: (row.count * bitDepth + 7) / 8)
            for (x, v) in row.enumerated() {
                let bit = x * bitDepth
                bytes[bit / 8] |= UInt8(v << (8 - bitDepth - bit % 8))
            }
            return bytes
        }
    }
}

/// A real libpng-written PNG (rsvg-convert, 4×3 RGBA, Sub and None filters, with a bKGD chunk).
private let libpngFixture: [UInt8] = hexBytes("""
    89504e470d0a1a0a0000000d4948445200000004000000030806000000b4f4aec600000006624b474400ff00ff00ff\
    a0bda7930000002c49444154089963fccfc0f09ff13f030303e37f86ffff191a194ea418fd6f6868f80f038c020a06\
    ff199000005e7314b33a413fe50000000049454e44ae426082
    """)

private func hexBytes(_ hex: String) -> [UInt8] {
    let digits = Array(hex.utf8)
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
}

/// The error `ImageFile.decode` throws for `bytes`, if any.
private func decodeError(_ bytes: [UInt8]) -> ImageFileError? {
    do {
        _ = try ImageFile.decode(bytes, path: "img")
        return nil
    } catch let error as ImageFileError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

/// The name of an error's case, for comparisons that ignore the detail text.
private func kind(_ error: ImageFileError?) -> String {
    guard let error else { return "none" }
    switch error {
    case .missingFile: return "missingFile"
    case .unreadable: return "unreadable"
    case .unknownFormat: return "unknownFormat"
    case .truncated: return "truncated"
    case .malformed: return "malformed"
    case .badChecksum: return "badChecksum"
    case .unsupported: return "unsupported"
    case .tooLarge: return "tooLarge"
    }
}

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ImageFileTests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}


struct ImageFilePNGTests {
    @Test func gray8EveryFilterType() throws {
        let rows: [[UInt8]] = [[0, 17, 255, 128], [64, 1, 200, 90], [3, 250, 7, 128]]
        for filters in [[0], [1], [2], [3], [4], [4, 3, 2, 1, 0]] as [[UInt8]] {
            let png = TestPNG.encode(width: 4, height: 3, bitDepth: 8, colorType: 0, rows: rows, filters: filters)
            let image = try ImageFile.decode(png, path: "gray.png")
            #expect(image.width == 4 && image.height == 3)
            #expect(image.pixels == rows.flatMap { $0 }, "filters \(filters)")
        }
    }

    @Test func rgb8ToLuma() throws {
        let colours: [[UInt8]] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [200, 100, 50], [0, 0, 0]]
        let rows = [Array(colours[0..<3].joined()), Array(colours[3..<6].joined())]
        for filter: UInt8 in 0...4 {
            let png = TestPNG.encode(width: 3, height: 2, bitDepth: 8, colorType: 2, rows: rows, filters: [filter])
            let image = try ImageFile.decode(png, path: "rgb.png")
            #expect(image.pixels == [76, 150, 29, 255, 124, 0], "filter \(filter)")
        }
    }

    @Test func rgbaCompositedOverBlack() throws {
        let rows: [[UInt8]] = [[255, 255, 255, 128, 255, 0, 0, 255], [10, 10, 10, 0, 100, 100, 100, 255]]
        for filter: UInt8 in 0...4 {
            let png = TestPNG.encode(width: 2, height: 2, bitDepth: 8, colorType: 6, rows: rows, filters: [filter])
            #expect(try ImageFile.decode(png, path: "rgba.png").pixels == [128, 76, 0, 100], "filter \(filter)")
        }
    }

    @Test func grayAlpha8() throws {
        let rows: [[UInt8]] = [[200, 255, 200, 0], [255, 51, 100, 128]]
        let png = TestPNG.encode(width: 2, height: 2, bitDepth: 8, colorType: 4, rows: rows, filters: [4, 3])
        #expect(try ImageFile.decode(png, path: "ga.png").pixels == [200, 0, 51, 50])
    }

    @Test func palette8WithTransparency() throws {
        let palette: [UInt8] = [0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255]
        let rows: [[UInt8]] = [[0, 1, 2, 3]]
        let plain = TestPNG.encode(width: 4, height: 1, bitDepth: 8, colorType: 3, rows: rows, palette: palette)
        #expect(try ImageFile.decode(plain, path: "p.png").pixels == [0, 255, 76, 29])
        // Entry 1 (white) half transparent, entries past the tRNS list opaque.
        let transparent = TestPNG.encode(width: 4, height: 1, bitDepth: 8, colorType: 3, rows: rows, palette: palette,
                                         transparency: [255, 128])
        #expect(try ImageFile.decode(transparent, path: "p.png").pixels == [0, 128, 76, 29])
    }

    @Test func subBytePaletteAndGray() throws {
        // 2-bit palette, width 5 (rows padded to whole bytes).
        let palette: [UInt8] = [0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255]
        let indices = [[0, 1, 2, 3, 1], [3, 2, 1, 0, 0]]
        let p2 = TestPNG.encode(width: 5, height: 2, bitDepth: 2, colorType: 3,
                                rows: TestPNG.pack(indices, bitDepth: 2), filters: [1, 2], palette: palette)
        #expect(try ImageFile.decode(p2, path: "p2.png").pixels == [0, 255, 76, 29, 255, 29, 76, 255, 0, 0])

        // 1-bit gray, width 10.
        let bits = [[1, 0, 1, 1, 0, 0, 0, 1, 1, 0], [0, 1, 0, 0, 1, 1, 1, 0, 0, 1]]
        let g1 = TestPNG.encode(width: 10, height: 2, bitDepth: 1, colorType: 0,
                                rows: TestPNG.pack(bits, bitDepth: 1), filters: [4])
        #expect(try ImageFile.decode(g1, path: "g1.png").pixels == bits.flatMap { $0 }.map { UInt8($0 * 255) })

        // 2-bit and 4-bit gray scale up to 0…255.
        let twos = [[0, 1, 2, 3, 2]]
        let g2 = TestPNG.encode(width: 5, height: 1, bitDepth: 2, colorType: 0, rows: TestPNG.pack(twos, bitDepth: 2))
        #expect(try ImageFile.decode(g2, path: "g2.png").pixels == [0, 85, 170, 255, 170])
        let nibbles = [[0, 1, 7, 15, 8], [15, 14, 0, 3, 9]]
        let g4 = TestPNG.encode(width: 5, height: 2, bitDepth: 4, colorType: 0,
                                rows: TestPNG.pack(nibbles, bitDepth: 4), filters: [3])
        #expect(try ImageFile.decode(g4, path: "g4.png").pixels == nibbles.flatMap { $0 }.map { UInt8($0 * 17) })

        // 4-bit palette.
        let p4 = TestPNG.encode(width: 3, height: 1, bitDepth: 4, colorType: 3,
                                rows: TestPNG.pack([[3, 0, 1]], bitDepth: 4), palette: palette)
        #expect(try ImageFile.decode(p4, path: "p4.png").pixels == [29, 0, 255])
    }

    @Test func sixteenBitScaledDown() throws {
        func be16(_ values: [Int]) -> [UInt8] { values.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } }
        let gray = [[0, 65535], [32768, 25700]]
        for filter: UInt8 in 0...4 {
            let png = TestPNG.encode(width: 2, height: 2, bitDepth: 16, colorType: 0, rows: gray.map(be16),
                                     filters: [filter])
            #expect(try ImageFile.decode(png, path: "g16.png").pixels == [0, 255, 128, 100], "filter \(filter)")
        }
        let rgb = TestPNG.encode(width: 2, height: 1, bitDepth: 16, colorType: 2,
                                 rows: [be16([65535, 0, 0, 0, 65535, 0])], filters: [1])
        #expect(try ImageFile.decode(rgb, path: "rgb16.png").pixels == [76, 150])
        let rgba = TestPNG.encode(width: 2, height: 1, bitDepth: 16, colorType: 6,
                                  rows: [be16([65535, 65535, 65535, 0, 65535, 65535, 65535, 65535])], filters: [4])
        #expect(try ImageFile.decode(rgba, path: "rgba16.png").pixels == [0, 255])
        let ga = TestPNG.encode(width: 1, height: 1, bitDepth: 16, colorType: 4, rows: [be16([65535, 32768])])
        #expect(try ImageFile.decode(ga, path: "ga16.png").pixels == [128])
    }

    @Test func colourKeyTransparency() throws {
        let gray = TestPNG.encode(width: 3, height: 1, bitDepth: 8, colorType: 0, rows: [[17, 18, 255]],
                                  transparency: [0, 17])
        #expect(try ImageFile.decode(gray, path: "k.png").pixels == [0, 18, 255])
        let rgb = TestPNG.encode(width: 2, height: 1, bitDepth: 8, colorType: 2, rows: [[255, 255, 255, 255, 0, 0]],
                                 transparency: [0, 255, 0, 255, 0, 255])
        #expect(try ImageFile.decode(rgb, path: "k.png").pixels == [0, 76])
    }

    @Test func realLibpngFile() throws {
        let image = try ImageFile.decode(libpngFixture, path: "rsvg.png")
        #expect(image.width == 4 && image.height == 3)
        #expect(image.pixels == [76, 150, 29, 128, 124, 128, 255, 255, 29, 29, 29, 29])
    }

    @Test func readsFromDisk() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("digit.png").path
        try Data(libpngFixture).write(to: URL(fileURLWithPath: path))
        let image = try ImageFile.readGrayscale(path: path)
        #expect(image.pixels.count == 12 && image.pixels[0] == 76)
    }
}

struct ImageFilePNGErrorTests {
    let valid = TestPNG.encode(width: 3, height: 2, bitDepth: 8, colorType: 2,
                               rows: [[1, 2, 3, 4, 5, 6, 7, 8, 9], [9, 8, 7, 6, 5, 4, 3, 2, 1]], filters: [4])

    @Test func everyTruncationThrowsTruncated() {
        for length in 2..<valid.count {
            let error = decodeError(Array(valid.prefix(length)))
            #expect(kind(error) == "truncated", "prefix of \(length) bytes: \(String(describing: error))")
        }
        #expect(kind(decodeError(Array(valid.prefix(1)))) == "unknownFormat")
    }

    @Test func badCRC() {
        var bytes = valid
        bytes[8 + 8 + 13] ^= 0xFF   // IHDR's CRC
        #expect(decodeError(bytes) == .badChecksum(path: "img", chunk: "IHDR"))
        #expect(decodeError(bytes)?.description == "img: corrupt PNG: CRC mismatch in the IHDR chunk")
    }

    @Test func interlacedIsUnsupported() {
        let png = TestPNG.encode(width: 1, height: 1, bitDepth: 8, colorType: 0, rows: [[1]], interlace: 1)
        let error = decodeError(png)
        #expect(kind(error) == "unsupported")
        #expect(error?.description.contains("Adam7") == true)
        #expect(error?.description.hasPrefix("img: ") == true)
    }

    @Test func badHeaderValues() {
        func withHeader(_ ihdr: [UInt8]) -> [UInt8] {
            TestPNG.signature + ihdr + TestPNG.chunk("IDAT", TestPNG.zlibCompress([0, 0])) + TestPNG.chunk("IEND", [])
        }
        #expect(kind(decodeError(withHeader(TestPNG.ihdr(width: 1, height: 1, bitDepth: 4, colorType: 2)))) == "malformed")
        #expect(kind(decodeError(withHeader(TestPNG.ihdr(width: 1, height: 1, bitDepth: 8, colorType: 5)))) == "malformed")
        #expect(kind(decodeError(withHeader(TestPNG.ihdr(width: 0, height: 1, bitDepth: 8, colorType: 0)))) == "malformed")
        #expect(kind(decodeError(withHeader(TestPNG.ihdr(width: 100_000, height: 100_000, bitDepth: 8, colorType: 0))))
                == "tooLarge")
        // Within the pixel cap, but 2 bytes of data cannot hold 8000×8000 pixels: refused before allocating.
        #expect(kind(decodeError(withHeader(TestPNG.ihdr(width: 8000, height: 8000, bitDepth: 16, colorType: 6))))
                == "truncated")
        // IHDR of the wrong length; a chunk before IHDR.
        #expect(kind(decodeError(withHeader(TestPNG.chunk("IHDR", [0, 0, 0, 1])))) == "malformed")
        #expect(kind(decodeError(TestPNG.signature + TestPNG.chunk("IEND", []))) == "malformed")
        // Only the signature.
        #expect(kind(decodeError(TestPNG.signature)) == "truncated")
    }

    @Test func badImageData() {
        let header = TestPNG.signature + TestPNG.ihdr(width: 2, height: 1, bitDepth: 8, colorType: 0)
        let end = TestPNG.chunk("IEND", [])
        // Filter type 5.
        let badFilter = header + TestPNG.chunk("IDAT", TestPNG.zlibCompress([5, 1, 2])) + end
        #expect(kind(decodeError(badFilter)) == "malformed")
        // Not a zlib stream (CRC correct).
        let garbage = header + TestPNG.chunk("IDAT", [1, 2, 3, 4, 5, 6, 7, 8]) + end
        #expect(kind(decodeError(garbage)) == "malformed")
        // Too little and too much data.
        #expect(kind(decodeError(header + TestPNG.chunk("IDAT", TestPNG.zlibCompress([0, 1])) + end)) == "truncated")
        #expect(kind(decodeError(header + TestPNG.chunk("IDAT", TestPNG.zlibCompress([0, 1, 2, 3])) + end)) == "malformed")
        // Compressed stream cut short.
        let cut = Array(TestPNG.zlibCompress([0, 1, 2]).dropLast(3))
        #expect(kind(decodeError(header + TestPNG.chunk("IDAT", cut) + end)) == "truncated")
        // No IDAT at all.
        #expect(kind(decodeError(header + end)) == "malformed")
        // Unknown critical chunk.
        let critical = header + TestPNG.chunk("ABCD", []) + TestPNG.chunk("IDAT", TestPNG.zlibCompress([0, 1, 2])) + end
        #expect(kind(decodeError(critical)) == "unsupported")
    }

    @Test func paletteProblems() {
        let palette: [UInt8] = [0, 0, 0, 255, 255, 255]
        let outOfRange = TestPNG.encode(width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[0, 2]], palette: palette)
        #expect(kind(decodeError(outOfRange)) == "malformed")
        let missing = TestPNG.encode(width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[0, 1]])
        #expect(decodeError(missing)?.description.contains("PLTE") == true)
        let badLength = TestPNG.encode(width: 2, height: 1, bitDepth: 8, colorType: 3, rows: [[0, 1]], palette: [0, 0])
        #expect(kind(decodeError(badLength)) == "malformed")
    }

    @Test func fuzzedPNGsNeverTrap() {
        var random = CLIHarness.Mixer(state: 42)
        let sources = [valid, libpngFixture,
                       TestPNG.encode(width: 5, height: 2, bitDepth: 2, colorType: 3,
                                      rows: TestPNG.pack([[0, 1, 2, 3, 1], [3, 2, 1, 0, 0]], bitDepth: 2), filters: [4],
                                      palette: [0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255])]
        for round in 0..<600 {
            var bytes = sources[round % sources.count]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let i = Int.random(in: 8..<bytes.count, using: &random)
                bytes[i] = UInt8.random(in: 0...255, using: &random)
            }
            // Recompute every CRC so that the mutations reach the decoder.
            var position = 8
            while position + 12 <= bytes.count {
                let length = Int(bytes[position]) << 24 | Int(bytes[position + 1]) << 16
                    | Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
                guard length <= bytes.count - position - 12 else { break }
                let crc = TestPNG.be32(TestPNG.crc(Array(bytes[(position + 4)..<(position + 8 + length)])))
                bytes.replaceSubrange((position + 8 + length)..<(position + 12 + length), with: crc)
                position += 12 + length
            }
            if let image = try? ImageFile.decode(bytes, path: "fuzz.png") {
                #expect(image.pixels.count == image.width * image.height)
            }
        }
    }
}

struct ImageFilePGMTests {
    @Test func asciiWithComments() throws {
        let text = "P2\n# made by hand\n3 2 # size\n# maximum:\n15\n0 15 7\n8 1\n14\n"
        let image = try ImageFile.decode(Array(text.utf8), path: "a.pgm")
        #expect(image.width == 3 && image.height == 2)
        #expect(image.pixels == [0, 255, 119, 136, 17, 238])
    }

    @Test func binary8And16Bit() throws {
        let eight = Array("P5 # comment\n2 2\n255\n".utf8) + [0, 9, 200, 255]
        #expect(try ImageFile.decode(eight, path: "b.pgm").pixels == [0, 9, 200, 255])
        let sixteen = Array("P5\n3 1\n65535\n".utf8) + [0, 0, 0xFF, 0xFF, 0x80, 0x00]
        #expect(try ImageFile.decode(sixteen, path: "c.pgm").pixels == [0, 255, 128])
        let thousand = Array("P5\n2 1\n1000\n".utf8) + [0x01, 0xF4, 0x03, 0xE8]
        #expect(try ImageFile.decode(thousand, path: "d.pgm").pixels == [128, 255])
        // A raster byte that looks like whitespace or '#' right after the header is data.
        let tricky = Array("P5\n2 1\n255\n".utf8) + [0x23, 0x0A]
        #expect(try ImageFile.decode(tricky, path: "e.pgm").pixels == [0x23, 0x0A])
    }

    @Test func writeThenRead() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("x.pgm").path
        let pixels = (0..<(28 * 28)).map { UInt8($0 % 256) }
        try ImageFile.writePGM(pixels: pixels, width: 28, height: 28, to: path)
        let image = try ImageFile.readGrayscale(path: path)
        #expect(image.width == 28 && image.height == 28 && image.pixels == pixels)
        // Overwriting an existing file replaces it (atomically, by rename).
        try ImageFile.writePGM(pixels: [1, 2], width: 2, height: 1, to: path)
        #expect(try ImageFile.readGrayscale(path: path).pixels == [1, 2])
    }

    @Test func pgmErrors() {
        func error(_ text: String, _ raster: [UInt8] = []) -> ImageFileError? { decodeError(Array(text.utf8) + raster) }
        #expect(kind(error("P5\n2 2\n255\n", [1, 2, 3])) == "truncated")
        #expect(kind(error("P5\n2 2\n255")) == "truncated")
        #expect(kind(error("P5\n2 2")) == "truncated")
        #expect(kind(error("P2\n2 2\n255\n1 2 3\n")) == "truncated")
        #expect(kind(error("P2\n2 1\n15\n1 16\n")) == "malformed")
        #expect(kind(error("P2\n2 1\n15\n1 x\n")) == "malformed")
        #expect(kind(error("P2\nx 1\n15\n1 1\n")) == "malformed")
        #expect(kind(error("P2\n2 1\n0\n0 0\n")) == "malformed")
        #expect(kind(error("P2\n2 1\n70000\n0 0\n")) == "malformed")
        #expect(kind(error("P2\n0 1\n255\n")) == "malformed")
        #expect(kind(error("P5\n100000 100000\n255\n")) == "tooLarge")
        #expect(kind(error("P5\n99999999999999999999 1\n255\n")) == "malformed")
        #expect(kind(error("P5\n1 1\n100\n", [101])) == "malformed")
        #expect(kind(error("P6\n1 1\n255\n", [1, 2, 3])) == "unsupported")
        #expect(kind(error("P1\n1 1\n1\n")) == "unsupported")
        #expect(kind(error("P5x\n1 1\n255\n", [0])) == "unknownFormat")
        #expect(error("P5\n2 2\n255\n", [1])?.description.hasPrefix("img: truncated image:") == true)
    }

    @Test func fuzzedPGMsNeverTrap() {
        var random = CLIHarness.Mixer(state: 7)
        let sources = [Array("P2\n# c\n3 2\n15\n0 15 7\n8 1 14\n".utf8), Array("P5\n2 2\n65535\n".utf8) + [0, 1, 2, 3, 4, 5, 6, 7]]
        for round in 0..<600 {
            var bytes = sources[round % 2]
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                bytes[Int.random(in: 2..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if round % 3 == 0 { bytes.removeLast(Int.random(in: 0..<bytes.count - 2, using: &random)) }
            if let image = try? ImageFile.decode(bytes, path: "fuzz.pgm") {
                #expect(image.pixels.count == image.width * image.height)
            }
        }
    }
}

struct ImageFileGeneralTests {
    @Test func fileErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("nope.png").path
        #expect(throws: ImageFileError.missingFile(path: missing)) { try ImageFile.readGrayscale(path: missing) }
        #expect(ImageFileError.missingFile(path: missing).description == "\(missing): file not found")
        #expect(kind(readError(dir.path)) == "unreadable")

        let text = dir.appendingPathComponent("notes.txt").path
        try Data("hello world".utf8).write(to: URL(fileURLWithPath: text))
        let error = readError(text)
        #expect(error == .unknownFormat(path: text))
        #expect(error?.description == "\(text): unknown image format (accepted: PGM (P2/P5) or PNG)")

        let empty = dir.appendingPathComponent("empty.pgm").path
        try Data().write(to: URL(fileURLWithPath: empty))
        #expect(kind(readError(empty)) == "truncated")
        #expect(readError(empty)?.path == empty)
    }

    private func readError(_ path: String) -> ImageFileError? {
        do {
            _ = try ImageFile.readGrayscale(path: path)
            return nil
        } catch {
            return error as? ImageFileError
        }
    }

    @Test func damagedSignature() {
        // A PNG whose CR LF became LF (text-mode transfer).
        let bytes: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0]
        #expect(kind(decodeError(bytes)) == "malformed")
        #expect(kind(decodeError([0x89, 0x50, 0x4E, 0x47])) == "truncated")
    }

    @Test func resizeAveragesBlocks() {
        // 56×56 of 2×2 blocks: block (bx, by) holds 4 values whose mean is exact.
        var big = [UInt8](repeating: 0, count: 56 * 56)
        for y in 0..<56 {
            for x in 0..<56 {
                big[y * 56 + x] = UInt8((x / 2 * 7 + y / 2 * 3) % 200 + (x % 2) * 10 + (y % 2) * 20)
            }
        }
        let small = ImageFile.resize(big, width: 56, height: 56, to: 28)
        #expect(small.count == 28 * 28)
        for by in 0..<28 {
            for bx in 0..<28 {
                #expect(small[by * 28 + bx] == UInt8((bx * 7 + by * 3) % 200 + 15))
            }
        }
    }

    @Test func resizeEdgeCases() {
        let same = (0..<(28 * 28)).map { UInt8($0 % 251) }
        #expect(ImageFile.resize(same, width: 28, height: 28, to: 28) == same)
        // Uniform images stay uniform, whatever the scale.
        #expect(ImageFile.resize([UInt8](repeating: 77, count: 100 * 37), width: 100, height: 37, to: 28)
                == [UInt8](repeating: 77, count: 784))
        #expect(ImageFile.resize([UInt8](repeating: 200, count: 14 * 14), width: 14, height: 14, to: 28)
                == [UInt8](repeating: 200, count: 784))
        // Non-integer ratio: 3 → 2 weights 1 and ½.
        #expect(ImageFile.resize([0, 30, 90, 0, 30, 90, 0, 30, 90], width: 3, height: 3, to: 2) == [10, 70, 10, 70])
        #expect(ImageFile.resize([10, 20, 30, 40], width: 2, height: 2, to: 1) == [25])
        // Bilinear enlargement of 2 → 4: edge pixels keep the edge value, inner ones blend ¼ / ¾.
        #expect(Array(ImageFile.resize([0, 200], width: 2, height: 1, to: 4).prefix(4)) == [0, 50, 150, 200])
    }
}
