import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// `DatasetCheck`: the splits against each other and each against the network, as typed errors naming
/// the file (issue 19).
struct DatasetCheckTests {
    static func set(count: Int = 6, rows: Int = 28, columns: Int = 28, labels: [UInt8]? = nil, name: String = "train") throws -> ImageSet {
        let images = IDXArray(dimensions: [count, rows, columns], bytes: [UInt8](repeating: 7, count: count * rows * columns))
        let labelBytes = labels ?? (0..<count).map { UInt8($0 % 10) }
        return try ImageSet(images: images, labels: IDXArray(dimensions: [labelBytes.count], bytes: labelBytes),
                            imagesPath: "\(name)-images", labelsPath: "\(name)-labels")
    }

    static func spec(_ kind: NetworkSpec.Kind, inputSize: Int = 784, classes: Int = 10, inputShape: [Int]? = nil) -> NetworkSpec {
        NetworkSpec(kind: kind, inputSize: inputSize, hiddenSizes: [5], outputSize: classes, weightInit: .standardDeviation(0.01),
                    inputShape: inputShape)
    }

    static func error(_ body: () throws -> Void) -> DatasetError? {
        do { try body(); return nil } catch let error as DatasetError { return error } catch {
            Issue.record("not a DatasetError: \(error)")
            return nil
        }
    }

    @Test func splitsOfDifferentImageSizes() throws {
        let train = try Self.set(), test = try Self.set(rows: 20, columns: 20, name: "test")
        #expect(Self.error { try DatasetCheck.splits(train: train, test: test) }
                == .imageSizeMismatch(path: "test-images", rows: 20, columns: 20, otherPath: "train-images",
                                      otherRows: 28, otherColumns: 28))
        #expect(Self.error { try DatasetCheck.splits(train: train, test: try Self.set(count: 3, name: "test")) } == nil)
    }

    @Test func inputSizeAgainstTheNetwork() throws {
        let small = try Self.set(rows: 20, columns: 20)
        let error = Self.error { try DatasetCheck.check(small, fits: Self.spec(.twoLayer), name: "d", model: "net.safetensors") }
        #expect(error == .doesNotFitModel(path: "train-images",
                                          reason: "images of 20×20 (400 inputs); the network in net.safetensors takes 784 inputs"))
        #expect(error?.description == "train-images: images of 20×20 (400 inputs); the network in net.safetensors takes 784 inputs")
        #expect(Self.error { try DatasetCheck.check(small, fits: Self.spec(.mlp, inputSize: 400), name: "d") } == nil)
    }

    @Test func labelsAgainstTheNetworksClasses() throws {
        let set = try Self.set(labels: [0, 1, 2, 9, 3, 1])
        #expect(Self.error { try DatasetCheck.check(set, fits: Self.spec(.twoLayer, classes: 10), name: "d") } == nil)
        #expect(Self.error { try DatasetCheck.check(set, fits: Self.spec(.twoLayer, classes: 3), name: "d") }
                == .doesNotFitModel(path: "train-labels", reason: "label 9 at index 3, but two-layer has 3 classes (0..<3)"))
        // Synthetic data (not images): its labels are checked too, and it is named by the name given.
        let spiral = SpiralDataset(pointsPerClass: 4, classes: 3, seed: 1)
        #expect(Self.error { try DatasetCheck.check(spiral, fits: Self.spec(.twoLayer, inputSize: 2, classes: 2), name: "synthetic") }
                == .doesNotFitModel(path: "synthetic", reason: "label 2 at index 8, but two-layer has 2 classes (0..<2)"))
        #expect(Self.error { try DatasetCheck.check(spiral, fits: Self.spec(.cnn, inputSize: 2, classes: 3), name: "synthetic") }
                == .doesNotFitModel(path: "synthetic", reason: "cnn takes images; this data holds 2 features per example"))
    }

    @Test func imageShapeAgainstAConvolutionalNetwork() throws {
        let oblong = try Self.set(rows: 30, columns: 26)
        #expect(Self.error { try DatasetCheck.check(oblong, fits: Self.spec(.cnn, inputSize: 780), name: "d") }
                == .doesNotFitModel(path: "train-images", reason: "images of 30×26; cnn takes square images"))
        // A checkpoint's network of three channels.
        let threeChannels = Self.spec(.cnn, inputSize: 3 * 28 * 28, inputShape: [3, 28, 28])
        #expect(Self.error { try DatasetCheck.check(try Self.set(), fits: threeChannels, name: "d", model: "rgb.safetensors") }
                == .doesNotFitModel(path: "train-images",
                                    reason: "images of 1 channel of 28×28; the network in rgb.safetensors takes 3 channel(s) of 28×28"))
        let tiny = try Self.set(rows: 4, columns: 4)
        #expect(Self.error { try DatasetCheck.check(tiny, fits: Self.spec(.cnn, inputSize: 16), name: "d") }
                == .doesNotFitModel(path: "train-images", reason: "images of 4×4 are too small for cnn"))
        // deep-cnn's third stage meets 1×1 features from 2×2 images, which its 2×2 pool cannot take (this
        // trapped in Pooling.forward before ConvNetLayout.featureShape checked the pool's window).
        #expect(Self.error { try DatasetCheck.check(try Self.set(rows: 2, columns: 2), fits: Self.spec(.deepCNN, inputSize: 4), name: "d") }
                == .doesNotFitModel(path: "train-images", reason: "images of 2×2 are too small for deep-cnn"))
        #expect(Self.error {
            try DatasetCheck.check(try Self.set(rows: 6, columns: 6), fits: Self.spec(.deepCNN, inputSize: 36), name: "d")
        } == nil)
        #expect(Self.error { try DatasetCheck.check(try Self.set(), fits: Self.spec(.cnn), name: "d") } == nil)
        #expect(Self.error { try DatasetCheck.check(try Self.set(), fits: Self.spec(.deepCNN), name: "d") } == nil)
    }

    @Test func imagesWithoutPixelsAreRefusedWhenRead() {
        let images = IDXArray(dimensions: [2, 0, 28], bytes: [])
        #expect(Self.error {
            _ = try ImageSet(images: images, labels: IDXArray(dimensions: [2], bytes: [0, 1]), imagesPath: "i", labelsPath: "l")
        } == .emptyImages(path: "i", rows: 0, columns: 28))
    }

    @Test func prefixKeepsTheFileNames() throws {
        let set = try Self.set().prefix(2)
        #expect(set.imagesPath == "train-images" && set.labelsPath == "train-labels" && set.count == 2)
    }

    /// MNIST's file names as commonly distributed resolve to the same file; the exact name wins.
    @Test func commonSpellingsOfTheFileNames() throws {
        try DataFixtures.withScratchDirectory("names") { dir in
            let name = "train-images-idx3-ubyte"
            #expect(DatasetDirectory.file(dir, name) == DataFixtures.join(dir, name + ".gz"))
            for spelling in ["TRAIN-IMAGES.IDX3-UBYTE.GZ", "train-images.idx3-ubyte"] {
                try DataFixtures.writeBytes([1], to: DataFixtures.join(dir, spelling))
            }
            // The plain spelling before the compressed one.
            #expect(DatasetDirectory.file(dir, name) == DataFixtures.join(dir, "train-images.idx3-ubyte"))
            try DataFixtures.writeBytes([1], to: DataFixtures.join(dir, name + ".gz"))
            #expect(DatasetDirectory.file(dir, name) == DataFixtures.join(dir, name + ".gz"))
            #expect(DatasetDirectory.canonicalName("T10K-LABELS.IDX1-UBYTE.GZ") == "t10k-labels-idx1-ubyte")
        }
    }
}
