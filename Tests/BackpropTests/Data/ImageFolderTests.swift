import Backprop
import Foundation
import Testing

/// `ImageFolder`: class folders of PNG and JPEG files read as the IDX bytes they were written from,
/// channels, resizing, the seeded test split, and every bad folder refused with a one-line error.
@Suite struct ImageFolderTests {
    private typealias Fixtures = ImageFolderFixtures

    @Test func pngFoldersDecodeToTheIDXBytesExactly() throws {
        guard let (train, test) = try Fixtures.fashionSubset(train: 300, test: 100) else { return }
        try DataFixtures.withScratchDirectory("folder-png") { root in
            try Fixtures.write(train, to: Fixtures.join(root, "train"))
            try Fixtures.write(test, to: Fixtures.join(root, "test"))
            let folder = try ImageFolder(path: root)
            #expect(folder.classNames == (0..<10).map { "c\($0)" })
            #expect(folder.train.count == 300 && folder.test.count == 100 && folder.train.channels == 1)
            // The folder holds the images class by class, each class in IDX order.
            for (set, original) in [(folder.train, train), (folder.test, test)] {
                let order = (0..<original.count).sorted { (original.labels[$0], $0) < (original.labels[$1], $1) }
                #expect(set.pixels == order.flatMap { original.pixels[($0 * 784)..<(($0 + 1) * 784)] })
                #expect(set.labels == order.map { original.labels[$0] })
            }
        }
    }

    @Test func jpegFoldersDecodeCloseToTheIDXBytes() throws {
        guard let (train, _) = try Fixtures.fashionSubset(train: 100, test: 10) else { return }
        try DataFixtures.withScratchDirectory("folder-jpeg") { root in
            try Fixtures.write(train, to: root, format: "jpg")
            let folder = try ImageFolder(path: root, options: ImageFolderOptions(testSplit: 0.2))
            #expect(folder.train.count + folder.test.count == 100)
            let original = try ImageFile.readPixels(path: Fixtures.join(root, "c9/00000.jpg"))
            let difference = zip(original.samples, train.pixels[0..<784]).map { abs(Int($0) - Int($1)) }
            let mean = Double(difference.reduce(0, +)) / 784
            #expect(original.channels == 1 && mean < 4, "mean absolute difference \(mean) at quality 95")
        }
    }

    @Test func testSplitIsSeededStratifiedAndTheSameEveryTime() throws {
        let set = Fixtures.coloredShapes(count: 80, seed: 3)
        try DataFixtures.withScratchDirectory("folder-split") { root in
            try Fixtures.write(set, to: root)
            let options = ImageFolderOptions(testSplit: 0.25)
            let (a, b) = (try ImageFolder(path: root, options: options), try ImageFolder(path: root, options: options))
            #expect(a.test.pixels == b.test.pixels && a.train.pixels == b.train.pixels)
            #expect(a.test.count == 20 && a.train.count == 60 && a.train.channels == 3)
            for k in 0..<4 { #expect(a.test.labels.filter { $0 == k }.count == 5) }
        }
    }

    @Test func channelsAndSizeAreConvertedAsDocumented() throws {
        let set = Fixtures.coloredShapes(count: 8, seed: 4)
        try DataFixtures.withScratchDirectory("folder-channels") { root in
            try Fixtures.write(set, to: root)
            let gray = try ImageFolder(path: root, options: ImageFolderOptions(channels: 1, size: (16, 24), testSplit: 0.5))
            #expect(gray.train.channels == 1 && gray.train.rows == 16 && gray.train.columns == 24)
            let color = try ImageFolder(path: root, options: ImageFolderOptions(testSplit: 0.5))
            // Gray is the luma of each color pixel: 0.299·200 = 59.8 → 60 for red, 0.587·102 = 59.9 → 60 for green.
            let first = Fixtures.interleaved(color.train, 0).converted(toChannels: 1)
            let plain = try ImageFolder(path: root, options: ImageFolderOptions(channels: 1, testSplit: 0.5))
            #expect(Array(plain.train.pixels[0..<1024]) == first.samples)
            #expect(first.samples.contains(60))
        }
    }

    @Test func resizingAveragesAreasAndInterpolatesBilinearly() {
        let image = ImagePixels(width: 4, height: 2, channels: 1, samples: [0, 100, 200, 40, 10, 30, 50, 70])
        #expect(image.resized(height: 1, width: 2).samples == [35, 90])   // (0+100+10+30)/4, (200+40+50+70)/4
        let grown = ImagePixels(width: 2, height: 1, channels: 1, samples: [0, 200]).resized(height: 1, width: 4)
        #expect(grown.samples == [0, 50, 150, 200])   // centres at −0.25, 0.25, 0.75, 1.25 of the source
    }

    @Test func badFoldersAreRefusedNamingTheFile() throws {
        try DataFixtures.withScratchDirectory("folder-bad") { root in
            let set = Fixtures.coloredShapes(count: 16, seed: 5)
            let empty = Fixtures.join(root, "empty")
            try FileManager.default.createDirectory(atPath: Fixtures.join(empty, "a"), withIntermediateDirectories: true)
            let noImages = "holds no images (.png, .jpg, .jpeg, .pgm) in its class folders"
            #expect(throws: DatasetError.imageFolder(path: empty, problem: noImages)) {
                try ImageFolder(path: empty)
            }
            let split = Fixtures.join(root, "split")
            try Fixtures.write(set, to: Fixtures.join(split, "train"))
            try Fixtures.write(set.prefix(2), to: Fixtures.join(split, "test"), names: ["c0", "c1"])
            #expect(throws: DatasetError.self) { try ImageFolder(path: split) }
            let truncated = Fixtures.join(root, "truncated")
            try Fixtures.write(set, to: truncated, format: "jpg")
            let victim = Fixtures.join(truncated, "c1/00001.jpg")
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: victim)))
            try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: victim))
            #expect(throws: ImageFileError.self) { try ImageFolder(path: truncated, options: ImageFolderOptions(testSplit: 0.5)) }
            let skipping = try ImageFolder(path: truncated, options: ImageFolderOptions(testSplit: 0.5, skipBadImages: true))
            #expect(skipping.skipped.map(\.path) == [victim] && skipping.train.count + skipping.test.count == 15)
        }
    }
}
