import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

private func join(_ a: String, _ b: String) -> String { DataFixtures.join(a, b) }

/// IDX encoding, parsing, files (plain and gzip) and the real Fashion-MNIST files when installed.
struct IDXTests {
    // MARK: Encode / parse

    @Test func encodeLayoutIsBigEndianWithMagic() {
        let array = IDXArray(dimensions: [2, 3, 0x0102], bytes: DataFixtures.bytes(2 * 3 * 0x0102, seed: 1))
        let encoded = IDX.encode(array)
        #expect(Array(encoded[0..<4]) == [0, 0, 0x08, 3])
        #expect(Array(encoded[4..<16]) == [0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0x01, 0x02])
        #expect(Array(encoded[16...]) == array.bytes)
        #expect(encoded.count == 16 + 2 * 3 * 0x0102)
    }

    @Test func roundTripOneDimensional() throws {
        let labels = IDXArray(dimensions: [10], bytes: [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
        let encoded = IDX.encode(labels)
        #expect(encoded == [0, 0, 8, 1, 0, 0, 0, 10, 9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
        let parsed = try IDX.parse(encoded, path: "labels")
        #expect(parsed == labels)
        #expect(parsed.dimensions == [10])
    }

    @Test func roundTripThreeDimensional() throws {
        let images = IDXArray(dimensions: [5, 28, 28], bytes: DataFixtures.bytes(5 * 28 * 28, seed: 2))
        let parsed = try IDX.parse(IDX.encode(images), path: "images")
        #expect(parsed.dimensions == [5, 28, 28])
        #expect(parsed.bytes == images.bytes)
    }

    @Test func emptyExtentRoundTrips() throws {
        let empty = IDXArray(dimensions: [0, 28, 28], bytes: [])
        #expect(try IDX.parse(IDX.encode(empty), path: "e") == empty)
    }

    // MARK: Files

    @Test(arguments: [false, true])
    func writeAndReadFile(compressed: Bool) throws {
        try DataFixtures.withScratchDirectory("idx") { dir in
            let images = IDXArray(dimensions: [7, 28, 28], bytes: DataFixtures.bytes(7 * 784, seed: 3, below: 16))
            let labels = IDXArray(dimensions: [7], bytes: [1, 2, 3, 4, 5, 6, 7])
            let imagesPath = join(dir, "images.idx"), labelsPath = join(dir, "labels.idx")
            try IDX.write(images, to: imagesPath, compressed: compressed)
            try IDX.write(labels, to: labelsPath, compressed: compressed)
            let raw = try DataFixtures.readBytes(imagesPath)
            if compressed {
                #expect(Array(raw.prefix(2)) == [0x1F, 0x8B], "gzip magic")
                #expect(raw.count < IDX.encode(images).count, "compressible data should shrink")
            } else {
                #expect(raw == IDX.encode(images), "a plain file holds exactly the encoding")
            }
            #expect(try IDX.read(path: imagesPath) == images)
            #expect(try IDX.read(path: labelsPath) == labels)
            // Only the two files: no temporary file left behind.
            let names = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
            #expect(names == ["images.idx", "labels.idx"])
        }
    }

    /// Writing over an existing file (e.g. regenerating a dataset, re-saving a checkpoint) must replace
    /// it. It must never lose both the old and the new content.
    @Test func overwritingAFileReplacesIt() throws {
        try DataFixtures.withScratchDirectory("idx-overwrite") { dir in
            let path = join(dir, "labels-idx1-ubyte")
            try IDX.write(IDXArray(dimensions: [3], bytes: [1, 2, 3]), to: path)
            #expect(throws: Never.self, "second write over an existing file") {
                try IDX.write(IDXArray(dimensions: [2], bytes: [9, 8]), to: path, compressed: true)
            }
            let names = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(names == ["labels-idx1-ubyte"], "directory after the overwrite: \(names)")
            #expect(FileManager.default.fileExists(atPath: path), "the file must still exist (old or new content)")
            #expect((try? IDX.read(path: path)) == IDXArray(dimensions: [2], bytes: [9, 8]))
        }
    }

    /// Compression is detected from the content, not the name.
    @Test func gzipDetectedByContentNotName() throws {
        try DataFixtures.withScratchDirectory("idx-name") { dir in
            let array = IDXArray(dimensions: [4], bytes: [0, 1, 2, 3])
            let gzNamedPlain = join(dir, "plain.gz"), plainNamedGz = join(dir, "compressed-idx1-ubyte")
            try IDX.write(array, to: gzNamedPlain, compressed: false)
            try IDX.write(array, to: plainNamedGz, compressed: true)
            #expect(try IDX.read(path: gzNamedPlain) == array)
            #expect(try IDX.read(path: plainNamedGz) == array)
        }
    }

    /// Uncompressed sizes at the 64 KiB inflate-chunk boundary, and a larger incompressible file.
    @Test(arguments: [65536 - 8, 65536 - 9, 65536 - 7, 2 * 65536 - 8, 300_000])
    func gzipAtChunkBoundaries(dataBytes: Int) throws {
        try DataFixtures.withScratchDirectory("idx-chunk") { dir in
            let path = join(dir, "x.gz")
            let array = IDXArray(dimensions: [dataBytes], bytes: DataFixtures.bytes(dataBytes, seed: UInt64(dataBytes)))
            try IDX.write(array, to: path, compressed: true)
            #expect(try IDX.read(path: path) == array)
        }
    }

    /// gzip allows several members one after the other; they are joined.
    @Test func concatenatedGzipMembersAreJoined() throws {
        try DataFixtures.withScratchDirectory("idx-members") { dir in
            let array = IDXArray(dimensions: [100, 10], bytes: DataFixtures.bytes(1000, seed: 4))
            let encoded = IDX.encode(array)
            let members = Gzip.compress(Array(encoded[0..<300])) + Gzip.compress(Array(encoded[300...]))
            let path = join(dir, "two-members.gz")
            try DataFixtures.writeBytes(members, to: path)
            #expect(try IDX.read(path: path) == array)
        }
    }

    // MARK: Bad files

    @Test func missingFile() throws {
        try DataFixtures.withScratchDirectory("idx-missing") { dir in
            let path = join(dir, "nope-idx3-ubyte")
            DataFixtures.expectDatasetError([path], "missing file", matches: { $0 == .missingFile(path: path) }) {
                _ = try IDX.read(path: path)
            }
        }
    }

    @Test func wrongMagic() throws {
        try DataFixtures.withScratchDirectory("idx-magic") { dir in
            let cases: [(String, [UInt8])] = [
                ("zip", [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0]),
                ("first bytes not zero", [0, 1, 8, 1, 0, 0, 0, 0]),
                ("unknown type", [0, 0, 0x07, 1, 0, 0, 0, 0]),
                ("rank 0", [0, 0, 8, 0]),
                ("too short", [0, 0]),
                ("empty", []),
            ]
            for (name, bytes) in cases {
                let path = join(dir, name.replacingOccurrences(of: " ", with: "-"))
                try DataFixtures.writeBytes(bytes, to: path)
                DataFixtures.expectDatasetError([path], name, matches: {
                    if case .badMagic(let p, _) = $0 { return p == path } else { return false }
                }) { _ = try IDX.read(path: path) }
            }
            // The description shows the bytes found.
            let path = join(dir, "zip")
            #expect(throws: DatasetError.badMagic(path: path, found: "50 4b 03 04")) { try IDX.read(path: path) }
        }
    }

    @Test(arguments: [UInt8(0x09), 0x0B, 0x0C, 0x0D, 0x0E])
    func unsupportedTypeCode(code: UInt8) throws {
        try DataFixtures.withScratchDirectory("idx-type") { dir in
            let path = join(dir, "floats-idx1")
            try DataFixtures.writeBytes([0, 0, code, 1, 0, 0, 0, 1, 0, 0, 0, 0], to: path)
            DataFixtures.expectDatasetError([path], "type \(code)",
                                            matches: { $0 == .unsupportedType(path: path, typeCode: code) }) {
                _ = try IDX.read(path: path)
            }
            let error = DatasetError.unsupportedType(path: path, typeCode: 0x0D)
            #expect(error.description.contains("0xD"))
        }
    }

    @Test func truncatedData() throws {
        try DataFixtures.withScratchDirectory("idx-trunc") { dir in
            let path = join(dir, "short")
            let full = IDX.encode(IDXArray(dimensions: [2, 5], bytes: Array(0..<10)))
            try DataFixtures.writeBytes(Array(full.dropLast(3)), to: path)
            DataFixtures.expectDatasetError([path], "truncated data",
                                            matches: { $0 == .truncated(path: path, expectedBytes: 10, actualBytes: 7) }) {
                _ = try IDX.read(path: path)
            }
            // Header itself cut short: rank 3 needs 16 header bytes.
            let headerPath = join(dir, "short-header")
            try DataFixtures.writeBytes([0, 0, 8, 3, 0, 0, 0, 1, 0, 0], to: headerPath)
            DataFixtures.expectDatasetError([headerPath], "truncated header", matches: {
                if case .truncated(let p, _, _) = $0 { return p == headerPath } else { return false }
            }) { _ = try IDX.read(path: headerPath) }
        }
    }

    @Test func trailingData() throws {
        try DataFixtures.withScratchDirectory("idx-trail") { dir in
            let path = join(dir, "long")
            let full = IDX.encode(IDXArray(dimensions: [4], bytes: [1, 2, 3, 4]))
            try DataFixtures.writeBytes(full + [0, 0], to: path)
            DataFixtures.expectDatasetError([path], "trailing data",
                                            matches: { $0 == .trailingData(path: path, expectedBytes: 4, actualBytes: 6) }) {
                _ = try IDX.read(path: path)
            }
        }
    }

    /// A tiny file whose header claims an absurd size must be refused from the header alone.
    @Test func hugeClaimedSizeIsRefusedWithoutAllocating() throws {
        try DataFixtures.withScratchDirectory("idx-huge") { dir in
            let ff: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF]
            let cases: [(String, [UInt8])] = [
                ("three-ff", [0, 0, 8, 3] + ff + ff + ff),
                ("one-ff", [0, 0, 8, 1] + ff + [1, 2, 3]),
                ("rank-255", [0, 0, 8, 255] + Array(repeating: 0xFF, count: 4 * 255)),
                ("2^16-squared", [0, 0, 8, 2, 0, 1, 0, 0, 0, 1, 0, 0]),
                ("exactly-2^31", [0, 0, 8, 2, 0, 0, 0x80, 0, 0, 1, 0, 0]),
            ]
            for (name, bytes) in cases {
                #expect(bytes.count <= 1024 + 4)
                for compressed in [false, true] {
                    let path = join(dir, name + (compressed ? ".gz" : ""))
                    try DataFixtures.writeBytes(compressed ? Gzip.compress(bytes) : bytes, to: path)
                    DataFixtures.expectDatasetError([path], "\(name) compressed: \(compressed)", matches: {
                        switch $0 {
                        case .tooLarge(let p, _), .truncated(let p, _, _): p == path
                        default: false
                        }
                    }) { _ = try IDX.read(path: path) }
                }
            }
            // 0xFFFFFFFF is past the 2 GiB limit on its own: tooLarge, specifically.
            let path = join(dir, "three-ff")
            DataFixtures.expectDatasetError([path], "tooLarge", matches: {
                if case .tooLarge = $0 { true } else { false }
            }) { _ = try IDX.read(path: path) }
        }
    }

