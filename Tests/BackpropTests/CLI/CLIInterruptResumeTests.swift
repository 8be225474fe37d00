import Backprop
import Foundation
import Testing

/// Ctrl-C (SIGINT) during `train`: exit status 130 and a valid checkpoint; `--resume` then finishes the
/// run exactly as an uninterrupted one would have.
struct CLIInterruptResumeTests {
    static let runFlags = ["--iterations", "400", "--batch-size", "10", "--seed", "4"]

    /// Starts `train … --checkpoint path --json` (with progress on stderr, so we can see it has started),
    /// interrupts it after its first epoch line, and returns the result; nil when it finished first.
    static func interruptedRun(data: String, checkpoint: String,
                               sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIHarness.Result? {
        let running = try CLIHarness.Running(["train", "--data", data, "--checkpoint", checkpoint, "--json"] + runFlags)
        // The progress header is printed after the SIGINT handler is installed; wait for the first epoch
        // line so that training is under way.
        let started = running.wait(until: { running.stderrSoFar.contains("\nepoch") }, timeout: 20)
        if running.process.isRunning {
            #expect(started, "no epoch line on stderr after 20 s", sourceLocation: sourceLocation)
            running.process.interrupt()
        }
        let result = running.finish(timeout: 30)
        #expect(!result.timedOut, "the interrupted run did not stop: \(result)", sourceLocation: sourceLocation)
        #expect(!result.signaled, "SIGINT killed the process instead of stopping it: \(result)", sourceLocation: sourceLocation)
        if result.status == 0 {
            // The run beat the interrupt (a very fast machine): nothing was interrupted.
            print("note: the run finished before SIGINT arrived; resume not exercised")
            return nil
        }
        return result
    }

    @Test func sigintSavesACheckpointAndResumeEndsLikeAnUninterruptedRun() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("resume") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            let interruptedPath = CLIHarness.join(scratch, "b.safetensors")
            guard let interrupted = try Self.interruptedRun(data: data, checkpoint: interruptedPath) else { return }

            #expect(interrupted.status == 130, "Ctrl-C exits with 130: \(interrupted)")
            #expect(interrupted.stderr.contains("interrupted"), "\(interrupted)")
            let summary = CLIHarness.jsonObject(interrupted)
            #expect(summary?["interrupted"] as? Bool == true, "summary: \(String(describing: summary))")
            let stoppedAt = CLIHarness.integer(summary?["iterations"])
            #expect(stoppedAt.map { $0 > 0 && $0 < 400 } == true, "stopped at \(String(describing: stoppedAt))")

            // A valid checkpoint holding the position reached.
            let saved = try Checkpoint.read(path: interruptedPath)
            #expect(saved.training?.iteration == stoppedAt, "checkpoint iteration vs summary")
            #expect(saved.training?.options.iterations == 400)
            #expect(CLIHarness.contents(of: scratch).allSatisfy { !$0.hasPrefix(".") },
                    "temporary files left behind: \(CLIHarness.contents(of: scratch))")

