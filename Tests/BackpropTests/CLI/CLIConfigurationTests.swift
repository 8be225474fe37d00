import Backprop
import Foundation
import Testing

/// `backprop train`'s flags become one `TrainingConfiguration`: every bad flag is named in one line
/// (exit 64) before anything runs, and the checkpoint holds the configuration.
struct CLIConfigurationTests {
    @Test func everyBadFlagIsNamedInOneLine() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["train", "--data", "synthetic", "--batch-size", "0", "--threads", "0",
                                         "--learning-rate=-1", "--dropout", "2", "--model", "mlp", "--hidden", "100,x"])
        CLIHarness.expectFailure(result, status: 64, oneLine: true,
                                 mentions: ["--batch-size", "--threads", "--learning-rate", "--dropout", "--hidden"])
        #expect(result.stdout.isEmpty, "\(result)")
    }

    @Test func aBadWeightInitIsRefusedByTheParser() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["train", "--data", "synthetic", "--model", "mlp", "--weight-init", "wild"])
        CLIHarness.expectFailure(result, status: 64, oneLine: false, mentions: ["--weight-init", "wild"])
    }

    @Test func theCheckpointHoldsTheConfiguration() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("config") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data, train: 40, test: 10)
            let checkpoint = CLIHarness.join(scratch, "net.safetensors")
            _ = try CLIHarness.runOK(["train", "--data", data, "--model", "mlp", "--hidden", "20,10", "--weight-init", "sigmoid",
                                  "--iterations", "3", "--batch-size", "8", "--seed", "5", "--quiet", "--checkpoint", checkpoint])
            let saved = try Checkpoint.read(path: checkpoint)
            let expected = TrainingConfiguration(model: .mlp, hiddenSizes: [20, 10], weightInit: .xavier, batchSize: 8,
                                                 iterations: 3, seed: 5, data: data)
            #expect(saved.configuration == expected)
            #expect(saved.spec == expected.spec(inputSize: saved.spec.inputSize, classes: saved.spec.outputSize))
        }
    }
}
