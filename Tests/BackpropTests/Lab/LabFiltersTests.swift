import Backprop
import BackpropLab
import Foundation
import Testing

/// A convolutional net in the lab: figure 7-24's first-layer filters change as it trains and are the
/// network's own weights drawn by `FilterPlot`; its misclassified test images are drawn as images.
@Suite("Lab filters", .serialized)
struct LabFiltersTests {
    /// A SimpleConvNet on 20 synthetic 28 × 28 images (one batch of 20: every step ends an epoch).
    static func convTraining(path: String) -> LabTraining {
        let configuration = TrainingConfiguration(model: .cnn, batchSize: 20, iterations: 2, data: "synthetic")
        let train = SyntheticImages.make(count: 20, seed: 0), test = SyntheticImages.make(count: 20, seed: 1)
        let options = try! configuration.options(trainingCount: train.count)
        let network = Network<Float>(spec: configuration.spec(inputSize: 784, classes: 10), seed: 0)
        let trainer = Trainer(network: network, optimizer: options.optimizer.make(learningRate: options.effectiveLearningRate),
                              options: options, train: train, test: test, flatten: false)
        return LabTraining(trainer: trainer, title: "cnn on synthetic images", checkpointPath: path) {
            try Checkpoint.save($0.network, trainer: $0, configuration: configuration, to: $1)
        }
    }

    static func filters(_ network: Network<Float>) -> String {
        FilterPlot.svg(weights: network.parameters[0].value, columns: 10, cellSize: 6, title: "first-layer filters").text
    }

    @Test("the filters before training are the seeded net's, after a step the saved net's, and they changed")
    func filtersChangeAsItTrains() async throws {
        let path = NSTemporaryDirectory() + "lab-filters-test.safetensors"
        let lab = try await LabHarness(job: Self.convTraining(path: path))
        defer { Task { await lab.stop() } }
        let configuration = TrainingConfiguration(model: .cnn)
        let initial = Network<Float>(spec: configuration.spec(inputSize: 784, classes: 10), seed: 0)
        let before = try #require(try await lab.request("/api/train").body["filtersSVG"] as? String)
        #expect(before == Self.filters(initial))
        #expect(before.components(separatedBy: "<rect").count - 1 > 30 * 25)   // 30 filters of 5 × 5 pixels (and frames)
        #expect(try await lab.request("/api/train/step", method: "POST").status == 200)
        var snapshot = try await lab.request("/api/train").body
        for _ in 0..<500 where snapshot["state"] as? String == "running" || snapshot["iteration"] as? Int != 1 {
            try await Task.sleep(nanoseconds: 20_000_000)
            snapshot = try await lab.request("/api/train").body
        }
        let after = try #require(snapshot["filtersSVG"] as? String)
        #expect(after != before)
        #expect(try await lab.request("/api/train/save", method: "POST").status == 200)
        let trained: Network<Float> = try Checkpoint.read(path: path).makeNetwork()
        #expect(after == Self.filters(trained))
        // One batch is one epoch: the step ended with an evaluation, its mistakes drawn as 28 × 28 images.
        let evaluation = try #require(snapshot["evaluation"] as? [String: Any])
        #expect(evaluation["iteration"] as? Int == 1)
        #expect((evaluation["confusion"] as? [[Int]])?.joined().reduce(0, +) == 20)
        let mistakes = try #require(evaluation["misclassified"] as? [[String: Int]])
        #expect(!mistakes.isEmpty && mistakes.count <= 20)
        let svg = try #require(evaluation["misclassifiedSVG"] as? String)
        #expect(svg.components(separatedBy: "guess: ").count - 1 == mistakes.count)
    }
}