    /// Flipping a byte anywhere in the deflate data or the trailer of a valid .gz is detected.
    @Test func corruptGzipFlippedBytes() throws {
        try DataFixtures.withScratchDirectory("idx-flip") { dir in
            let array = IDXArray(dimensions: [40, 28, 28], bytes: DataFixtures.bytes(40 * 784, seed: 5, below: 8))
            let good = Gzip.compress(IDX.encode(array))
            #expect(good.count > 200)
            let goodPath = join(dir, "good.gz")
            try DataFixtures.writeBytes(good, to: goodPath)
            #expect(try IDX.read(path: goodPath) == array)
            // Byte 10 on: after the fixed 10-byte gzip header (whose mtime/OS bytes are not checked).
            var positions = Array(stride(from: 10, to: good.count, by: Swift.max(1, good.count / 40)))
            positions += [good.count / 2, good.count - 8, good.count - 1]
            for position in positions {
                var bad = good
                bad[position] ^= 0xFF
                let path = join(dir, "flip-\(position).gz")
                try DataFixtures.writeBytes(bad, to: path)
                DataFixtures.expectDatasetError([path], "byte \(position) of \(good.count) flipped", matches: {
                    if case .corruptGzip(let p, _) = $0 { p == path } else { false }
                }) { _ = try IDX.read(path: path) }
            }
            // Several bytes in the middle at once.
            var bad = good
            for i in (good.count / 2)..<(good.count / 2 + 4) { bad[i] = ~bad[i] }
            let path = join(dir, "flip-middle.gz")
            try DataFixtures.writeBytes(bad, to: path)
            DataFixtures.expectDatasetError([path], "middle flipped", matches: {
                if case .corruptGzip(let p, _) = $0 { p == path } else { false }
            }) { _ = try IDX.read(path: path) }
        }
    }

