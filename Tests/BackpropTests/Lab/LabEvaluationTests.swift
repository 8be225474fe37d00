import Backprop
import BackpropLab
import Foundation
import Testing

/// The Training view's evaluation at an epoch's end: the confusion matrix and the misclassified test
/// examples the lab sends are the library's `evaluate` and `Misclassified` on the same network.
@Suite("Lab evaluation", .serialized)
struct LabEvaluationTests {
    @Test("at the end of epoch 2 the matrix sums to the 300 test points and equals evaluate's on the saved network")
    func confusionAtEpochEnd() async throws {
        let lab = try await LabHarness(training: true, iterations: 18)   // 9 batches per epoch: ends on an evaluation
        defer { Task { await lab.stop() } }
        #expect(try await lab.request("/api/train").body["evaluation"] == nil)   // nothing evaluated yet
        #expect(try await lab.request("/api/train/start", method: "POST").status == 200)
        var snapshot = try await lab.request("/api/train").body
        for _ in 0..<500 where snapshot["state"] as? String != "finished" {
            try await Task.sleep(nanoseconds: 20_000_000)
            snapshot = try await lab.request("/api/train").body
        }
        let evaluation = try #require(snapshot["evaluation"] as? [String: Any])
        #expect(evaluation["iteration"] as? Int == 18)
        let confusion = try #require(evaluation["confusion"] as? [[Int]])
        #expect(confusion.count == 3 && confusion.allSatisfy { $0.count == 3 })
        #expect(confusion.joined().reduce(0, +) == 300)
        #expect(evaluation["count"] as? Int == 300)
        #expect(try await lab.request("/api/train/save", method: "POST").status == 200)
        let saved = try Checkpoint.read(path: NSTemporaryDirectory() + "lab-test.safetensors")
        #expect(saved.training?.iteration == 18)
        let network: Network<Float> = try saved.makeNetwork()
        let test = SpiralDataset(pointsPerClass: 100, classes: 3, seed: 1)
        let expected = evaluate(network, on: test, flatten: true, confusion: true)
        #expect(confusion == expected.confusion)
        #expect((evaluation["accuracy"] as? Double).map { abs($0 - expected.accuracy) < 1e-12 } == true)
        let correct = (0..<3).map { confusion[$0][$0] }.reduce(0, +)
        #expect(correct < 300)   // after two epochs the spiral is not yet learned: there are mistakes to show
        let mistakes = try #require(evaluation["misclassified"] as? [[String: Int]])
        let wanted = Misclassified(limit: 20).run(network, on: test, flatten: true).examples
        #expect(mistakes.count == min(20, 300 - correct))
        #expect(mistakes.map { [$0["index"], $0["label"], $0["guess"]] } == wanted.map { [$0.index, $0.label, $0.guess] })
        #expect(evaluation["misclassifiedSVG"] == nil)   // the spiral's points are not images
    }
}