            // Resume to the end (the saved options decide the length).
            let resumedPath = CLIHarness.join(scratch, "resumed.safetensors")
            let resumed = try CLIHarness.runOK(["train", "--resume", interruptedPath, "--data", data,
                                                "--checkpoint", resumedPath, "--json", "--quiet"])
            let resumedSummary = CLIHarness.jsonObject(resumed)
            #expect(CLIHarness.integer(resumedSummary?["iterations"]) == 400)
            #expect(resumedSummary?["interrupted"] as? Bool == false)
            let resumedConfiguration = try Checkpoint.read(path: resumedPath).configuration
            #expect(resumedConfiguration != nil && resumedConfiguration == saved.configuration,
                    "the resumed run saves the configuration it continued")

            // The same run straight through.
            let straightPath = CLIHarness.join(scratch, "straight.safetensors")
            let straight = try CLIHarness.runOK(["train", "--data", data, "--checkpoint", straightPath, "--json", "--quiet"]
                                                + Self.runFlags)
            let straightSummary = CLIHarness.jsonObject(straight)

            let different = CLIHarness.differingTensors(try CLIHarness.tensors(resumedPath), try CLIHarness.tensors(straightPath))
            #expect(different.isEmpty, "resumed and uninterrupted runs differ in tensors \(different)")
            for key in ["train_loss", "train_accuracy", "test_accuracy", "epochs", "iterations"] {
                let a = CLIHarness.number(resumedSummary?[key]), b = CLIHarness.number(straightSummary?[key])
                #expect(a != nil && a == b, "\(key): resumed \(String(describing: a)), straight \(String(describing: b))")
            }
            let history = { (path: String) throws -> [[Double]] in
                try Checkpoint.read(path: path).training?.history.map {
                    [$0.epoch, Double($0.iteration), $0.loss, $0.trainAccuracy, $0.testAccuracy]
                } ?? []
            }
            let resumedHistory = try history(resumedPath), straightHistory = try history(straightPath)
            #expect(resumedHistory.count == 20 && resumedHistory == straightHistory,
                    "histories differ: \(resumedHistory.count) vs \(straightHistory.count) records")
        }
    }

    /// `--resume` with no `--data`: the README's `backprop train --resume net.safetensors` "continues an
    /// interrupted run, ends where it would have", and `--resume`'s help says the checkpoint's options
    /// are used. The checkpoint records the run's data directory (metadata "data"), so resuming without
    /// `--data` should train on that directory and end as the uninterrupted run does (or, at the very
    /// least, not train on some other dataset).
    @Test func resumeWithoutDataFlagUsesTheRunsDataset() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("resume-data") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            let interruptedPath = CLIHarness.join(scratch, "b.safetensors")
            guard let interrupted = try Self.interruptedRun(data: data, checkpoint: interruptedPath) else { return }
            #expect(interrupted.status == 130, "\(interrupted)")
            #expect(try SafetensorsFile.read(path: interruptedPath).metadata["data"] == data,
                    "the checkpoint records the data directory")

            let resumedPath = CLIHarness.join(scratch, "resumed.safetensors")
            let resumed = try CLIHarness.run(["train", "--resume", interruptedPath, "--checkpoint", resumedPath,
                                              "--json", "--quiet"])
            #expect(resumed.status == 0, "resume without --data failed: \(resumed)")
            guard resumed.status == 0 else { return }
            let straightPath = CLIHarness.join(scratch, "straight.safetensors")
            try CLIHarness.runOK(["train", "--data", data, "--checkpoint", straightPath, "--json", "--quiet"] + Self.runFlags)
            let different = CLIHarness.differingTensors(try CLIHarness.tensors(resumedPath), try CLIHarness.tensors(straightPath))
            #expect(different.isEmpty, "resumed (no --data) and uninterrupted runs differ in tensors \(different)")
        }
    }

    /// A finished run on the synthetic spiral resumed without `--data`: nothing left to do, same numbers.
    @Test func resumeOfAFinishedSyntheticRunWithoutDataFlag() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("resume-synthetic") { scratch in
            let checkpoint = CLIHarness.join(scratch, "spiral.safetensors")
            let first = try CLIHarness.runOK(["train", "--data", "synthetic", "--iterations", "20", "--seed", "3",
                                              "--checkpoint", checkpoint, "--json", "--quiet"])
            let resumed = try CLIHarness.runOK(["train", "--resume", checkpoint, "--json", "--quiet"])
            guard let a = CLIHarness.jsonObject(first), let b = CLIHarness.jsonObject(resumed) else { return }
            for key in ["iterations", "epochs", "train_loss", "train_accuracy", "test_accuracy", "seed"] {
                #expect(CLIHarness.number(a[key]) != nil && CLIHarness.number(a[key]) == CLIHarness.number(b[key]),
                        "\(key): first \(String(describing: a[key])), resumed \(String(describing: b[key]))")
            }
        }
    }
    /// A run killed outright (SIGKILL: no handler runs) keeps what its last finished epoch saved: a valid
    /// checkpoint at that epoch's iteration and the metrics up to it; resuming ends like a straight run.
    @Test func sigkillKeepsTheLastEpochsCheckpointAndMetrics() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("kill") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            let checkpoint = CLIHarness.join(scratch, "k.safetensors"), metrics = CLIHarness.join(scratch, "k.csv")
            let running = try CLIHarness.Running(["train", "--data", data, "--checkpoint", checkpoint, "--metrics", metrics,
                                                  "--json"] + Self.runFlags)
            // Two epoch lines: the first epoch's files are then complete (they are written before the line
            // of the next epoch is printed).
            let started = running.wait(until: { running.stderrSoFar.components(separatedBy: "\nepoch").count > 2 }, timeout: 30)
            guard running.process.isRunning else {
                print("note: the run finished before SIGKILL; nothing to check")
                _ = running.finish(timeout: 5)
                return
            }
            #expect(started, "fewer than two epoch lines after 30 s")
            kill(running.process.processIdentifier, SIGKILL)
            let killed = running.finish(timeout: 10)
            #expect(killed.signaled, "\(killed)")

            let saved = try Checkpoint.read(path: checkpoint)
            let iteration = try #require(saved.training?.iteration)
            let history = try #require(saved.training?.history)
            #expect(iteration > 0 && iteration < 400 && iteration % 20 == 0, "iteration \(iteration): an epoch is 20 steps")
            #expect(history.last?.iteration == iteration)
            let rows = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
            #expect(rows.count >= 2, "a header and at least one epoch: \(rows)")
            // (A kill during a write may leave that write's hidden temporary file; the files above are whole.)

            let resumedPath = CLIHarness.join(scratch, "resumed.safetensors")
            try CLIHarness.runOK(["train", "--resume", checkpoint, "--data", data, "--checkpoint", resumedPath, "--quiet"])
            let straightPath = CLIHarness.join(scratch, "straight.safetensors")
            try CLIHarness.runOK(["train", "--data", data, "--checkpoint", straightPath, "--quiet"] + Self.runFlags)
            let different = CLIHarness.differingTensors(try CLIHarness.tensors(resumedPath), try CLIHarness.tensors(straightPath))
            #expect(different.isEmpty, "resumed and uninterrupted runs differ in tensors \(different)")
        }
    }
}
