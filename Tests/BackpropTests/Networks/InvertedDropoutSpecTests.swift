import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// `NetworkSpec.invertedDropout` (`train --inverted-dropout`): the networks' Dropout layers take
/// PyTorch's semantics; specs saved without the field keep the book's.
struct InvertedDropoutSpecTests {
    @Test func deepConvNetDropoutsFollowTheSpec() throws {
        var spec = NetworkSpec(kind: .deepCNN, inputSize: 784, hiddenSizes: [50], outputSize: 10, dropoutRatio: 0.5)
        let book = Network<Float>(spec: spec, seed: 0).layers.compactMap { $0 as? Dropout<Float> }
        #expect(book.count == 2 && book.allSatisfy { !$0.inverted })
        spec.invertedDropout = true
        let inverted = Network<Float>(spec: spec, seed: 0).layers.compactMap { $0 as? Dropout<Float> }
        #expect(inverted.count == 2 && inverted.allSatisfy { $0.inverted && $0.ratio == 0.5 })
        let mlp = NetworkSpec(kind: .mlp, inputSize: 4, hiddenSizes: [3, 3], outputSize: 2, dropoutRatio: 0.2,
                              invertedDropout: true)
        let mlpDropouts = Network<Double>(spec: mlp, seed: 0).layers.compactMap { $0 as? Dropout<Double> }
        #expect(mlpDropouts.count == 2 && mlpDropouts.allSatisfy { $0.inverted })
    }

    @Test func specsWithoutTheFieldDecodeAsTheBooks() throws {
        let spec = NetworkSpec(kind: .mlp, inputSize: 4, hiddenSizes: [3], outputSize: 2, dropoutRatio: 0.5, invertedDropout: true)
        var object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(spec)) as? [String: Any])
        #expect(object["invertedDropout"] as? Bool == true)
        object["invertedDropout"] = nil
        let old = try JSONDecoder().decode(NetworkSpec.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.invertedDropout == nil)
        #expect(Network<Float>(spec: old, seed: 0).layers.compactMap { $0 as? Dropout<Float> }.allSatisfy { !$0.inverted })
    }

    @Test func cliNeedsDropoutForInvertedDropout() throws {
        guard CLIHarness.requireExecutable() else { return }
        let bad = try CLIHarness.run(["train", "--data", "synthetic", "--model", "mlp", "--inverted-dropout", "--iterations", "2"])
        CLIHarness.expectFailure(bad, status: 64, oneLine: false, mentions: ["--inverted-dropout"])
        let good = try CLIHarness.runOK(["train", "--data", "synthetic", "--model", "mlp", "--hidden", "8", "--dropout", "0.3",
                                         "--inverted-dropout", "--iterations", "5", "--json", "--quiet"])
        #expect(CLIHarness.integer(CLIHarness.jsonObject(good)?["iterations"]) == 5)
    }
}
