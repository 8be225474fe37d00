import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

private func join(_ a: String, _ b: String) -> String { DataFixtures.join(a, b) }

/// DatasetDirectory: loading an MNIST-layout directory built with IDX.write, its errors, and `resolve`.
struct DatasetDirectoryTests {
    /// Writes the four files of an MNIST-layout directory.
    func writeDataset(_ dir: String, trainCount: Int = 6, testCount: Int = 4, rows: Int = 3, columns: Int = 2,
                      trainLabels: [UInt8]? = nil, testLabels: [UInt8]? = nil,
                      trainLabelCount: Int? = nil, compressed: Bool = false) throws {
        let size = rows * columns
        let trainImages = IDXArray(dimensions: [trainCount, rows, columns],
                                   bytes: DataFixtures.bytes(trainCount * size, seed: 21))
        let testImages = IDXArray(dimensions: [testCount, rows, columns], bytes: DataFixtures.bytes(testCount * size, seed: 22))
        let labelCount = trainLabelCount ?? trainCount
        let tl = trainLabels ?? (0..<labelCount).map { UInt8($0 % 10) }
        let sl = testLabels ?? (0..<testCount).map { UInt8(9 - $0 % 10) }
        let suffix = compressed ? ".gz" : ""
        try IDX.write(trainImages, to: join(dir, "train-images-idx3-ubyte" + suffix), compressed: compressed)
        try IDX.write(IDXArray(dimensions: [tl.count], bytes: tl), to: join(dir, "train-labels-idx1-ubyte" + suffix),
                      compressed: compressed)
        try IDX.write(testImages, to: join(dir, "t10k-images-idx3-ubyte" + suffix), compressed: compressed)
        try IDX.write(IDXArray(dimensions: [sl.count], bytes: sl), to: join(dir, "t10k-labels-idx1-ubyte" + suffix),
                      compressed: compressed)
    }

    @Test(arguments: [false, true])
    func loadsBothSplits(compressed: Bool) throws {
        try DataFixtures.withScratchDirectory("dsdir") { dir in
            try writeDataset(dir, compressed: compressed)
            let data = try DatasetDirectory(path: dir)
            #expect(data.path == dir)
            #expect(data.train.count == 6 && data.train.rows == 3 && data.train.columns == 2 && data.train.classes == 10)
            #expect(data.test.count == 4)
            #expect(data.train.pixels == DataFixtures.bytes(6 * 6, seed: 21))
            #expect(data.test.pixels == DataFixtures.bytes(4 * 6, seed: 22))
            #expect(data.train.labels == [0, 1, 2, 3, 4, 5])
            #expect(data.test.labels == [9, 8, 7, 6])
        }
    }

    /// When both `name` and `name.gz` exist, the uncompressed file is used.
    @Test func prefersUncompressedFile() throws {
        try DataFixtures.withScratchDirectory("dsdir-both") { dir in
            try writeDataset(dir, compressed: true)
            try IDX.write(IDXArray(dimensions: [6], bytes: [5, 5, 5, 5, 5, 5]), to: join(dir, "train-labels-idx1-ubyte"))
            let data = try DatasetDirectory(path: dir)
            #expect(data.train.labels == [5, 5, 5, 5, 5, 5])
            #expect(DatasetDirectory.file(dir, "train-labels-idx1-ubyte") == join(dir, "train-labels-idx1-ubyte"))
            #expect(DatasetDirectory.file(dir, "train-images-idx3-ubyte") == join(dir, "train-images-idx3-ubyte.gz"))
        }
    }

    @Test func directoryDoesNotExist() throws {
        try DataFixtures.withScratchDirectory("dsdir-none") { dir in
            let missing = join(dir, "no-such-dataset")
            DataFixtures.expectDatasetError([missing], "missing directory", matches: { $0 == .missingFile(path: missing) }) {
                _ = try DatasetDirectory(path: missing)
            }
            // A regular file is not a dataset directory either.
            let file = join(dir, "file")
            try DataFixtures.writeBytes([1, 2, 3], to: file)
            DataFixtures.expectDatasetError([file], "a file", matches: { $0 == .missingFile(path: file) }) {
                _ = try DatasetDirectory(path: file)
            }
        }
    }

    @Test func missingOneFile() throws {
        try DataFixtures.withScratchDirectory("dsdir-missing") { dir in
            try writeDataset(dir)
            try FileManager.default.removeItem(atPath: join(dir, "t10k-labels-idx1-ubyte"))
            // Neither the plain nor the .gz file: the error names the .gz one.
            let expected = join(dir, "t10k-labels-idx1-ubyte.gz")
            DataFixtures.expectDatasetError([expected], "missing labels",
                                            matches: { $0 == .missingFile(path: expected) }) {
                _ = try DatasetDirectory(path: dir)
            }
        }
    }

