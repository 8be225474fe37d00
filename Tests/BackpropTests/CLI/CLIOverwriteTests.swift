import Backprop
import Foundation
import Testing

/// Training again with the same output paths replaces the files, atomically, leaving no temporary
/// files in the folder.
struct CLIOverwriteTests {
    @Test func trainingTwiceReplacesTheCheckpointAndLeavesNoTemporaryFiles() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("overwrite") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            let out = CLIHarness.join(scratch, "out")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let checkpoint = CLIHarness.join(out, "net.safetensors")
            let metrics = CLIHarness.join(out, "run.csv")
            let plot = CLIHarness.join(out, "run.svg")
            // Something that is not a checkpoint is there already.
            try Data("old contents\n".utf8).write(to: URL(fileURLWithPath: checkpoint))
            try Data("old,metrics\n".utf8).write(to: URL(fileURLWithPath: metrics))

            func train(seed: Int, iterations: Int, to path: String) throws {
                try CLIHarness.runOK(["train", "--data", data, "--iterations", String(iterations), "--seed", String(seed),
                                      "--quiet", "--checkpoint", path, "--metrics", metrics, "--plot", plot])
            }
            try train(seed: 1, iterations: 4, to: checkpoint)
            let first = try CLIHarness.tensors(checkpoint)
            #expect(try Checkpoint.read(path: checkpoint).training?.iteration == 4)
            #expect(try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n").count == 3,
                    "header and 2 epochs")

            try train(seed: 2, iterations: 6, to: checkpoint)
            let second = try CLIHarness.tensors(checkpoint)
            #expect(!CLIHarness.differingTensors(first, second).isEmpty, "the second run did not replace the checkpoint")
            #expect(try Checkpoint.read(path: checkpoint).training?.iteration == 6)
            #expect(try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n").count == 4,
                    "the metrics file was not replaced: header and 3 epochs expected")

            // It holds exactly what a fresh run with seed 2 writes.
            let reference = CLIHarness.join(scratch, "reference.safetensors")
            try train(seed: 2, iterations: 6, to: reference)
            #expect(CLIHarness.differingTensors(second, try CLIHarness.tensors(reference)).isEmpty)

            #expect(CLIHarness.contents(of: out) == ["net.safetensors", "run.csv", "run.svg"],
                    "unexpected files in the output folder: \(CLIHarness.contents(of: out))")
        }
    }

    /// Resuming into the checkpoint being resumed replaces it in place.
    @Test func resumeIntoTheSameCheckpoint() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("overwrite-resume") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            let out = CLIHarness.join(scratch, "out")
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let checkpoint = CLIHarness.join(out, "net.safetensors")
            // A finished run resumed: nothing left to do, the checkpoint is rewritten unchanged in its tensors.
            try CLIHarness.runOK(["train", "--data", data, "--iterations", "4", "--quiet", "--checkpoint", checkpoint])
            let before = try CLIHarness.tensors(checkpoint)
            let result = try CLIHarness.runOK(["train", "--resume", checkpoint, "--data", data, "--checkpoint", checkpoint,
                                               "--json", "--quiet"])
            let summary = CLIHarness.jsonObject(result)
            #expect(CLIHarness.integer(summary?["iterations"]) == 4)
            #expect(summary?["interrupted"] as? Bool == false)
            #expect(CLIHarness.differingTensors(before, try CLIHarness.tensors(checkpoint)).isEmpty)
            #expect(CLIHarness.contents(of: out) == ["net.safetensors"], "\(CLIHarness.contents(of: out))")
        }
    }
}
