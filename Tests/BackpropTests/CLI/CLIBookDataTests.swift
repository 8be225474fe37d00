import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// `backprop book half-float --json` and the one-line error of a bad `--checkpoint`.
struct CLIBookDataTests {
    @Test func halfFloatJSON() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["book", "half-float", "--quick", "--data", "synthetic", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["experiment"] as? String == "half-float" && object["section"] as? String == "§8.3.4")
        let results = try #require(object["results"] as? [String: Any])
        for key in ["accuracy", "half_accuracy", "count", "changed_values", "parameter_count", "dtype", "network"] {
            #expect(results[key] != nil, "missing \(key)")
        }
        #expect(results["dtype"] as? String == "float32")
        #expect(results["count"] as? Int == 60)
    }

    @Test func missingCheckpointIsOneLine() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["book", "misclassified", "--quick", "--data", "synthetic",
                                         "--checkpoint", "/nonexistent/n.safetensors"])
        #expect(result.status == 65, "\(result)")
        #expect(result.stderrLines.count == 1 && result.stderr.contains("/nonexistent/n.safetensors"), "\(result)")
    }
}