    @Test func corruptGzipTruncated() throws {
        try DataFixtures.withScratchDirectory("idx-gz-trunc") { dir in
            let array = IDXArray(dimensions: [20, 28, 28], bytes: DataFixtures.bytes(20 * 784, seed: 6, below: 256))
            let good = Gzip.compress(IDX.encode(array))
            for length in [good.count - 1, good.count - 4, good.count - 8, good.count - 9, good.count / 2, 11, 10, 3] {
                let path = join(dir, "cut-\(length).gz")
                try DataFixtures.writeBytes(Array(good.prefix(length)), to: path)
                DataFixtures.expectDatasetError([path], "cut to \(length) of \(good.count)", matches: {
                    if case .corruptGzip(let p, _) = $0 { p == path } else { false }
                }) { _ = try IDX.read(path: path) }
            }
            // Garbage after a complete member is not another member.
            let path = join(dir, "garbage-after.gz")
            try DataFixtures.writeBytes(good + [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], to: path)
            DataFixtures.expectDatasetError([path], "garbage after the member", matches: {
                if case .corruptGzip(let p, _) = $0 { p == path } else { false }
            }) { _ = try IDX.read(path: path) }
        }
    }

    /// A valid gzip stream whose content is not IDX is reported by the IDX parser, naming the .gz file.
    @Test func gzipOfNonIDXContent() throws {
        try DataFixtures.withScratchDirectory("idx-gz-text") { dir in
            let path = join(dir, "readme.gz")
            try DataFixtures.writeBytes(Gzip.compress(Array("hello, world\n".utf8)), to: path)
            DataFixtures.expectDatasetError([path], "gzip of text", matches: {
                if case .badMagic(let p, _) = $0 { p == path } else { false }
            }) { _ = try IDX.read(path: path) }
        }
    }

