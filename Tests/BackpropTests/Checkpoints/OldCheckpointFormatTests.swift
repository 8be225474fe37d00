import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Checkpoints written before weight init was an enum and before the configuration was saved: their
/// spec holds `weightInit` as the text the flag gave ("relu", "sigmoid", "0.01", "1e-2"), and they have
/// no `configuration` entry. They must still load, with the same tensors.
struct OldCheckpointFormatTests {
    /// The spec JSON exactly as the old code wrote it (sorted keys, weightInit as free text).
    static func oldSpecJSON(kind: String, hidden: [Int], weightInit: String, dropout: Double? = nil) -> String {
        let ratio = dropout.map { #","dropoutRatio":\#($0)"# } ?? ""
        return #"{"activation":"relu","batchNorm":false"# + ratio + #","hiddenSizes":["#
            + hidden.map(String.init).joined(separator: ",")
            + #"],"inputSize":784,"kind":"\#(kind)","outputSize":10,"weightDecay":0,"weightInit":"\#(weightInit)"}"#
    }

    @Test(arguments: [("relu", WeightInitializer.he), ("sigmoid", .xavier), ("he", .he), ("Xavier", .xavier),
                      ("0.01", .standardDeviation(0.01)), ("1e-2", .standardDeviation(0.01))])
    func oldSpecTextStillLoads(_ text: String, expected: WeightInitializer) throws {
        try DataFixtures.withScratchDirectory("ckpt-old") { dir in
            let net = Network<Float>(spec: NetworkSpec(kind: .mlp, inputSize: 784, hiddenSizes: [20], outputSize: 10), seed: 5)
            let path = DataFixtures.join(dir, "new.safetensors")
            try Checkpoint.save(net, to: path)
            var file = try SafetensorsFile.read(path: path)
            #expect(file.metadata["configuration"] == nil, "no configuration was given to save")
            file.metadata["spec"] = Self.oldSpecJSON(kind: "mlp", hidden: [20], weightInit: text)
            let old = DataFixtures.join(dir, "old.safetensors")
            try file.write(to: old)

            let contents = try Checkpoint.read(path: old)
            #expect(contents.spec.weightInit == expected)
            #expect(contents.spec.hiddenSizes == [20] && contents.spec.kind == .mlp)
            #expect(contents.configuration == nil)
            let loaded: Network<Float> = try contents.makeNetwork()
            for (a, b) in zip(loaded.namedTensors, net.namedTensors) {
                #expect(a.0 == b.0 && a.1.scalars == b.1.scalars, "\(a.0)")
            }
        }
    }

    /// A deep-cnn spec as the old `train` wrote it (dropout 0.5, "he"), read back whole.
    @Test func oldDeepCNNSpecDecodes() throws {
        let json = Self.oldSpecJSON(kind: "deep-cnn", hidden: [50], weightInit: "he", dropout: 0.5)
        let spec = try JSONDecoder().decode(NetworkSpec.self, from: Data(json.utf8))
        #expect(spec == NetworkSpec.Kind.deepCNN.defaultSpec())
        #expect(spec.problems.isEmpty)
    }

    /// The spec still encodes weight init as the old text form, so old readers read new files too.
    @Test func weightInitEncodesAsText() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let spec = NetworkSpec.Kind.twoLayer.defaultSpec()
        let text = String(decoding: try encoder.encode(spec), as: UTF8.self)
        #expect(text.contains(#""weightInit":"0.01""#), "\(text)")
        let he = String(decoding: try encoder.encode(NetworkSpec.Kind.deepCNN.defaultSpec()), as: UTF8.self)
        #expect(he.contains(#""weightInit":"he""#), "\(he)")
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(NetworkSpec.self, from: Data(Self.oldSpecJSON(kind: "mlp", hidden: [2], weightInit: "wild").utf8))
        }
    }

    /// A checkpoint saved with a configuration gives it back; a garbled one is refused naming the key.
    @Test func configurationIsSavedAndChecked() throws {
        try DataFixtures.withScratchDirectory("ckpt-config") { dir in
            let configuration = TrainingConfiguration(model: .mlp, hiddenSizes: [20], weightInit: .xavier, optimizer: .adam,
                                                      batchSize: 32, epochs: 3, seed: 9, dtype: .float64, trainLimit: 500)
            let net = Network<Double>(spec: configuration.spec(), seed: 9)
            let path = DataFixtures.join(dir, "net.safetensors")
            try Checkpoint.save(net, configuration: configuration, to: path)
            #expect(try Checkpoint.read(path: path).configuration == configuration)
            var file = try SafetensorsFile.read(path: path)
            file.metadata["configuration"] = #"{"model":"resnet"}"#
            let bad = DataFixtures.join(dir, "bad.safetensors")
            try file.write(to: bad)
            DataFixtures.expectCheckpointError(path: bad, "configuration", matches: {
                if case .badMetadata(bad, "configuration", _) = $0 { true } else { false }
            }) { _ = try Checkpoint.read(path: bad) }
        }
    }
}
