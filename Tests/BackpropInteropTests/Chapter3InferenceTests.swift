import Backprop
import BackpropInterop
import Foundation
import Testing

/// `book ch03-inference`: the book's sample_weight.pkl read through `Conversion.load`, the book's
/// predict, one by one and in batches.
struct Chapter3InferenceTests {
    @Test func oneByOneAndBatchedAgree() throws {
        guard let path = InteropFixtures.bookFile("ch03_sample_weight.pkl") else { return }
        let report = try Chapter3InferenceExperiment().run(
            BookContext(data: .synthetic(count: 500), checkpoint: path, scale: .quick))
        #expect(report.values["images"] == .integer(100))
        let accuracy = try #require(report.values["accuracy"]?.number)
        #expect(report.values["accuracy_batched"]?.number == accuracy)
        #expect(accuracy >= 0 && accuracy <= 1)
        #expect(report.lines[1].hasPrefix("Accuracy:"))
        #expect(try #require(report.values["speedup"]?.number) > 0)
    }

    @Test func predictGivesProbabilitiesFromTheBooksWeights() throws {
        guard let path = InteropFixtures.bookFile("ch03_sample_weight.pkl") else { return }
        let network = try Chapter3InferenceExperiment.initNetwork(path: path)
        #expect(network["W1"]?.shape == [784, 50] && network["W2"]?.shape == [50, 100] && network["W3"]?.shape == [100, 10])
        let x: Tensor<Float> = SyntheticImages.make(count: 4, seed: 0).inputs([0, 1, 2, 3], flatten: true)
        let y = Chapter3InferenceExperiment.predict(network, x)
        #expect(y.shape == [4, 10])
        for row in 0..<4 { #expect(Swift.abs(y.rows(row..<(row + 1)).sum() - 1) < 1e-5) }
    }

    @Test func withoutWeightsItSaysWhatToGive() {
        #expect(throws: BookError.self) {
            try Chapter3InferenceExperiment().run(BookContext(data: .synthetic(count: 10), scale: .quick))
        }
    }

    @Test func otherNetworksWeightsAreRefusedByName() throws {
        guard let path = InteropFixtures.bookFile("ch07_params.pkl") else { return }
        do {
            _ = try Chapter3InferenceExperiment.initNetwork(path: path)
            Issue.record("ch07's SimpleConvNet weights were taken for the ch03 network")
        } catch let error as BookError {
            #expect("\(error)".contains(path) && "\(error)".contains("W1"), "\(error)")
        }
    }

    @Test func listedByTheCatalog() {
        let names = BookCatalog.withBookWeights.map(\.name)
        #expect(names.contains("ch03-inference"))
        #expect(names.firstIndex(of: "ch03-inference")! < names.firstIndex(of: "numerical-diff")!)
        #expect(names.firstIndex(of: "activations")! < names.firstIndex(of: "ch03-inference")!)
    }
}
