import Backprop
import Foundation
import Testing

/// `backprop graph` end to end: the book's numbers on stdout and in the pictures, a network from flags,
/// from a checkpoint and with a real batch; one line and 64/65 for bad flags and bad files.
struct CLIGraphTests {
    @Test func buyAppleOrangePrintsTheBooksNumbersAndWritesAnSVG() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("graph-svg") { scratch in
            let svg = CLIHarness.join(scratch, "g.svg")
            let result = try CLIHarness.runOK(["graph", "buy-apple-orange", "--out", svg])
            let rows = result.stdout.split(separator: "\n")
                .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            for row in ["apple → × 100 2.2", "apple_num → × 2 110", "orange → × 150 3.3", "orange_num → × 3 165",
                        "+ → × 650 1.1", "tax → × 1.1 650", "× → price 715 1", "wrote \(svg)"] {
                #expect(rows.contains(row), "no line \(row): \(result)")
            }
            let text = try String(contentsOfFile: svg, encoding: .utf8)
            #expect(text.hasPrefix("<svg") && text.contains(">715</text>") && text.contains(">← 650</text>"))
            #expect(CLIHarness.contents(of: scratch) == ["g.svg"], "no temporary file left")
        }
    }

    @Test func flagsChangeTheNumbers() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["graph", "buy-apple", "--apple", "150", "--apple-count", "3", "--tax", "1.2"])
        #expect(result.stdout.contains("× → price      540      1"), "\(result)")
        let sigmoid = try CLIHarness.runOK(["graph", "sigmoid", "--x", "0"])
        #expect(sigmoid.stdout.contains("dout · y(1 − y) = 1 · 0.5 · 0.5 = 0.25"), "\(sigmoid)")
    }

    @Test func networkFromTrainFlagsAsDOT() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("graph-dot") { scratch in
            let dot = CLIHarness.join(scratch, "net.dot")
            let result = try CLIHarness.runOK(["graph", "--model", "mlp", "--hidden", "20,10", "--batch-norm", "--out", dot])
            #expect(result.stdout.hasPrefix("mlp 784-20-10-10 (seed 0)\n"), "\(result)")
            #expect(result.stdout.contains("BatchNorm1 → Relu1") && result.stdout.contains("gamma2 → BatchNorm2"), "\(result)")
            let text = try String(contentsOfFile: dot, encoding: .utf8)
            #expect(text.hasPrefix("digraph") && text.contains("Affine3"))
        }
    }

    @Test func checkpointWithASampleShowsStatisticsAndGradientNorms() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("graph-checkpoint") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data, train: 40, test: 10)
            let checkpoint = CLIHarness.join(scratch, "cnn.safetensors")
            try CLIHarness.runOK(["train", "--model", "cnn", "--hidden", "10", "--data", data, "--iterations", "1",
                                  "--batch-size", "4", "--quiet", "--checkpoint", checkpoint], timeout: 60)
            let svg = CLIHarness.join(scratch, "cnn.svg")
            let result = try CLIHarness.runOK(["graph", "--checkpoint", checkpoint, "--sample", "5", "--out", svg], timeout: 60)
            #expect(result.stdout.contains("x → Conv1"), "\(result)")
            #expect(result.stdout.contains("(5, 30, 24, 24), mean "), "\(result)")
            #expect(result.stdout.contains("‖∂L/∂W1‖ "), "\(result)")
            #expect(result.stdout.contains("SoftmaxWithLoss → L "), "\(result)")
            #expect((try? String(contentsOfFile: svg, encoding: .utf8))?.contains("‖∂L/∂W1‖") == true)
            let tooMany = try CLIHarness.run(["graph", "--checkpoint", checkpoint, "--sample", "41"])
            CLIHarness.expectFailure(tooMany, status: 64, oneLine: true, mentions: ["--sample 41", "40"])
        }
    }

    @Test(arguments: [
        (["graph", "buy-banana"], "buy-banana"),
        (["graph", "sigmoid", "--out", "g.png"], "g.png"),
        (["graph", "--sample=-3"], "--sample"),
        (["graph", "--sample", "0"], "--sample"),
        (["graph", "relu", "--apple", "1"], "--apple"),
        (["graph", "buy-apple", "--checkpoint", "x.safetensors"], "--checkpoint"),
        (["graph", "buy-apple", "--tax", "nan"], "--tax"),
        (["graph", "affine", "--batch", "0"], "--batch"),
        (["graph", "--model", "two-layer", "--hidden", "5,5"], "hidden"),
    ])
    func usageErrorsGiveOneLine(_ arguments: [String], _ mention: String) throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(arguments)
        CLIHarness.expectFailure(result, status: 64, oneLine: true, mentions: [mention])
        #expect(result.stdout.isEmpty, "\(result)")
    }

    @Test func badCheckpointsGiveOneLineAndStatus65() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("graph-bad") { scratch in
            let missing = CLIHarness.join(scratch, "missing.safetensors")
            CLIHarness.expectFailure(try CLIHarness.run(["graph", "--checkpoint", missing]), status: 65, oneLine: true, mentions: [missing])
            let notOne = CLIHarness.join(scratch, "notes.safetensors")
            try Data("these are not tensors".utf8).write(to: URL(fileURLWithPath: notOne))
            let out = CLIHarness.join(scratch, "g.svg")
            let result = try CLIHarness.run(["graph", "--checkpoint", notOne, "--out", out])
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [notOne])
            #expect(!FileManager.default.fileExists(atPath: out), "nothing is written")
        }
    }
}
