import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// `misclassified` and `half-float` (§8.1.1, §8.3.4) on a TwoLayerNet checkpoint trained briefly on
/// Fashion-MNIST (about 70 % accurate, so it gets plenty wrong), checked against an independent forward
/// pass written out from the checkpoint's tensors; their errors on bad checkpoints; `--json`.
struct BookCheckpointExperimentTests {
    /// The TwoLayerNet's class for each image, computed from the safetensors tensors with plain loops:
    /// argmax(relu(x·W1 + b1)·W2 + b2).
    static func independentGuesses(_ path: String, _ set: any LabeledDataset) throws -> [Int] {
        let file = try SafetensorsFile.read(path: path)
        func tensor(_ name: String) throws -> [Double] {
            try #require(file.tensors[name]).tensor(as: Double.self, name: name, path: path).scalars
        }
        let (w1, b1, w2, b2) = (try tensor("W1"), try tensor("b1"), try tensor("W2"), try tensor("b2"))
        let hidden = b1.count, classes = b2.count, inputs = w1.count / hidden
        let x: Tensor<Double> = set.inputs(Array(0..<set.count), flatten: true)
        return (0..<set.count).map { n in
            var h = b1
            for i in 0..<inputs {
                let v = x.scalars[n * inputs + i]
                if v != 0 { for j in 0..<hidden { h[j] += v * w1[i * hidden + j] } }
            }
            var y = b2
            for j in 0..<hidden where h[j] > 0 { for k in 0..<classes { y[k] += h[j] * w2[j * classes + k] } }
            return y.indices.max { y[$0] < y[$1] }!
        }
    }

    @Test(.enabled(if: BookDataFixtures.fashionPresent, "Fashion-MNIST not installed"))
    func misclassifiedImagesAreMisclassified() throws {
        let data = try #require(BookDataFixtures.fashion)
        try BookDataFixtures.withScratchDirectory { dir in
            let path = dir + "/net.safetensors"
            try BookDataFixtures.trainedCheckpoint(data, at: path)
            let test = DatasetSubset(data.test, first: 300)
            let result = Misclassified(limit: 20).run(try CheckpointNetwork(path: path, fitting: test), on: test)
            let guesses = try Self.independentGuesses(path, test)
            let wrong = (0..<test.count).filter { guesses[$0] != test.label(at: $0) }
            #expect(result.count == 300)
            #expect(abs(result.accuracy - Double(300 - wrong.count) / 300) < 1e-12, "accuracy \(result.accuracy)")
            #expect(result.accuracy > 0.5 && result.accuracy < 0.95)
            // Exactly the first 20 images the independent pass gets wrong, with its guesses.
            #expect(result.examples.map(\.index) == Array(wrong.prefix(20)))
            for e in result.examples {
                #expect(e.guess != e.label && e.label == test.label(at: e.index) && e.guess == guesses[e.index])
            }
            // Through the experiment: the grid is drawn with Fashion-MNIST's names.
            let context = BookContext(data: .directory(BookDataFixtures.path), checkpoint: path, scale: .quick)
            let report = try MisclassifiedExperiment().run(context)
            let svg = try #require(report.plot?.text)
            let first = result.examples[0]
            #expect(svg.contains("label: \(DataExperimentSupport.fashionClassNames[first.label])"))
            #expect(svg.contains("guess: \(DataExperimentSupport.fashionClassNames[first.guess])"))
            #expect(svg.contains("Fashion-MNIST"))
            #expect(report.values["misclassified"]?.array?.count == 20)
            #expect(report.lines.contains { $0.hasPrefix("{1: (\(first.label), \(first.guess)), 2: (") })
        }
    }