    @Test func countMismatch() throws {
        try DataFixtures.withScratchDirectory("dsdir-count") { dir in
            try writeDataset(dir, trainCount: 6, trainLabelCount: 5)
            let images = join(dir, "train-images-idx3-ubyte"), labels = join(dir, "train-labels-idx1-ubyte")
            DataFixtures.expectDatasetError([images, labels], "count mismatch", matches: {
                $0 == .countMismatch(images: images, imageCount: 6, labels: labels, labelCount: 5)
            }) { _ = try DatasetDirectory(path: dir) }
        }
    }

    @Test func labelOutOfRange() throws {
        try DataFixtures.withScratchDirectory("dsdir-label") { dir in
            try writeDataset(dir, testLabels: [1, 2, 10, 200])
            let labels = join(dir, "t10k-labels-idx1-ubyte")
            DataFixtures.expectDatasetError([labels], "label 10", matches: {
                $0 == .labelOutOfRange(path: labels, index: 2, label: 10, classes: 10)
            }) { _ = try DatasetDirectory(path: dir) }
        }
    }

    /// Replaces one file of a dataset (removing it first, so the test does not depend on overwriting).
    func replace(_ path: String, with array: IDXArray) throws {
        try FileManager.default.removeItem(atPath: path)
        try IDX.write(array, to: path)
    }

    @Test func wrongRankImages() throws {
        try DataFixtures.withScratchDirectory("dsdir-rank") { dir in
            try writeDataset(dir)
            let images = join(dir, "train-images-idx3-ubyte")
            try replace(images, with: IDXArray(dimensions: [6, 6], bytes: DataFixtures.bytes(36, seed: 1)))
            DataFixtures.expectDatasetError([images], "2-d images", matches: {
                $0 == .unexpectedRank(path: images, expected: 3, found: 2)
            }) { _ = try DatasetDirectory(path: dir) }
        }
    }

    @Test func wrongRankLabels() throws {
        try DataFixtures.withScratchDirectory("dsdir-rank-labels") { dir in
            try writeDataset(dir)
            let labels = join(dir, "train-labels-idx1-ubyte")
            try replace(labels, with: IDXArray(dimensions: [6, 1], bytes: [0, 1, 2, 3, 4, 5]))
            DataFixtures.expectDatasetError([labels], "2-d labels", matches: {
                $0 == .unexpectedRank(path: labels, expected: 1, found: 2)
            }) { _ = try DatasetDirectory(path: dir) }
        }
    }

    @Test func emptyDataset() throws {
        try DataFixtures.withScratchDirectory("dsdir-empty") { dir in
            try writeDataset(dir, testCount: 0)
            let images = join(dir, "t10k-images-idx3-ubyte")
            DataFixtures.expectDatasetError([images], "no test images", matches: { $0 == .emptyDataset(path: images) }) {
                _ = try DatasetDirectory(path: dir)
            }
        }
    }

    @Test func corruptFileInDirectoryIsNamed() throws {
        try DataFixtures.withScratchDirectory("dsdir-corrupt") { dir in
            try writeDataset(dir, compressed: true)
            let path = join(dir, "train-images-idx3-ubyte.gz")
            var bytes = try DataFixtures.readBytes(path)
            bytes.removeLast(6)
            try DataFixtures.writeBytes(bytes, to: path)
            DataFixtures.expectDatasetError([path], "truncated gzip", matches: {
                if case .corruptGzip(let p, _) = $0 { p == path } else { false }
            }) { _ = try DatasetDirectory(path: dir) }
        }
    }

    // MARK: resolve

    @Test func resolveOrder() {
        let env = ["BACKPROP_DATA": "/from/env", "HOME": "/root"]
        #expect(DatasetDirectory.resolve("/explicit", environment: env) == "/explicit")
        #expect(DatasetDirectory.resolve("/explicit", environment: [:]) == "/explicit")
        #expect(DatasetDirectory.resolve(nil, environment: env) == "/from/env")
        #expect(DatasetDirectory.resolve("", environment: env) == "/from/env", "an empty --data falls through")
        #expect(DatasetDirectory.resolve(nil, environment: ["HOME": "/root"]) == DatasetDirectory.defaultPath)
        #expect(DatasetDirectory.resolve(nil, environment: ["BACKPROP_DATA": ""]) == DatasetDirectory.defaultPath)
        #expect(DatasetDirectory.resolve("", environment: [:]) == DatasetDirectory.defaultPath)
        #expect(DatasetDirectory.defaultPath == "/usr/share/datasets/fashion-mnist")
    }
}
