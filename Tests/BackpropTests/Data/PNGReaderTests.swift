import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// PNG through libpng: files written by an independent encoder (Data/Python/png_fixtures.py: zlib +
/// struct, every colour type, bit depths 1–16, tRNS, Adam7 interlacing, all five filters) decode to
/// the gray pixels the script predicts; damaged and hostile files throw an `ImageFileError` quickly.
struct PNGReaderTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Python/png_fixtures.py").path

    /// The fixtures in a fresh folder: (path, width, height, expected gray pixels) per case.
    static func fixtures(in directory: String) throws -> [(path: String, width: Int, height: Int, gray: [UInt8])] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, directory]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "png_fixtures.py failed")
        return try String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let gray = try #require(object["gray"] as? [Int]).map { UInt8($0) }
            return ((directory as NSString).appendingPathComponent(try #require(object["file"] as? String)),
                    try #require(object["width"] as? Int), try #require(object["height"] as? Int), gray)
        }
    }

    static func withFixtures(_ body: ([(path: String, width: Int, height: Int, gray: [UInt8])]) throws -> Void) throws {
        try DataFixtures.withScratchDirectory("png") { directory in
            let cases = try fixtures(in: directory)
            #expect(cases.count == 20, "expected 20 fixture PNGs, got \(cases.count)")
            try body(cases)
        }
    }

    @Test func everyColourTypeDepthAndInterlaceGivesThePredictedGray() throws {
        try Self.withFixtures { cases in
            for fixture in cases {
                let image = try ImageFile.readGrayscale(path: fixture.path)
                #expect(image.width == fixture.width && image.height == fixture.height, "\(fixture.path)")
                #expect(image.pixels == fixture.gray, "\(fixture.path): got \(image.pixels), expected \(fixture.gray)")
            }
        }
    }

    /// A few pixels worked out by hand, so that the script's formula is checked too: the RGBA 8-bit
    /// fixture's first pixel (0, 0, 200, α 0) is black; its second (64, 0, 200, α 85) is
    /// (0.299·64 + 0.114·200)/255 · 85/255 · 255 = 14.0; a 16-bit gray 129 rounds to 1 (129 / 65535 · 255 = 0.50).
    @Test func handWorkedPixels() throws {
        try Self.withFixtures { cases in
            let rgba = try #require(cases.first { $0.path.hasSuffix("/rgba8.png") })
            let pixels = try ImageFile.readGrayscale(path: rgba.path).pixels
            #expect(pixels[0] == 0 && pixels[1] == 14)
            let gray16 = try #require(cases.first { $0.path.hasSuffix("/gray16.png") })
            #expect(try ImageFile.readGrayscale(path: gray16.path).pixels[0] == 1)
        }
    }

    /// Every prefix of a fixture, and the fixture with any one byte after the signature flipped, throws
    /// an `ImageFileError` (or decodes, when the byte was in an ancillary place) — never traps.
    @Test func truncatedAndDamagedFilesThrow() throws {
        try Self.withFixtures { cases in
            for fixture in cases where fixture.path.hasSuffix("rgb16.png") || fixture.path.hasSuffix("palette4_trns.png") {
                let bytes = try DataFixtures.readBytes(fixture.path)
                for length in 0..<bytes.count {
                    #expect(throws: ImageFileError.self, "prefix of \(length)") {
                        try ImageFile.decode(Array(bytes.prefix(length)), path: "p.png")
                    }
                }
                for i in 8..<bytes.count {
                    var damaged = bytes
                    damaged[i] ^= 0x5A
                    do {
                        let image = try ImageFile.decode(damaged, path: "p.png")
                        #expect(image.pixels.count == image.width * image.height)
                    } catch let error as ImageFileError {
                        #expect(error.description.hasPrefix("p.png: "), "\(error)")
                    }
                }
            }
        }
    }

    /// A flipped byte inside IDAT, its CRC left as it was: libpng's "IDAT: CRC error".
    @Test func badChecksumNamesTheChunk() throws {
        try Self.withFixtures { cases in
            let gray8 = try #require(cases.first { $0.path.hasSuffix("/gray8.png") })
            var bytes = try DataFixtures.readBytes(gray8.path)
            let idat = try #require((0..<(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual("IDAT".utf8) })
            bytes[idat + 6] ^= 0x01
            #expect(throws: ImageFileError.badChecksum(path: "g.png", chunk: "IDAT")) { try ImageFile.decode(bytes, path: "g.png") }
        }
    }

    @Test func errorsNameTheFileOnOneLine() {
        let signature = ImageFile.pngSignature
        let cases: [[UInt8]] = [signature, signature + [0, 0, 0, 13, 0x49, 0x48], signature + Array(repeating: 0x41, count: 40)]
        for bytes in cases {
            do {
                _ = try ImageFile.decode(bytes, path: "digit.png")
                Issue.record("decoded \(bytes.count) bytes of garbage")
            } catch let error as ImageFileError {
                #expect(error.path == "digit.png" && !error.description.contains("\n") && error.description.hasPrefix("digit.png: "),
                        "\(error)")
            } catch {
                Issue.record("not an ImageFileError: \(error)")
            }
        }
    }

    /// The header of a PNG (signature + IHDR with a correct CRC) claiming `width` × `height`, then an
    /// empty IDAT and IEND.
    static func header(width: UInt32, height: UInt32, depth: UInt8 = 8, colour: UInt8 = 0) -> [UInt8] {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            let crc = body.withUnsafeBufferPointer { UInt32(crc32Checksum($0)) }
            return be32(UInt32(data.count)) + body + be32(crc)
        }
        func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
        return ImageFile.pngSignature + chunk("IHDR", be32(width) + be32(height) + [depth, colour, 0, 0, 0])
            + chunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]) + chunk("IEND", [])
    }

    /// A PNG claiming 10⁶ × 10⁶ pixels is refused from its header; one within the pixel cap but far
    /// larger than its data could hold (deflate expands at most 1032 times) is refused before its pixels
    /// are allocated.
    @Test func hostileSizesAreRefusedBeforeAllocating() {
        let huge = Self.header(width: 1_000_000, height: 1_000_000)
        let tooLarge = #expect(throws: ImageFileError.self) { try ImageFile.decode(huge, path: "huge.png") }
        #expect(tooLarge == .tooLarge(path: "huge.png", detail: "1000000 × 1000000 pixels (at most \(ImageFile.maximumPixels) pixels)"))
        let wide = Self.header(width: 8000, height: 8000, depth: 16, colour: 6)
        let truncated = #expect(throws: ImageFileError.self) { try ImageFile.decode(wide, path: "wide.png") }
        guard case .truncated(let path, let detail)? = truncated else {
            Issue.record("expected truncated, got \(String(describing: truncated))")
            return
        }
        #expect(path == "wide.png" && detail.contains("8000 × 8000"), "\(detail)")
    }
}

/// zlib's CRC-32 of `bytes` (the PNG chunk checksum), computed here without zlib: the standard
/// reflected polynomial 0xEDB88320.
func crc32Checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return crc ^ 0xFFFF_FFFF
}
