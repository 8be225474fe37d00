import Backprop
import Foundation
import Testing

/// Datasets whose four files disagree with one another or with the network: `backprop train` (one
/// step), `train --resume` and `evaluate` stop before any step with exit 65 and exactly one stderr line
/// naming the offending file — never a trap in a layer (issue 19).
struct CLIDisagreeingDataTests {
    /// One IDX file of a variant: dimensions and bytes (bytes derived from the dimensions when nil).
    struct File {
        var dimensions: [Int]
        var bytes: [UInt8]?
    }

    /// A dataset variant: the four files (name → file), the training flags, and which file the error must name.
    struct Variant: CustomTestStringConvertible, Sendable {
        var name: String
        var images: [Int] = [20, 28, 28]
        var labels: [Int] = [20]
        var testImages: [Int] = [10, 28, 28]
        var testLabels: [Int] = [10]
        /// Replaces the label bytes (of the training or test split).
        var trainLabelBytes: [UInt8]?
        var testLabelBytes: [UInt8]?
        var flags: [String] = []
        /// The file the message must name.
        var blame: String
        var testDescription: String { name }
    }

    static let variants: [Variant] = [
        Variant(name: "test images smaller than training images", testImages: [10, 20, 20], blame: CLIHarness.testImagesName),
        Variant(name: "test images wider than training images", testImages: [10, 28, 30], blame: CLIHarness.testImagesName),
        Variant(name: "fewer training labels than images", labels: [19], blame: CLIHarness.trainLabelsName),
        Variant(name: "more test labels than images", testLabels: [11], blame: CLIHarness.testLabelsName),
        Variant(name: "training label 10 of 10 classes", trainLabelBytes: [10] + Array(repeating: 0, count: 19),
                blame: CLIHarness.trainLabelsName),
        Variant(name: "test label 255", testLabelBytes: Array(repeating: 1, count: 9) + [255], blame: CLIHarness.testLabelsName),
        Variant(name: "images of rank 2", images: [20, 784], blame: CLIHarness.trainImagesName),
        Variant(name: "labels of rank 2", labels: [20, 1], blame: CLIHarness.trainLabelsName),
        Variant(name: "test images of rank 4", testImages: [10, 1, 28, 28], blame: CLIHarness.testImagesName),
        Variant(name: "images with no rows", images: [20, 0, 28], testImages: [10, 0, 28], blame: CLIHarness.trainImagesName),
        Variant(name: "images with no columns", images: [20, 28, 0], testImages: [10, 28, 0], blame: CLIHarness.trainImagesName),
        Variant(name: "no training images", images: [0, 28, 28], labels: [0], blame: CLIHarness.trainImagesName),
        Variant(name: "no test images", testImages: [0, 28, 28], testLabels: [0], blame: CLIHarness.testImagesName),
        Variant(name: "cnn on images too small", images: [20, 4, 4], testImages: [10, 4, 4], flags: ["--model", "cnn"],
                blame: CLIHarness.trainImagesName),
        Variant(name: "deep-cnn on images too small", images: [20, 2, 2], testImages: [10, 2, 2], flags: ["--model", "deep-cnn"],
                blame: CLIHarness.trainImagesName),
        Variant(name: "cnn with test images of another size", testImages: [10, 20, 20], flags: ["--model", "cnn"],
                blame: CLIHarness.testImagesName),
    ]

    /// Writes the variant's four files into `directory`.
    static func write(_ variant: Variant, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let files: [(String, [Int], [UInt8]?)] = [
            (CLIHarness.trainImagesName, variant.images, nil), (CLIHarness.trainLabelsName, variant.labels, variant.trainLabelBytes),
            (CLIHarness.testImagesName, variant.testImages, nil), (CLIHarness.testLabelsName, variant.testLabels, variant.testLabelBytes),
        ]
        for (name, dimensions, bytes) in files {
            let count = dimensions.reduce(1, *)
            let content = bytes ?? (0..<count).map { UInt8(dimensions.count == 1 ? $0 % 10 : ($0 * 37) % 256) }
            try IDX.write(IDXArray(dimensions: dimensions, bytes: content), to: CLIHarness.join(directory, name))
        }
    }

