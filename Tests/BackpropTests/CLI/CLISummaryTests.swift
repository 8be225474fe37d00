import Backprop
import Foundation
import Testing

/// `backprop summary`: train's flags or a checkpoint; the table, `--json`, and refusals in one line.
struct CLISummaryTests {
    @Test func cnnFromTrainsFlagsAsJSON() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["summary", "--model", "cnn", "--batch-size", "32", "--json"])
        let object = try #require(CLIHarness.jsonObject(result))
        #expect(CLIHarness.integer(object["total_parameters"]) == 433_890)
        #expect(CLIHarness.integer(object["total_flops"]) == 1_730_000)
        #expect(CLIHarness.integer(object["batch_size"]) == 32)
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.first?["layer"] as? String == "Convolution")
        #expect(CLIHarness.integer(rows.first?["parameters"]) == 780)
        #expect((rows.first?["output_shape"] as? [Any])?.compactMap(CLIHarness.integer) == [30, 24, 24])
        let memory = try #require(object["memory"] as? [String: Any])
        #expect(CLIHarness.integer(memory["total"]) == 4 * 433_890 * 4 + 39_874 * 32 * 4)
    }

    @Test func theTableOfACheckpoint() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("summary") { scratch in
            let data = CLIHarness.join(scratch, "data"), checkpoint = CLIHarness.join(scratch, "c.safetensors")
            try CLIHarness.writeTinyDataset(at: data)
            try CLIHarness.runOK(["train", "--data", data, "--iterations", "2", "--batch-size", "20", "--hidden", "30",
                                  "--checkpoint", checkpoint, "--quiet"])
            let table = try CLIHarness.runOK(["summary", "--checkpoint", checkpoint]).stdout
            #expect(table.contains("Affine") && table.contains("23,550") && table.contains("Total params: 23,860"), "\(table)")
            #expect(table.contains("batch 20") && table.contains("sgd"), "\(table)")
            let refused = try CLIHarness.run(["summary", "--checkpoint", checkpoint, "--model", "cnn"])
            CLIHarness.expectFailure(refused, status: 64, oneLine: true, mentions: ["--checkpoint", "--model"])
            let missing = try CLIHarness.run(["summary", "--checkpoint", CLIHarness.join(scratch, "none.safetensors")])
            CLIHarness.expectFailure(missing, status: 65, oneLine: true, mentions: ["none.safetensors"])
        }
    }

    @Test func badFlagsAreOneLine() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["summary", "--model", "two-layer", "--hidden", "50,50"])
        CLIHarness.expectFailure(result, status: 64, oneLine: true, mentions: ["--model two-layer"])
        let huge = try CLIHarness.run(["summary", "--hidden", "100000000"])
        CLIHarness.expectFailure(huge, status: 64, oneLine: true, mentions: ["--max-parameters"])
    }
}
