import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

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
        #expect(error?.description == "\(text): unknown image format (accepted: PGM (P2/P5), PNG or JPEG)")

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
