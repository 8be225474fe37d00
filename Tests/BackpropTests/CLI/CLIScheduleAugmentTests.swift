import Backprop
import Foundation
import Testing

/// `train --lr-schedule … --warmup N --augment …`: bad values are one line naming the flag (exit 64); the
/// metrics carry the rate of each epoch's last step; a scheduled, augmented run stopped mid-way and resumed
/// ends bit for bit as the run done straight through.
struct CLIScheduleAugmentTests {
    @Test(arguments: [
        (["--lr-schedule", "step:0:2"], "--lr-schedule"),
        (["--lr-schedule", "step:2:0"], "--lr-schedule"),
        (["--lr-schedule", "linear"], "--lr-schedule"),
        (["--lr-schedule", "cosine", "--warmup", "-1"], "--warmup"),
        (["--augment", "crop=-1"], "--augment"),
        (["--augment", "blur"], "--augment"),
        (["--augment", "crop=4,flip", "--data", "synthetic"], "not image data"),
    ])
    func badFlagsAreOneLine(_ flags: [String], mentions: String) throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["train", "--iterations", "2", "--quiet"] + flags)
        CLIHarness.expectFailure(result, status: 64, oneLine: true, mentions: [mentions])
    }

    /// Flags that run before: 100 examples in batches of 10 (10 steps per epoch), a warm-up of 5, the rate
    /// halved every epoch, random crops and flips.
    static let runFlags = ["--train-limit", "100", "--batch-size", "10", "--seed", "5", "--learning-rate", "0.1",
                           "--lr-schedule", "step:1:0.5", "--warmup", "5", "--augment", "crop=3,flip"]

    @Test func theMetricsHoldTheRateOfEachEpochsLastStep() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("schedule-metrics") { scratch in
            let data = CLIHarness.join(scratch, "data"), metrics = CLIHarness.join(scratch, "m.csv")
            try CLIHarness.writeTinyDataset(at: data)
            let plot = CLIHarness.join(scratch, "p.svg")
            try CLIHarness.runOK(["train", "--data", data, "--iterations", "30", "--metrics", metrics, "--plot", plot, "--quiet"]
                                 + Self.runFlags)
            let lines = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
            #expect(lines.first?.hasSuffix(",learning_rate") == true)
            // Steps 9, 19, 29 (0-based) end the epochs: 0.1 · 0.5^0, 0.5^1, 0.5^2.
            #expect(lines.dropFirst().map { Double($0.split(separator: ",").last ?? "") } == [0.1, 0.05, 0.025])
            #expect(try String(contentsOfFile: plot, encoding: .utf8).contains("learning rate"))
        }
    }

    @Test func aStoppedScheduledAugmentedRunResumesBitForBit() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("schedule-resume") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            // A run of 30 iterations stopped after 13 (mid-epoch, mid-schedule): a 13-iteration run whose saved
            // length is made 30 (the step schedule and the warm-up do not depend on the length).
            let first = CLIHarness.join(scratch, "first.safetensors")
            try CLIHarness.runOK(["train", "--data", data, "--iterations", "13", "--checkpoint", first, "--quiet"] + Self.runFlags)
            var file = try SafetensorsFile.read(path: first)
            let saved = try Checkpoint.read(path: first)
            var state = try #require(saved.training), configuration = try #require(saved.configuration)
            #expect(state.iteration == 13 && state.options.augmentation != nil && state.options.warmup == 5)
            state.options.iterations = 30
            configuration.iterations = 30
            file.metadata["training"] = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
            file.metadata["configuration"] = String(decoding: try JSONEncoder().encode(configuration), as: UTF8.self)
            let stopped = CLIHarness.join(scratch, "stopped.safetensors")
            try file.write(to: stopped)

            let resumed = CLIHarness.join(scratch, "resumed.safetensors")
            try CLIHarness.runOK(["train", "--resume", stopped, "--checkpoint", resumed, "--quiet"])
            let straight = CLIHarness.join(scratch, "straight.safetensors")
            try CLIHarness.runOK(["train", "--data", data, "--iterations", "30", "--checkpoint", straight, "--quiet"] + Self.runFlags)
            #expect(try Checkpoint.read(path: resumed).training?.iteration == 30)
            let different = CLIHarness.differingTensors(try CLIHarness.tensors(resumed), try CLIHarness.tensors(straight))
            #expect(different.isEmpty, "resumed and uninterrupted runs differ in tensors \(different)")
            let history = { (path: String) throws -> [Double?] in
                try Checkpoint.read(path: path).training?.history.map(\.learningRate) ?? []
            }
            // (The 13-iteration run recorded its end too: the resumed history has a row at 13 the straight one lacks.)
            #expect(try history(straight) == [0.1, 0.05, 0.025] && history(resumed).suffix(2) == [0.05, 0.025])

            // The schedule is the checkpoint's: --resume refuses the flags.
            let refused = try CLIHarness.run(["train", "--resume", stopped, "--lr-schedule", "cosine", "--augment", "flip", "--quiet"])
            CLIHarness.expectFailure(refused, status: 64, oneLine: true, mentions: ["--lr-schedule", "--augment"])
        }
    }
}

/// A checkpoint without a configuration whose training state holds an augmentation that does not fit
/// the images (or a broken schedule) is bad metadata: one line, exit 65, never a trap.
struct CLIScheduleAugmentHostileTests {
    @Test(arguments: [(#""cropPadding":3"#, #""cropPadding":1000000000000"#), (#""warmup":5"#, #""warmup":-4"#)])
    func badTrainingStateIsRefused(_ from: String, _ to: String) throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("schedule-hostile") { scratch in
            let data = CLIHarness.join(scratch, "data"), first = CLIHarness.join(scratch, "first.safetensors")
            try CLIHarness.writeTinyDataset(at: data)
            try CLIHarness.runOK(["train", "--data", data, "--iterations", "3", "--checkpoint", first, "--quiet"]
                                 + CLIScheduleAugmentTests.runFlags)
            var file = try SafetensorsFile.read(path: first)
            file.metadata["configuration"] = nil
            var state = try Checkpoint.read(path: first).training!
            state.options.iterations = 30
            let text = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
            #expect(text.contains(from), "\(text)")
            file.metadata["training"] = text.replacingOccurrences(of: from, with: to)
            let hostile = CLIHarness.join(scratch, "hostile.safetensors")
            try file.write(to: hostile)
            let result = try CLIHarness.run(["train", "--resume", hostile, "--quiet"])
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: ["hostile.safetensors", "training"])
        }
    }
}
