import Backprop
import Foundation
import Testing

/// Exit statuses and messages: 65 with one stderr line naming the file for bad input data, 64 for usage
/// errors, 1 when an output cannot be written; never a crash.
struct CLIErrorTests {
    // MARK: - Bad input data (65)

    @Test func missingDataDirectory() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["train", "--data", "/nonexistent", "--iterations", "5", "--quiet"])
        CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: ["/nonexistent"])
        #expect(result.stdout.isEmpty, "\(result)")
    }

    @Test func truncatedImagesFile() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("truncated") { scratch in
            try CLIHarness.writeTinyDataset(at: scratch)
            let images = CLIHarness.join(scratch, CLIHarness.trainImagesName)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: images))
            try bytes.prefix(bytes.count - 1000).write(to: URL(fileURLWithPath: images))
            let result = try CLIHarness.run(["train", "--data", scratch, "--iterations", "5", "--quiet"])
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [images, "truncated"])
        }
    }

    @Test func truncatedTestImagesFileAlsoNamesTheFileForEvaluate() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("truncated-eval") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            let checkpoint = CLIHarness.join(scratch, "net.safetensors")
            try CLIHarness.runOK(["train", "--data", data, "--iterations", "2", "--quiet", "--checkpoint", checkpoint])
            let images = CLIHarness.join(data, CLIHarness.testImagesName)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: images))
            try bytes.prefix(100).write(to: URL(fileURLWithPath: images))
            let result = try CLIHarness.run(["evaluate", "--checkpoint", checkpoint, "--data", data])
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [images])
        }
    }

    /// A gzip file whose compressed stream is damaged, and one cut short.
    @Test(arguments: ["damaged", "cut"])
    func corruptGzipFile(_ how: String) throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("gzip") { scratch in
            try CLIHarness.writeTinyDataset(at: scratch, compressed: true)
            // The plain dataset works compressed.
            try CLIHarness.runOK(["train", "--data", scratch, "--iterations", "2", "--quiet"])
            let images = CLIHarness.join(scratch, CLIHarness.trainImagesName + ".gz")
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: images)))
            #expect(bytes.count > 200 && bytes[0] == 0x1F && bytes[1] == 0x8B, "not a gzip file")
            if how == "damaged" {
                for i in (bytes.count / 3)..<(bytes.count / 3 + 64) { bytes[i] ^= 0xA5 }
            } else {
                bytes = Array(bytes.prefix(bytes.count / 2))
            }
            try Data(bytes).write(to: URL(fileURLWithPath: images))
            let result = try CLIHarness.run(["train", "--data", scratch, "--iterations", "2", "--quiet"])
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [images])
        }
    }

    @Test func labelOutOfRange() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("labels") { scratch in
            try CLIHarness.writeTinyDataset(at: scratch)
            let labels = CLIHarness.join(scratch, CLIHarness.trainLabelsName)
            var values = CLIHarness.barImages(count: 200, seed: 1).labels
            values[17] = 42
            try IDX.write(IDXArray(dimensions: [200], bytes: values), to: labels)
            let result = try CLIHarness.run(["train", "--data", scratch, "--iterations", "2", "--quiet"])
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [labels])
        }
    }

    @Test func evaluateRefusesANonSafetensorsCheckpoint() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("notckpt") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            let bogus = CLIHarness.join(scratch, "notes.safetensors")
            try Data("these are my notes, not a network\n".utf8).write(to: URL(fileURLWithPath: bogus))
            let result = try CLIHarness.run(["evaluate", "--checkpoint", bogus, "--data", data, "--json"])
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [bogus])
            #expect(result.stdout.isEmpty, "\(result)")

            // An empty file and a missing one, too.
            let empty = CLIHarness.join(scratch, "empty.safetensors")
            _ = FileManager.default.createFile(atPath: empty, contents: Data())
            CLIHarness.expectFailure(try CLIHarness.run(["evaluate", "--checkpoint", empty, "--data", data]),
                                     status: 65, oneLine: true, mentions: [empty])
            let missing = CLIHarness.join(scratch, "missing.safetensors")
            CLIHarness.expectFailure(try CLIHarness.run(["evaluate", "--checkpoint", missing, "--data", data]),
                                     status: 65, oneLine: true, mentions: [missing])
            // The same for predict and --resume.
            let image = CLIHarness.join(scratch, "x.pgm")
            try ImageFile.writePGM(pixels: [UInt8](repeating: 0, count: 784), width: 28, height: 28, to: image)
            CLIHarness.expectFailure(try CLIHarness.run(["predict", "--checkpoint", bogus, image]),
                                     status: 65, oneLine: true, mentions: [bogus])
            CLIHarness.expectFailure(try CLIHarness.run(["train", "--resume", bogus, "--data", data, "--quiet"]),
                                     status: 65, oneLine: true, mentions: [bogus])
        }
    }

    /// A checkpoint for 784 inputs and 10 classes evaluated on the 2-input, 3-class spiral.
    @Test func evaluateRefusesDataOfTheWrongShape() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("shape") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            let checkpoint = CLIHarness.join(scratch, "net.safetensors")
            try CLIHarness.runOK(["train", "--data", data, "--iterations", "2", "--quiet", "--checkpoint", checkpoint])
            let result = try CLIHarness.run(["evaluate", "--checkpoint", checkpoint, "--data", "synthetic"])
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [checkpoint])
        }
    }

    @Test func predictRefusesATextFile() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("predict") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            let checkpoint = CLIHarness.join(scratch, "net.safetensors")
            try CLIHarness.runOK(["train", "--data", data, "--iterations", "2", "--quiet", "--checkpoint", checkpoint])
            let text = CLIHarness.join(scratch, "digit.txt")
            try Data("this is not an image\n".utf8).write(to: URL(fileURLWithPath: text))
            let result = try CLIHarness.run(["predict", "--checkpoint", checkpoint, text, "--json"])
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [text, "PGM", "PNG"])
            #expect(result.stdout.isEmpty, "\(result)")

            let missing = CLIHarness.join(scratch, "nowhere.png")
            CLIHarness.expectFailure(try CLIHarness.run(["predict", "--checkpoint", checkpoint, missing]),
                                     status: 65, oneLine: true, mentions: [missing])
            // A truncated PGM.
            let truncated = CLIHarness.join(scratch, "short.pgm")
            try Data(Array("P5\n28 28\n255\n".utf8) + [UInt8](repeating: 7, count: 100)).write(to: URL(fileURLWithPath: truncated))
            CLIHarness.expectFailure(try CLIHarness.run(["predict", "--checkpoint", checkpoint, truncated]),
                                     status: 65, oneLine: true, mentions: [truncated])
        }
    }

    // MARK: - Usage errors (64)

    @Test(arguments: [
        ["--epochs", "0"],
        ["--epochs", "1", "--iterations", "5"],
        ["--optimizer", "nope"],
        ["--iterations", "0"],
        ["--batch-size", "0"],
        ["--learning-rate", "0"],
        ["--hidden", "abc"],
        ["--dtype", "float16"],
        ["--threads", "0"],
        ["--model", "resnet"],
    ])
    func usageErrors(_ flags: [String]) throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("usage") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data, train: 20, test: 10)
            let checkpoint = CLIHarness.join(scratch, "net.safetensors")
            let result = try CLIHarness.run(["train", "--data", data, "--checkpoint", checkpoint] + flags)
            CLIHarness.expectFailure(result, status: 64, oneLine: false, mentions: [flags[0]])
            #expect(result.stdout.isEmpty, "a usage error prints nothing on stdout: \(result)")
            #expect(!result.stderr.contains("epoch "), "a usage error must not start training: \(result)")
            #expect(!FileManager.default.fileExists(atPath: checkpoint), "a usage error wrote a checkpoint")
        }
    }

    @Test func metricsWithAnUnknownExtensionIsAUsageError() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("metrics") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data, train: 20, test: 10)
            let out = CLIHarness.join(scratch, "out.txt")
            let result = try CLIHarness.run(["train", "--data", data, "--iterations", "2", "--metrics", out])
            CLIHarness.expectFailure(result, status: 64, oneLine: false, mentions: ["out.txt"])
            #expect(result.stdout.isEmpty, "\(result)")
            #expect(!FileManager.default.fileExists(atPath: out), "a usage error wrote the metrics file")
        }
    }

    @Test func predictWithoutImagesIsAUsageError() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["predict", "--checkpoint", "/nonexistent.safetensors"])
        CLIHarness.expectFailure(result, status: 64, oneLine: false)
    }

    // MARK: - Outputs that cannot be written (73, EX_CANTCREAT; more in CLIOutputPathTests)

    @Test(arguments: ["--checkpoint", "--metrics", "--plot"])
    func unwritableOutputFails(_ flag: String) throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("unwritable") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data, train: 20, test: 10)
            let name = ["--checkpoint": "net.safetensors", "--metrics": "run.csv", "--plot": "run.svg"][flag]!
            let target = CLIHarness.join(CLIHarness.join(scratch, "no-such-folder"), name)
            let result = try CLIHarness.run(["train", "--data", data, "--iterations", "2", "--quiet", flag, target])
            CLIHarness.expectFailure(result, status: 73, oneLine: true, mentions: [target, flag, "does not exist"])
        }
    }
}
