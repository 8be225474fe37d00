import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Files built to exhaust memory or time are refused from their headers, before anything the size of
/// their claims is allocated (issue 19): an IDX header claiming 2⁴⁰ bytes, gzip bombs, a safetensors
/// header length of 100 MB. (PNG: `PNGReaderTests.hostileSizesAreRefusedBeforeAllocating`.)
struct HostileInputTests {
    static func idxHeader(_ dimensions: [Int]) -> [UInt8] {
        [0, 0, 8, UInt8(dimensions.count)] + dimensions.flatMap { d in [24, 16, 8, 0].map { UInt8(d >> $0 & 0xFF) } }
    }

    @Test func idxHeaderClaiming2To40Bytes() throws {
        // 2²⁰ images of 1024 × 1024: 2⁴⁰ bytes promised by a 16-byte file, plain and gzip'd.
        let header = Self.idxHeader([1 << 20, 1 << 10, 1 << 10])
        #expect(throws: DatasetError.tooLarge(path: "big", claimedBytes: "dimensions [1048576, 1024, 1024]…")) {
            try IDX.decode(header, path: "big")
        }
        #expect(throws: DatasetError.tooLarge(path: "big", claimedBytes: "dimensions [1048576, 1024, 1024]…")) {
            try IDX.decode(Gzip.compress(header), path: "big")
        }
        // 2³² − 1 images of 28 × 28.
        #expect(throws: DatasetError.self) { try IDX.decode(Self.idxHeader([Int(UInt32.max), 28, 28]), path: "big") }
    }

    /// A valid header promising 64 MiB + of zeros, gzip'd to about 65 KB (a thousandfold): refused as a
    /// bomb from its header, before it is inflated.
    @Test func gzipBombWithAPlausibleHeader() throws {
        let dimensions = [1, 8192, 8193]
        let bomb = Gzip.compress(Self.idxHeader(dimensions) + [UInt8](repeating: 0, count: 8192 * 8193))
        #expect(bomb.count < 100_000)
        let error = #expect(throws: DatasetError.self) { try IDX.decode(bomb, path: "bomb.gz") }
        #expect(error?.description.hasPrefix("bomb.gz: header claims an implausible size (67117056 bytes of data from ") == true,
                "\(String(describing: error))")
        #expect(error?.description.contains("gzip bomb") == true)
    }

    /// A bomb whose header promises little (10 labels) keeps no more than those bytes (the rest is
    /// only counted, up to the 64 MiB cap); one whose content is not IDX at all is stopped after its
    /// first kilobyte.
    @Test func gzipBombsWithSmallOrNoHeaders() throws {
        let zeros = [UInt8](repeating: 0, count: 1 << 26)
        let small = Gzip.compress(Self.idxHeader([10]) + zeros[0..<(1 << 25)])
        #expect(throws: DatasetError.trailingData(path: "small.gz", expectedBytes: 10, actualBytes: 1 << 25)) {
            try IDX.decode(small, path: "small.gz")
        }
        let garbage = Gzip.compress(zeros)
        #expect(throws: DatasetError.badMagic(path: "zeros.gz", found: "00 00 00 00")) { try IDX.decode(garbage, path: "zeros.gz") }
        // A plausible one still reads.
        let labels = IDXArray(dimensions: [4], bytes: [1, 2, 3, 4])
        #expect(try IDX.decode(Gzip.compress(IDX.encode(labels)), path: "ok.gz") == labels)
    }

    /// A set of 47 MB of blank images (MNIST's size) compresses a thousandfold and is still accepted.
    @Test func blankImagesOfMNISTSizeAreNotABomb() throws {
        let array = IDXArray(dimensions: [60_000, 28, 28], bytes: [UInt8](repeating: 0, count: 60_000 * 784))
        let compressed = Gzip.compress(IDX.encode(array))
        #expect(compressed.count * IDX.maximumExpansion < array.bytes.count)
        #expect(try IDX.decode(compressed, path: "blank.gz").dimensions == [60_000, 28, 28])
    }

    /// The safetensors header length is checked against the file and the format's 100 MB cap before
    /// any of it is read.
    @Test func safetensorsHeaderOf100MB() {
        func file(length: UInt64, body: [UInt8]) -> [UInt8] { (0..<8).map { UInt8(length >> (8 * UInt64($0)) & 0xFF) } + body }
        let body = Array("{}".utf8)
        #expect(throws: CheckpointError.badHeaderLength(path: "c", length: 100_000_000, fileSize: 10)) {
            try SafetensorsFile.parse(file(length: 100_000_000, body: body), path: "c")
        }
        #expect(throws: CheckpointError.badHeaderLength(path: "c", length: UInt64.max, fileSize: 10)) {
            try SafetensorsFile.parse(file(length: UInt64.max, body: body), path: "c")
        }
        #expect(throws: CheckpointError.badHeaderLength(path: "c", length: 100_000_001, fileSize: 100_000_009)) {
            try SafetensorsFile.parse(file(length: 100_000_001, body: [UInt8](repeating: 0x20, count: 100_000_001)), path: "c")
        }
    }
}
