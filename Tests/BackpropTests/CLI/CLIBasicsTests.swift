import Backprop
import Foundation
import Testing

/// `backprop --version`, `--help`, `example`, `bench`: the commands that need no data.
struct CLIBasicsTests {
    @Test func executableIsBuiltNextToTheTestBundle() {
        // Fails with a clear message (rather than skipping) when SwiftPM did not build the tool.
        #expect(CLIHarness.requireExecutable())
        #expect(CLIHarness.executableURL.lastPathComponent == "backprop")
    }

    @Test func versionPrintsTheLibraryVersion() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["--version"])
        #expect(result.stdout == backpropVersion + "\n", "\(result)")
        let parts = backpropVersion.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil }, "version \(backpropVersion) is not N.N.N")
    }

    @Test func helpListsEverySubcommand() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["--help"])
        let lines = result.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        for name in ["train", "evaluate", "predict", "convert", "gradcheck", "filters", "example", "graph", "book", "bench", "summary"] {
            // A subcommand line: the name, then spaces and its abstract (or nothing).
            #expect(lines.contains { $0 == name || $0.hasPrefix(name + " ") }, "--help does not list \(name): \(result)")
        }
        #expect(result.stdout.contains("--version"), "\(result)")
    }

    /// Every training flag the README lists is in `backprop train --help`.
    @Test func trainHelpListsTheDocumentedFlags() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["train", "--help"])
        let flags = ["--model", "--hidden", "--activation", "--weight-init", "--optimizer", "--learning-rate",
                     "--batch-size", "--epochs", "--iterations", "--weight-decay", "--batch-norm", "--dropout",
                     "--seed", "--dtype", "--threads", "--data", "--train-limit", "--checkpoint", "--resume",
                     "--metrics", "--plot", "--json", "--quiet", "--lr-schedule", "--warmup", "--augment"]
        for flag in flags {
            #expect(result.stdout.contains(flag + " ") || result.stdout.contains(flag + "\n"),
                    "train --help does not list \(flag)")
        }
    }

    @Test func exampleBuyAppleMatchesTheBook() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["example", "buy-apple"])
        #expect(result.stdout == "price: 220\ndApple: 2.2\ndApple_num: 110\ndTax: 200\n", "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
    }

    @Test func exampleBuyAppleOrangeMatchesTheBook() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["example", "buy-apple-orange"])
        #expect(result.stdout == "price: 715\ndApple: 2.2\ndApple_num: 110\ndOrange: 3.3000000000000003\ndOrange_num: 165\ndTax: 650\n",
                "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
    }

    @Test func unknownExampleIsAUsageError() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["example", "buy-banana"])
        CLIHarness.expectFailure(result, status: 64, oneLine: false, mentions: ["buy-banana"])
        #expect(result.stdout.isEmpty, "\(result)")
    }

    @Test func unknownSubcommandIsAUsageError() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["fly"])
        CLIHarness.expectFailure(result, status: 64, oneLine: false)
        #expect(result.stdout.isEmpty, "\(result)")
    }

    /// A very small `bench tensor --json`: one JSON value on stdout whose rows have finite, positive figures.
    @Test func benchTensorJSONOnTinyWorkloads() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["bench", "tensor", "--matrix-size", "16", "--elements", "1000",
                                           "--repeats", "1", "--json"])
        let text = result.stdout.trimmingCharacters(in: .newlines)
        #expect(!text.contains("\n"), "bench --json printed more than one line: \(result)")
        let parsed = CLIHarness.parseJSON(text)
        guard let rows = parsed as? [[String: Any]], !rows.isEmpty else {
            Issue.record("bench tensor --json is not an array of objects: \(result)")
            return
        }
        for row in rows {
            #expect(row["name"] is String, "row without a name: \(row)")
            let seconds = CLIHarness.number(row["seconds"])
            #expect(seconds.map { $0.isFinite && $0 >= 0 } == true, "bad seconds in \(row)")
        }
    }

    /// `bench model --model two-layer --json`: one JSON object with the figures the issue names.
    @Test func benchModelJSONContract() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["bench", "model", "--model", "two-layer", "--dtype", "float64", "--threads", "1",
                                           "--iterations", "3", "--warmup", "1", "--data", "random", "--json"])
        let text = result.stdout.trimmingCharacters(in: .newlines)
        #expect(!text.contains("\n"), "bench model --json printed more than one line: \(result)")
        guard let object = CLIHarness.parseJSON(text) as? [String: Any] else {
            Issue.record("bench model --json is not one object: \(result)")
            return
        }
        #expect(object["model"] as? String == "two-layer" && object["dtype"] as? String == "float64", "\(object)")
        #expect(CLIHarness.number(object["threads"]) == 1 && CLIHarness.number(object["iterations"]) == 3, "\(object)")
        #expect(CLIHarness.number(object["gemm_mflop_per_step"]) == 15.98, "\(object)")
        #expect(object["data"] as? String == "random pixels", "\(object)")
        for key in ["ms_per_step_median", "ms_per_step_min", "gflops", "examples_per_second", "gemm_peak_gflops", "peak_ratio"] {
            #expect(CLIHarness.number(object[key]).map { $0 > 0 && $0.isFinite } == true, "\(key) in \(object)")
        }
        #expect(CLIHarness.number(object["ms_per_step_min"])! <= CLIHarness.number(object["ms_per_step_median"])!)
    }

    /// `bench model --scaling`: the 1-thread median timed in the same run, and the speed-up it gives.
    @Test func benchModelScaling() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["bench", "model", "--model", "cnn", "--threads", "2", "--batch-size", "8",
                                           "--iterations", "6", "--warmup", "1", "--data", "random", "--scaling", "--json"],
                                          timeout: 120)   // it times a 512² product and both thread counts: slow in debug on a busy machine
        guard let object = CLIHarness.parseJSON(result.stdout) as? [String: Any],
              let many = CLIHarness.number(object["ms_per_step_median"]),
              let one = CLIHarness.number(object["ms_per_step_median_1_thread"]),
              let speedup = CLIHarness.number(object["speedup_over_1_thread"]) else {
            Issue.record("bench model --scaling --json lacks the 1-thread figures: \(result)")
            return
        }
        #expect(CLIHarness.number(object["threads"]) == 2, "\(object)")
        #expect(one > 0 && many > 0 && abs(speedup - one / many) < 1e-9 * speedup, "\(object)")
        // The reference product timed between the blocks: a ratio of two positive medians.
        let reference = CLIHarness.number(object["reference_gemm_speedup_over_1_thread"])
        #expect(reference.map { $0 > 0 && $0.isFinite } == true, "\(object)")
        let text = try CLIHarness.runOK(["bench", "model", "--model", "two-layer", "--threads", "2", "--iterations", "4",
                                         "--warmup", "1", "--data", "random", "--scaling"])
        #expect(text.stdout.contains("1 thread, alternating in the same run:"), "\(text)")
        #expect(text.stdout.contains("a 512² matrix product between the blocks:"), "\(text)")
        // Without --scaling there is no 1-thread figure of either kind.
        let plain = try CLIHarness.runOK(["bench", "model", "--model", "two-layer", "--threads", "2", "--iterations", "2",
                                          "--warmup", "1", "--data", "random", "--json"])
        let plainObject = CLIHarness.parseJSON(plain.stdout) as? [String: Any]
        #expect(plainObject != nil && plainObject?["reference_gemm_speedup_over_1_thread"] == nil
                && plainObject?["speedup_over_1_thread"] == nil, "\(plain)")
    }

    @Test func benchModelRejectsBadFlags() throws {
        guard CLIHarness.requireExecutable() else { return }
        for arguments in [["--iterations", "0"], ["--model", "resnet"], ["--threads", "0"], ["--batch-size", "0"],
                          ["--threads", "1", "--scaling"]] {
            let result = try CLIHarness.run(["bench", "model"] + arguments)
            CLIHarness.expectFailure(result, status: 64, oneLine: false)
        }
        let missing = try CLIHarness.run(["bench", "model", "--model", "two-layer", "--data", "/nonexistent/backprop-data"])
        CLIHarness.expectFailure(missing, status: 65, oneLine: true)
        #expect(missing.stderr.contains("/nonexistent/backprop-data"), "\(missing)")
    }

    @Test func benchRejectsNonPositiveSizes() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["bench", "tensor", "--matrix-size", "0"])
        CLIHarness.expectFailure(result, status: 64, oneLine: false)
    }
}
