import Backprop
import Foundation
import Testing

/// `backprop graph` draws the checkpoints `backprop convert` makes of the book's own pickles.
@Suite("Interop: backprop graph of the book's weights")
struct GraphOfBookWeightsTests {
    static func path(_ directory: String, _ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    @Test("ch07 and ch08 converted: the layer chains with the book's shapes, as SVG and DOT")
    func convolutionalNets() throws {
        guard let ch07 = InteropFixtures.bookFile("ch07_params.pkl"),
              let ch08 = InteropFixtures.bookFile("ch08_deep_convnet_params.pkl") else { return }
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (pickle, name, expected) in [
            (ch07, "ch07", ["x → Conv1 (N, 1, 28, 28)", "W1 → Conv1 W1 (30, 1, 5, 5)", "W2 → Affine1 W2 (4320, 100)"]),
            (ch08, "ch08", ["Conv4 → Relu4 (N, 32, 16, 16)", "W7 → Affine1 W7 (1024, 50)", "Dropout2 → SoftmaxWithLoss (N, 10)"]),
        ] {
            let checkpoint = Self.path(directory, "\(name).safetensors")
            let converted = try #require(try InteropFixtures.backprop(["convert", pickle, checkpoint]))
            #expect(converted.status == 0, "\(converted.stderr)")
            for out in [Self.path(directory, "\(name).svg"), Self.path(directory, "\(name).dot")] {
                let drawn = try #require(try InteropFixtures.backprop(["graph", "--checkpoint", checkpoint, "--out", out]))
                #expect(drawn.status == 0 && drawn.stderr.isEmpty, "\(drawn.stderr)")
                // The columns' padding aside.
                let rows = drawn.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
                for text in expected { #expect(rows.contains { $0.hasPrefix(text) }, "\(name): no \(text) in\n\(drawn.stdout)") }
                #expect(FileManager.default.fileExists(atPath: out))
            }
        }
    }

    @Test("ch03's sigmoid net with a batch of Fashion-MNIST: activation statistics and gradient norms on every edge")
    func sigmoidNetWithABatch() throws {
        guard let ch03 = InteropFixtures.bookFile("ch03_sample_weight.pkl") else { return }
        guard FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist") else {
            Issue.record("Fashion-MNIST is needed for this check (scripts/setup.sh installs dataset-fashion-mnist)")
            return
        }
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let checkpoint = Self.path(directory, "ch03.safetensors")
        let converted = try #require(try InteropFixtures.backprop(["convert", ch03, checkpoint, "--activation", "sigmoid"]))
        #expect(converted.status == 0, "\(converted.stderr)")
        let svg = Self.path(directory, "ch03.svg")
        let drawn = try #require(try InteropFixtures.backprop(["graph", "--checkpoint", checkpoint, "--sample", "10",
                                                               "--data", "/usr/share/datasets/fashion-mnist", "--out", svg]))
        #expect(drawn.status == 0, "\(drawn.stderr)")
        let lines = drawn.stdout.split(separator: "\n")
        for (edge, shape) in [("Affine1 → Sigmoid1", "(10, 50), mean"), ("Sigmoid2 → Affine3", "(10, 100), mean"),
                              ("W1 → Affine1", "W1 (784, 50)")] {
            #expect(lines.contains { $0.hasPrefix(edge) && $0.contains(shape) && $0.contains("‖") }, "\(edge): \(drawn.stdout)")
        }
    }
}
