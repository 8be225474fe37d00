import Backprop
import Foundation
import Testing

/// `backprop train --data file.csv --target COLUMN`: a classification with a known answer, evaluation with
/// the checkpoint's standardisation, and bad tables stopped with one line (exit 65).
@Suite struct CLITableTests {
    /// 600 rows of three features ~ N(50, 10²); the class is "low", "mid" or "high" by s = (x1 − 50) +
    /// 0.5 (x2 − 50) against ±5, x3 is noise. Written with the generator of `CLIHarness`.
    private func writeTable(_ path: String, rows: Int, seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        var text = "x1,x2,x3,kind\n"
        for _ in 0..<rows {
            let x = (0..<3).map { _ in 50 + 10 * rng.nextNormal() }
            let s = (x[0] - 50) + 0.5 * (x[1] - 50)
            text += x.map { String(format: "%.3f", $0) }.joined(separator: ",") + "," + (s < -5 ? "low" : s < 5 ? "mid" : "high") + "\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// The classes are linear in the features: an mlp separates them almost perfectly (measured 0.983 on the
    /// 60 held-out rows, and on a second file of 300 rows with --test).
    @Test func classifiesALinearRuleAndEvaluatesWithTheStoredScaling() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("csv") { root in
            let (train, other) = (CLIHarness.join(root, "train.csv"), CLIHarness.join(root, "other.csv"))
            let checkpoint = CLIHarness.join(root, "table.safetensors")
            try writeTable(train, rows: 600, seed: 1)
            try writeTable(other, rows: 300, seed: 2)
            let common = ["train", "--data", train, "--target", "kind", "--model", "mlp", "--epochs", "30", "--batch-size", "32",
                          "--json", "--quiet"]
            let split = try CLIHarness.runOK(common + ["--checkpoint", checkpoint])
            let accuracy = try #require(CLIHarness.number(CLIHarness.jsonObject(split)?["test_accuracy"]))
            #expect(accuracy >= 0.93, "\(split)")
            let evaluated = try CLIHarness.runOK(["evaluate", "--checkpoint", checkpoint, "--json"])
            #expect(CLIHarness.number(CLIHarness.jsonObject(evaluated)?["accuracy"]) == accuracy, "\(evaluated)")
            // Another file, standardised with the training rows' statistics: as good.
            let elsewhere = CLIHarness.jsonObject(try CLIHarness.runOK(["evaluate", "--checkpoint", checkpoint, "--data", other, "--json"]))
            #expect(CLIHarness.integer(elsewhere?["count"]) == 30 && (CLIHarness.number(elsewhere?["accuracy"]) ?? 0) >= 0.93,
                    "\(String(describing: elsewhere))")
            let withTest = try CLIHarness.runOK(common + ["--test", other])
            #expect((CLIHarness.number(CLIHarness.jsonObject(withTest)?["test_accuracy"]) ?? 0) >= 0.93, "\(withTest)")
        }
    }

    /// y = 100 + 20 a − 10 b + N(0, 2²) with a, b, c ~ N(0, 1): the noise limits R² to 500 / 504 = 0.992 and the
    /// RMSE to 2 (measured: two-layer, 40 epochs: RMSE 2.37, R² 0.989 on the 50 held-out rows).
    @Test func regressesALinearFunctionNearTheNoiseLimit() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("csv-regression") { root in
            var rng = SeededGenerator(seed: 3)
            var text = "a,b,c,y\n"
            for _ in 0..<500 {
                let (a, b, c) = (rng.nextNormal(), rng.nextNormal(), rng.nextNormal())
                text += String(format: "%.4f,%.4f,%.4f,%.4f\n", a, b, c, 100 + 20 * a - 10 * b + 2 * rng.nextNormal())
            }
            let (path, checkpoint) = (CLIHarness.join(root, "linear.csv"), CLIHarness.join(root, "linear.safetensors"))
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            let result = try CLIHarness.runOK(["train", "--data", path, "--target", "y", "--epochs", "40", "--batch-size", "32",
                                               "--checkpoint", checkpoint, "--json", "--quiet"])
            let json = CLIHarness.jsonObject(result)
            let (rmse, r2) = (try #require(CLIHarness.number(json?["rmse"])), try #require(CLIHarness.number(json?["r2"])))
            #expect(r2 >= 0.97 && r2 <= 1 && rmse >= 1 && rmse <= 3.5, "rmse \(rmse), r2 \(r2)")
            let evaluated = CLIHarness.jsonObject(try CLIHarness.runOK(["evaluate", "--checkpoint", checkpoint, "--json"]))
            #expect(CLIHarness.number(evaluated?["r2"]) == r2 && CLIHarness.number(evaluated?["rmse"]) == rmse)
        }
    }

    @Test func badTablesStopWithOneLine() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("csv-bad") { root in
            let checkpoint = CLIHarness.join(root, "never.safetensors")
            let cases: [(String, [String])] = [
                ("a,b,c\n1,2,x\n3,4,y\n5,6\n7,8,x\n", ["row 4", "2 cells"]),
                ("a,b,c\n1,2,x\n3,4,y\n5,six,x\n7,8,y\n", ["row 4", "column \"b\"", "\"six\" is not a number"]),
            ]
            for (k, (text, mentions)) in cases.enumerated() {
                let path = CLIHarness.join(root, "bad\(k).csv")
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
                let result = try CLIHarness.run(["train", "--data", path, "--target", "c", "--epochs", "1", "--checkpoint", checkpoint])
                CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [path] + mentions)
                #expect(!FileManager.default.fileExists(atPath: checkpoint))
            }
        }
    }
}
