import Foundation
import BackpropTestSupport
import Testing

/// Issue 25: every size from outside is bounded before anything is allocated for it — a network from
/// flags past --max-parameters, a --batch-size past the training set.
@Suite struct CLIBoundsTests {
    /// Runs the executable measuring its peak memory; records a crash or a timeout.
    static func measured(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> PeakMemoryRun.Outcome {
        let outcome = try PeakMemoryRun.run(CLIHarness.executableURL.path, arguments, environment: CLIHarness.environment())
        #expect(!outcome.signaled && !outcome.timedOut, "\(arguments): \(outcome)", sourceLocation: sourceLocation)
        return outcome
    }

    /// Exit 64, one line "backprop: …" naming every string of `mentions`, no crash output.
    static func expectRefused(_ outcome: PeakMemoryRun.Outcome, mentions: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.status == 64, "\(outcome)", sourceLocation: sourceLocation)
        #expect(outcome.stderrLines.count == 1 && outcome.stderr.hasPrefix("backprop: "), "\(outcome)", sourceLocation: sourceLocation)
        #expect(!outcome.stderr.contains("Fatal error") && outcome.stdout.isEmpty, "\(outcome)", sourceLocation: sourceLocation)
        for text in mentions {
            #expect(outcome.stderr.contains(text), "stderr should mention \(text): \(outcome)", sourceLocation: sourceLocation)
        }
    }

    // 784·10⁹ + 10⁹ + 10⁹·10 + 10 parameters for 784-1000000000-10: 795000000010.
    @Test(arguments: [
        (["train", "--data", "synthetic"], "6.4 TB to train in float32 with sgd"),
        (["train", "--data", "synthetic", "--optimizer", "adam", "--dtype", "float64"], "25.4 TB to train in float64 with adam"),
        (["gradcheck", "--data", "synthetic"], "12.7 TB for weights and gradients in float64"),
        (["graph"], "3.2 TB in float32"),
    ])
    func aHugeHiddenLayerIsRefusedInOneLineBeforeAnyAllocation(_ command: [String], bytes: String) throws {
        guard CLIHarness.requireExecutable() else { return }
        let outcome = try Self.measured(command + ["--hidden", "1000000000"])
        Self.expectRefused(outcome, mentions: ["--hidden 1000000000", "795000000010 parameters", bytes, "--max-parameters 100000000"])
        if let peak = outcome.peakBytes { #expect(peak > 1_000_000 && peak < 500_000_000, "peak memory \(peak) bytes: \(outcome)") }
        #expect(outcome.seconds < 10, "\(outcome)")
    }

    @Test func aParameterCountPast64BitsIsRefusedNotTrapped() throws {
        guard CLIHarness.requireExecutable() else { return }
        let outcome = try Self.measured(["train", "--data", "synthetic", "--model", "mlp",
                                         "--hidden", "99999999999999999,99999999999999"])
        Self.expectRefused(outcome, mentions: ["--hidden 99999999999999999,99999999999999", "does not fit in 64 bits"])
        if let peak = outcome.peakBytes { #expect(peak > 1_000_000 && peak < 500_000_000, "peak memory \(peak) bytes: \(outcome)") }
    }

    @Test func maxParametersSetsTheLimitBothWays() throws {
        guard CLIHarness.requireExecutable() else { return }
        // 784-200-10: 784·200 + 200 + 200·10 + 10 = 159010 parameters.
        let refused = try Self.measured(["train", "--data", "synthetic", "--hidden", "200", "--iterations", "2",
                                         "--max-parameters", "159009"])
        Self.expectRefused(refused, mentions: ["--hidden 200", "159010 parameters", "more than --max-parameters 159009"])
        let allowed = try CLIHarness.runOK(["train", "--data", "synthetic", "--hidden", "200", "--iterations", "2",
                                            "--quiet", "--max-parameters", "159010"])
        #expect(allowed.stdout.hasPrefix("done: 2 iterations"), "\(allowed)")
        let zero = try CLIHarness.run(["train", "--data", "synthetic", "--max-parameters", "0"])
        CLIHarness.expectFailure(zero, status: 64, oneLine: false, mentions: ["--max-parameters"])
    }

    // MARK: - --batch-size past the training set

    /// The JSON summary of a train run on a tiny dataset of `train` examples.
    static func summary(_ flags: [String], train: Int, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> (CLIHarness.Result, [String: Any]?) {
        try CLIHarness.withScratchDirectory("batch") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data, train: train, test: 10)
            let result = try CLIHarness.runOK(["train", "--data", data, "--json"] + flags, sourceLocation: sourceLocation)
            return (result, CLIHarness.jsonObject(result, sourceLocation: sourceLocation))
        }
    }

    @Test func aBatchLargerThanTheTrainingSetIsClampedWithOneNote() throws {
        guard CLIHarness.requireExecutable() else { return }
        let (result, json) = try Self.summary(["--batch-size", "1000000000000", "--iterations", "3", "--threads", "1"], train: 20)
        let notes = result.stderrLines.filter { $0.contains("note:") }
        #expect(notes.count == 1 && notes[0].contains("--batch-size 1000000000000") && notes[0].contains("20 training examples")
                && notes[0].contains("batches of 20"), "\(result)")
        guard let json, let seconds = CLIHarness.number(json["seconds"]), let rate = CLIHarness.number(json["examples_per_second"]) else {
            Issue.record("no summary: \(result)")
            return
        }
        #expect(CLIHarness.integer(json["batch_size"]) == 20)
        #expect(CLIHarness.integer(json["iterations"]) == 3)
        // 3 batches of the 20 examples: 60 examples, not 3 × 10¹².
        #expect(seconds > 0 && Swift.abs(rate * seconds - 60) < 1e-6, "examples/s \(rate) over \(seconds) s")
        let (quiet, _) = try Self.summary(["--batch-size", "50", "--iterations", "1", "--quiet"], train: 20)
        #expect(quiet.stderr.isEmpty, "--quiet leaves out the note: \(quiet)")
    }

    @Test func throughputCountsThePartialLastBatchOfAnEpoch() throws {
        guard CLIHarness.requireExecutable() else { return }
        // 20 examples in batches of 8: 8, 8, then the remaining 4 — 20 examples in 3 iterations, not 24.
        for replacement in [[], ["--with-replacement"]] {
            let (result, json) = try Self.summary(["--batch-size", "8", "--iterations", "3", "--quiet"] + replacement, train: 20)
            guard let json, let seconds = CLIHarness.number(json["seconds"]),
                  let rate = CLIHarness.number(json["examples_per_second"]) else {
                Issue.record("no summary: \(result)")
                continue
            }
            #expect(CLIHarness.integer(json["batch_size"]) == 8)
            #expect(seconds > 0 && Swift.abs(rate * seconds - 20) < 1e-6, "\(replacement): examples/s \(rate) over \(seconds) s")
        }
    }
}