    @Test(.enabled(if: BookDataFixtures.fashionPresent, "Fashion-MNIST not installed"))
    func halfFloatRoundsTheWeightsAndKeepsTheAccuracy() throws {
        let data = try #require(BookDataFixtures.fashion)
        try BookDataFixtures.withScratchDirectory { dir in
            let path = dir + "/net64.safetensors"
            try BookDataFixtures.trainedCheckpoint(data, at: path, dtype: Double.self)
            let test = DatasetSubset(data.test, first: 500)
            let loaded = try CheckpointNetwork(path: path, fitting: test)
            guard case .float64(let network) = loaded else { Issue.record("a float64 checkpoint loads as float64"); return }
            let before = network.parameters.map(\.value)
            let result = HalfFloat().run(network, on: test, flatten: true)
            // float16 keeps 11 significant bits: a relative change of at most 2⁻¹¹ per value, almost no
            // decision flips. Bound: at most 1 % of the 500 images change class.
            #expect(abs(result.halfAccuracy - result.accuracy) <= 0.01, "\(result.accuracy) vs \(result.halfAccuracy)")
            #expect(result.largestRelativeChange > 0)
            #expect(result.parameterCount == 784 * 30 + 30 + 30 * 10 + 10)
            #expect(result.changedValues > result.parameterCount * 9 / 10, "\(result.changedValues) changed")
            for (p, old) in zip(network.parameters, before) {
                for (v, w) in zip(p.value.scalars, old.scalars) {
                    #expect(v == roundedToHalf(w))
                    // Half spacing: 2⁻¹⁰ of the binade for normal halves (|w| ≥ 2⁻¹⁴), 2⁻²⁴ below.
                    #expect(abs(v - w) <= (abs(w) >= 0x1p-14 ? abs(w) * 0x1p-11 : 0x1p-25), "\(w) → \(v)")
                    #if !(os(macOS) && arch(x86_64))
                    #expect(v == Double(Float16(w)), "\(p.name): \(w) → \(v)")
                    #endif
                }
            }
            // The accuracy before rounding is the library's evaluate.
            let fresh: Network<Double> = try Checkpoint.read(path: path).makeNetwork()
            #expect(result.accuracy == evaluate(fresh, on: test).accuracy)
        }
    }

    @Test func quickRunsWithoutACheckpoint() throws {
        let context = BookContext(seed: 0, data: .synthetic(count: 300), scale: .quick)
        let half = try HalfFloatExperiment().run(context)
        let accuracy = try #require(half.values["accuracy"]?.number), halfAccuracy = try #require(half.values["half_accuracy"]?.number)
        #expect(accuracy > 0.3 && abs(accuracy - halfAccuracy) <= 0.02, "\(accuracy) vs \(halfAccuracy)")
        #expect(half.lines[0].hasPrefix("no --checkpoint: the ch. 5 TwoLayerNet"))
        let misclassified = try MisclassifiedExperiment().run(context)
        let count = try #require(misclassified.values["count"]?.number)
        let wrong = try #require(misclassified.values["misclassified"]?.array)
        let acc = try #require(misclassified.values["accuracy"]?.number)
        #expect(wrong.count == Swift.min(20, Int((1 - acc) * count + 0.5)))
        #expect(misclassified.plot?.text.contains("label: ") == true || wrong.isEmpty)
    }

    @Test func badCheckpointsThrowNamingTheFile() throws {
        let images = SyntheticImages.make(count: 20, seed: 0)
        #expect(throws: CheckpointError.self) { _ = try CheckpointNetwork(path: "/nonexistent/x.safetensors", fitting: images) }
        try BookDataFixtures.withScratchDirectory { dir in
            let path = dir + "/spiral.safetensors"
            try Checkpoint.save(TwoLayerNet<Float>(inputSize: 2, hiddenSize: 5, outputSize: 3), to: path)
            do {
                _ = try CheckpointNetwork(path: path, fitting: images)
                Issue.record("a 2-input checkpoint fitted 784-pixel images")
            } catch let error as CheckpointError {
                #expect(error.description.contains(path) && error.description.contains("784"), "\(error)")
            }
            let context = BookContext(data: .synthetic(count: 20), checkpoint: path, scale: .quick)
            #expect(throws: CheckpointError.self) { _ = try HalfFloatExperiment().run(context) }
        }
    }

    @Test func imageGridCaptions() {
        let images = Tensor<Float>(shape: [3, 1, 2, 2], scalars: (0..<12).map(Float.init))
        let plain = FilterPlot.svg(weights: images, columns: 2, cellSize: 4, title: "t").text
        let captioned = FilterPlot.svg(weights: images, columns: 2, cellSize: 4, title: "t",
                                       captions: ["label: 1\nguess: 2", "a & b", "c"]).text
        #expect(!plain.contains("<text x=\"4\" y=\"4"))
        #expect(captioned.contains(">label: 1</text>") && captioned.contains(">guess: 2</text>") && captioned.contains(">a &amp; b</text>"))
        // Two rows of 8-pixel tiles: 30 + 2·(8 + 4) + 4 without captions, two 14-pixel lines more per row with.
        #expect(plain.contains("height=\"58.00\"") && captioned.contains("height=\"114.00\""))
        let xml = XMLSummary.parse(captioned)
        #expect(xml.error == nil)
        #expect(xml.labels() == ["t", "label: 1", "guess: 2", "a & b", "c"])
    }
}