    @Test(arguments: variants)
    func trainRefusesWithOneLine(_ variant: Variant) throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("disagree") { scratch in
            try Self.write(variant, to: scratch)
            let result = try CLIHarness.run(["train", "--data", scratch, "--iterations", "1", "--batch-size", "5", "--quiet"]
                                            + variant.flags)
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [CLIHarness.join(scratch, variant.blame)])
        }
    }

    /// Non-square images fit cnn now (the spec records the input shape (1, 30, 26)); before image folders
    /// they were refused as not square.
    @Test func cnnTrainsOnNonSquareImages() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("oblong") { scratch in
            try Self.write(Variant(name: "oblong", images: [20, 30, 26], testImages: [10, 30, 26], blame: ""), to: scratch)
            let result = try CLIHarness.runOK(["train", "--data", scratch, "--iterations", "2", "--batch-size", "5", "--quiet",
                                               "--model", "cnn", "--json"])
            #expect(CLIHarness.number(CLIHarness.jsonObject(result)?["test_accuracy"]) != nil, "\(result)")
        }
    }

    /// A checkpoint trained on 28×28 images, then resumed on and evaluated on data that does not fit it.
    @Test(arguments: [
        (["two-layer"], [10, 20, 20], CLIHarness.trainImagesName),
        (["cnn", "--hidden", "3"], [10, 20, 20], CLIHarness.trainImagesName),
        (["cnn", "--hidden", "3"], [10, 28, 30], CLIHarness.trainImagesName),
    ])
    func checkpointOnDataThatDoesNotFit(_ model: [String], _ images: [Int], _ blame: String) throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("disagree-checkpoint") { scratch in
            let good = CLIHarness.join(scratch, "good"), bad = CLIHarness.join(scratch, "bad")
            try CLIHarness.writeTinyDataset(at: good, train: 20, test: 10)
            let checkpoint = CLIHarness.join(scratch, "net.safetensors")
            try CLIHarness.runOK(["train", "--data", good, "--iterations", "1", "--batch-size", "5", "--quiet",
                                  "--checkpoint", checkpoint, "--model"] + model)
            var variant = Variant(name: "other images", images: [20] + images.dropFirst(), testImages: images, blame: blame)
            variant.testLabels = [images[0]]
            try Self.write(variant, to: bad)
            for arguments in [["evaluate", "--checkpoint", checkpoint, "--data", bad],
                              ["train", "--resume", checkpoint, "--data", bad, "--quiet"]] {
                let result = try CLIHarness.run(arguments)
                CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [CLIHarness.join(bad, blame), checkpoint])
            }
        }
    }

    /// A network trained on the synthetic spiral (2 inputs, 3 classes) evaluated on images.
    @Test func spiralCheckpointOnImages() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("disagree-spiral") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data, train: 20, test: 10)
            let checkpoint = CLIHarness.join(scratch, "spiral.safetensors")
            try CLIHarness.runOK(["train", "--data", "synthetic", "--iterations", "1", "--quiet", "--checkpoint", checkpoint])
            let result = try CLIHarness.run(["evaluate", "--checkpoint", checkpoint, "--data", data])
            CLIHarness.expectFailure(result, status: 65, oneLine: true,
                                     mentions: [CLIHarness.join(data, CLIHarness.trainImagesName), "2 inputs"])
        }
    }

    /// MNIST as commonly distributed: `train-images.idx3-ubyte` (a dot), upper case, gzip'd, or inside a
    /// folder of the same name (Kaggle's unzipped archive) — each trains.
    @Test(arguments: ["dot", "upper", "dot-gz", "folder"])
    func commonFileNamesAreFound(_ spelling: String) throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("names") { scratch in
            let source = CLIHarness.join(scratch, "source"), data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: source, train: 20, test: 10, compressed: spelling.hasSuffix("gz"))
            try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
            for name in CLIHarness.contents(of: source) {
                var renamed = name.replacingOccurrences(of: "-idx", with: spelling == "upper" ? "-IDX" : ".idx")
                if spelling == "upper" { renamed = renamed.uppercased() }
                var target = CLIHarness.join(data, renamed)
                if spelling == "folder" {
                    try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
                    target = CLIHarness.join(target, renamed)
                }
                try FileManager.default.moveItem(atPath: CLIHarness.join(source, name), toPath: target)
            }
            let result = try CLIHarness.runOK(["train", "--data", data, "--iterations", "1", "--batch-size", "5", "--quiet", "--json"])
            #expect(CLIHarness.integer(CLIHarness.jsonObject(result)?["iterations"]) == 1, "\(result)")
        }
    }
}
