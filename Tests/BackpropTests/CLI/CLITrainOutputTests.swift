import Backprop
import Foundation
import Testing

/// `backprop train`'s output contract: the `--json` summary, `--quiet`, per-epoch lines on a
/// non-terminal stderr, and determinism in `--seed`.
struct CLITrainOutputTests {
    /// Keys the README promises in the `--json` summary, with their JSON types.
    enum Kind { case string, number, integer, bool }
    static let summaryKeys: [(String, Kind)] = [
        ("model", .string), ("dtype", .string), ("optimizer", .string), ("learning_rate", .number),
        ("batch_size", .integer), ("epochs", .number), ("iterations", .integer), ("train_loss", .number),
        ("train_accuracy", .number), ("test_accuracy", .number), ("seconds", .number),
        ("examples_per_second", .number), ("seed", .integer), ("with_replacement", .bool), ("threads", .integer),
        ("interrupted", .bool),
    ]

    static func checkTypes(_ summary: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) {
        for (key, kind) in summaryKeys {
            guard let value = summary[key] else {
                Issue.record("summary has no \"\(key)\": \(summary)", sourceLocation: sourceLocation)
                continue
            }
            let ok: Bool
            switch kind {
            case .string: ok = value is String
            case .number: ok = CLIHarness.number(value)?.isFinite == true
            case .integer: ok = CLIHarness.integer(value) != nil
            case .bool: ok = CLIHarness.isBool(value)
            }
            #expect(ok, "summary \"\(key)\" should be a JSON \(kind): \(value) (\(type(of: value)))",
                    sourceLocation: sourceLocation)
        }
        for key in ["train_accuracy", "test_accuracy"] {
            if let a = CLIHarness.number(summary[key]) {
                #expect(a >= 0 && a <= 1, "\(key) = \(a) is not in [0, 1]", sourceLocation: sourceLocation)
            }
        }
        for key in ["seconds", "examples_per_second", "train_loss"] {
            if let a = CLIHarness.number(summary[key]) {
                #expect(a >= 0, "\(key) = \(a) is negative", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func jsonSummaryIsOneObjectWithTheDocumentedKeys() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("json") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            let result = try CLIHarness.runOK(["train", "--data", data, "--iterations", "30", "--seed", "5", "--json", "--quiet"])
            guard let summary = CLIHarness.jsonObject(result) else { return }
            Self.checkTypes(summary)
            #expect(summary["model"] as? String == "two-layer")
            #expect(summary["dtype"] as? String == "float32")
            #expect(summary["optimizer"] as? String == "sgd")
            #expect(CLIHarness.number(summary["learning_rate"]) == 0.1)
            #expect(CLIHarness.integer(summary["batch_size"]) == 100)
            #expect(CLIHarness.integer(summary["iterations"]) == 30)
            // 200 training examples in batches of 100: 2 iterations per epoch.
            #expect(CLIHarness.number(summary["epochs"]) == 15)
            #expect(CLIHarness.integer(summary["seed"]) == 5)
            #expect(summary["interrupted"] as? Bool == false)
            #expect(result.stderr.isEmpty, "--quiet must leave stderr empty: \(result)")
        }
    }