    @Test func directoryInsteadOfFileIsUnreadable() throws {
        try DataFixtures.withScratchDirectory("idx-dir") { dir in
            DataFixtures.expectDatasetError([dir], "a directory", matches: {
                switch $0 {
                case .unreadable(let p, _), .missingFile(let p): p == dir
                default: false
                }
            }) { _ = try IDX.read(path: dir) }
        }
    }

    // MARK: Real Fashion-MNIST

    static let fashionMNISTPath = DatasetDirectory.defaultPath
    static let fashionMNISTPresent =
        ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]
            .allSatisfy { name in
                let base = join(fashionMNISTPath, name)
                return FileManager.default.fileExists(atPath: base) || FileManager.default.fileExists(atPath: base + ".gz")
            }

    @Test(.enabled(if: IDXTests.fashionMNISTPresent, "Fashion-MNIST not installed at /usr/share/datasets/fashion-mnist"))
    func realFashionMNIST() throws {
        let data = try DatasetDirectory(path: Self.fashionMNISTPath)
        #expect(data.path == Self.fashionMNISTPath)
        #expect(data.train.count == 60000 && data.train.rows == 28 && data.train.columns == 28)
        #expect(data.train.pixels.count == 60000 * 784 && data.train.labels.count == 60000)
        #expect(data.test.count == 10000 && data.test.rows == 28 && data.test.columns == 28)
        #expect(data.test.pixels.count == 10000 * 784 && data.test.labels.count == 10000)
        #expect(data.train.labels.allSatisfy { $0 < 10 } && data.test.labels.allSatisfy { $0 < 10 })
        // Checked with Python's gzip: the first training label is 9 (ankle boot), the first test label 9,
        // every class has exactly 6000 training images, the first image's pixels sum to 76247, max 255.
        #expect(data.train.labels[0] == 9)
        #expect(data.test.labels[0] == 9)
        var perClass = [Int](repeating: 0, count: 10)
        for l in data.train.labels { perClass[Int(l)] += 1 }
        #expect(perClass == [Int](repeating: 6000, count: 10))
        let first = data.train.pixels[0..<784]
        #expect(first.reduce(0) { $0 + Int($1) } == 76247)
        #expect(first.max() == 255)
        // The dimensions straight from the IDX reader.
        let labelsFile = DatasetDirectory.file(Self.fashionMNISTPath, "train-labels-idx1-ubyte")
        #expect(try IDX.read(path: labelsFile).dimensions == [60000])
    }
}
