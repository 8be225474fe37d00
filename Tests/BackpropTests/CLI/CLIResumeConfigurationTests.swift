import Backprop
import Foundation
import Testing

/// `train --resume` continues the run its checkpoint's `configuration` describes and saves that same
/// configuration; a checkpoint written before configurations were saved still resumes from its training state.
struct CLIResumeConfigurationTests {
    /// Flags no default would reproduce: a resume that took anything from the flags' defaults would differ.
    static let runFlags = ["--model", "mlp", "--hidden", "20", "--optimizer", "adam", "--learning-rate", "0.01",
                           "--train-limit", "100", "--batch-size", "10", "--seed", "6"]

    /// A checkpoint of the run `runFlags` + 30 iterations stopped after its first epoch (10 iterations): a
    /// 10-iteration run whose saved options and configuration are made those of the 30-iteration run, with
    /// `edit` applied to its metadata. Returns its path and the straight 30-iteration run's checkpoint.
    static func stoppedRun(in scratch: String, edit: (inout [String: String]) throws -> Void) throws -> (String, String) {
        let data = CLIHarness.join(scratch, "data")
        try CLIHarness.writeTinyDataset(at: data)
        let first = CLIHarness.join(scratch, "first.safetensors")
        try CLIHarness.runOK(["train", "--data", data, "--iterations", "10", "--checkpoint", first, "--quiet"] + runFlags)
        var file = try SafetensorsFile.read(path: first)
        let saved = try Checkpoint.read(path: first)
        var state = try #require(saved.training), configuration = try #require(saved.configuration)
        state.options.iterations = 30
        configuration.iterations = 30
        file.metadata["training"] = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        file.metadata["configuration"] = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
        try edit(&file.metadata)
        let stopped = CLIHarness.join(scratch, "stopped.safetensors")
        try file.write(to: stopped)
        let straight = CLIHarness.join(scratch, "straight.safetensors")
        try CLIHarness.runOK(["train", "--data", data, "--iterations", "30", "--checkpoint", straight, "--quiet"] + runFlags)
        return (stopped, straight)
    }

    @Test func aResumedRunSavesTheConfigurationItContinued() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("resume-config") { scratch in
            let (stopped, straight) = try Self.stoppedRun(in: scratch, edit: { _ in })
            let resumed = CLIHarness.join(scratch, "resumed.safetensors")
            try CLIHarness.runOK(["train", "--resume", stopped, "--checkpoint", resumed, "--quiet"])
            let original = try Checkpoint.read(path: stopped), end = try Checkpoint.read(path: resumed)
            #expect(end.configuration != nil && end.configuration == original.configuration)
            #expect(end.configuration == (try Checkpoint.read(path: straight)).configuration)
            #expect(end.training?.iteration == 30)
            let different = CLIHarness.differingTensors(try CLIHarness.tensors(resumed), try CLIHarness.tensors(straight))
            #expect(different.isEmpty, "resumed and uninterrupted runs differ in tensors \(different)")
        }
    }

    @Test func anOldCheckpointWithoutConfigurationStillResumes() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("resume-old") { scratch in
            let (stopped, straight) = try Self.stoppedRun(in: scratch, edit: { $0["configuration"] = nil })
            #expect(try Checkpoint.read(path: stopped).configuration == nil)
            let resumed = CLIHarness.join(scratch, "resumed.safetensors")
            try CLIHarness.runOK(["train", "--resume", stopped, "--checkpoint", resumed, "--quiet"])
            let end = try Checkpoint.read(path: resumed)
            #expect(end.configuration == nil, "no configuration is made up for an old checkpoint")
            #expect(end.training?.iteration == 30)
            let different = CLIHarness.differingTensors(try CLIHarness.tensors(resumed), try CLIHarness.tensors(straight))
            #expect(different.isEmpty, "resumed and uninterrupted runs differ in tensors \(different)")
        }
    }

    /// A configuration that is invalid, or contradicts the training state it was saved with, is bad metadata.
    @Test(arguments: [#""batchSize":0"#, #""batchSize":5"#])
    func aConfigurationThatContradictsItsCheckpointIsRefused(_ to: String) throws {
        let from = #""batchSize":10"#
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("resume-bad-config") { scratch in
            let (stopped, _) = try Self.stoppedRun(in: scratch, edit: { metadata in
                let text = try #require(metadata["configuration"])
                #expect(text.contains(from), "\(text)")
                metadata["configuration"] = text.replacingOccurrences(of: from, with: to)
            })
            let result = try CLIHarness.run(["train", "--resume", stopped, "--quiet"])
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: ["configuration"])
        }
    }

    /// A flag that would change what is trained, given with --resume, is refused before the checkpoint is
    /// read (exit 64, one line naming every such flag); --data and --threads may be given.
    @Test func flagsThatWouldChangeTheRunAreRefusedWithResume() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("resume-flags") { scratch in
            let missing = CLIHarness.join(scratch, "not-read.safetensors")
            let result = try CLIHarness.run(["train", "--resume", missing, "--seed", "3", "--epochs", "2", "--batch-norm",
                                             "--threads", "1", "--quiet"])
            CLIHarness.expectFailure(result, status: 64, oneLine: true, mentions: ["--resume", "--epochs, --batch-norm, --seed"])
            #expect(!result.stderr.contains("not-read"), "refused before the checkpoint is read: \(result.stderr)")
        }
    }
}