    /// The same on the synthetic spiral, with other flags, so the summary reflects them.
    @Test func jsonSummaryReflectsTheFlags() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["train", "--data", "synthetic", "--model", "mlp", "--hidden", "8,6",
                                           "--optimizer", "adam", "--batch-size", "50", "--epochs", "2",
                                           "--dtype", "float64", "--seed", "9", "--threads", "1", "--json", "--quiet"])
        guard let summary = CLIHarness.jsonObject(result) else { return }
        Self.checkTypes(summary)
        #expect(summary["model"] as? String == "mlp")
        #expect(summary["dtype"] as? String == "float64")
        #expect(summary["optimizer"] as? String == "adam")
        #expect(CLIHarness.number(summary["learning_rate"]) == 0.001, "Adam's book default")
        #expect(CLIHarness.integer(summary["batch_size"]) == 50)
        // The spiral has 900 training points: 18 batches of 50 per epoch.
        #expect(CLIHarness.integer(summary["iterations"]) == 36)
        #expect(CLIHarness.number(summary["epochs"]) == 2)
        #expect(CLIHarness.integer(summary["seed"]) == 9)
        #expect(CLIHarness.integer(summary["threads"]) == 1)
        #expect(summary["with_replacement"] as? Bool == false)
        #expect(result.stderr.isEmpty, "--quiet must leave stderr empty: \(result)")
    }

    /// `--with-replacement`: the book's batches; reported in the summary, seeded (same run twice), and
    /// other batches than the shuffled run's.
    @Test func withReplacementIsSeededAndReported() throws {
        guard CLIHarness.requireExecutable() else { return }
        let flags = ["train", "--data", "synthetic", "--iterations", "30", "--seed", "2", "--json", "--quiet"]
        let a = try CLIHarness.runOK(flags + ["--with-replacement"]), b = try CLIHarness.runOK(flags + ["--with-replacement"])
        let shuffled = try CLIHarness.runOK(flags)
        guard let sa = CLIHarness.jsonObject(a), let sb = CLIHarness.jsonObject(b), let ss = CLIHarness.jsonObject(shuffled) else { return }
        #expect(sa["with_replacement"] as? Bool == true && ss["with_replacement"] as? Bool == false)
        #expect(CLIHarness.number(sa["train_loss"]) == CLIHarness.number(sb["train_loss"]))
        #expect(CLIHarness.number(sa["train_loss"]) != CLIHarness.number(ss["train_loss"]))
    }

    /// Without `--quiet` and with stderr a file: a header and one plain line per epoch on stderr (no
    /// progress bar, no carriage returns or escape sequences); stdout still only the JSON object.
    @Test func perEpochLinesOnANonTerminalStderr() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("progress") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            let result = try CLIHarness.runOK(["train", "--data", data, "--iterations", "10", "--json"])
            guard let summary = CLIHarness.jsonObject(result) else { return }
            #expect(CLIHarness.integer(summary["iterations"]) == 10)
            let epochLines = result.stderrLines.filter { $0.hasPrefix("epoch") }
            #expect(epochLines.count == 5, "10 iterations of 2 per epoch should print 5 epoch lines: \(result)")
            #expect(epochLines.last?.contains("10") == true, "\(result)")
            #expect(!result.stderr.contains("\r") && !result.stderr.contains("\u{1B}"),
                    "no progress bar when stderr is not a terminal: \(result)")
            #expect(!result.stdout.contains("train acc"), "progress must not go to stdout: \(result)")
        }
    }

    /// Without `--json`: the summary is one line on stdout.
    @Test func plainSummaryIsOneLine() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["train", "--data", "synthetic", "--iterations", "12", "--quiet"])
        #expect(result.stdout.hasPrefix("done: 12 iterations"), "\(result)")
        #expect(result.stdout.split(separator: "\n").count == 1, "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
    }

    /// Same seed, same run (bit for bit in the reported numbers); another seed, another run.
    @Test func sameSeedSameNumbersOtherSeedOtherNumbers() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("seed") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            func summary(seed: Int) throws -> [String: Any]? {
                let result = try CLIHarness.runOK(["train", "--data", data, "--iterations", "30", "--seed", String(seed),
                                                   "--json", "--quiet"])
                return CLIHarness.jsonObject(result)
            }
            guard let a = try summary(seed: 5), let b = try summary(seed: 5), let c = try summary(seed: 6) else { return }
            for key in ["train_loss", "train_accuracy", "test_accuracy", "epochs", "iterations"] {
                let x = CLIHarness.number(a[key]), y = CLIHarness.number(b[key])
                #expect(x != nil && x == y, "seed 5 twice: \(key) \(String(describing: x)) vs \(String(describing: y))")
            }
            let lossA = CLIHarness.number(a["train_loss"]), lossC = CLIHarness.number(c["train_loss"])
            #expect(lossA != lossC, "seeds 5 and 6 gave the same train_loss \(String(describing: lossA))")
            #expect(CLIHarness.integer(c["seed"]) == 6)
        }
    }
}
