import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// The one training configuration: validated once with every problem named by its flag, Codable, and
/// the model registry's defaults equal to the book's.
struct TrainingConfigurationTests {
    @Test func everyProblemIsNamedByItsFlag() {
        let configuration = TrainingConfiguration(model: .twoLayer, hiddenSizes: [50, 0], weightInit: .standardDeviation(-1),
                                                  learningRate: -0.5, batchSize: 0, epochs: 0, iterations: 0,
                                                  weightDecay: -1, dropout: 1.5, invertedDropout: false, threads: 0, trainLimit: 0)
        let problems = configuration.problems()
        for flag in ["--batch-size", "--epochs", "--iterations", "--threads", "--train-limit", "--learning-rate",
                     "--hidden", "--weight-init", "--weight-decay", "--dropout"] {
            #expect(problems.contains { $0.hasPrefix(flag) }, "no problem names \(flag): \(problems)")
        }
        #expect(problems.contains("give --epochs or --iterations, not both"))
        // The architecture's own refusals, once each, naming the model.
        #expect(problems.contains("--model two-layer: a two-layer net has exactly one hidden layer, got 2"))
        #expect(problems.contains("--model two-layer: a two-layer net has a ReLU hidden layer without batch norm or dropout"))
        #expect(problems.count == 13, "\(problems)")
        #expect(throws: TrainingConfigurationError(problems: problems)) { try configuration.validated() }
        #expect(TrainingConfigurationError(problems: ["a", "b"]).description == "a; b")
    }

    @Test func invertedDropoutNeedsDropoutExceptOnDeepCNN() {
        #expect(TrainingConfiguration(model: .mlp, invertedDropout: true).problems()
                == ["--inverted-dropout needs dropout: give --dropout R (deep-cnn has it already)"])
        #expect(TrainingConfiguration(model: .mlp, dropout: 0.2, invertedDropout: true).problems().isEmpty)
        let deep = TrainingConfiguration(model: .deepCNN, invertedDropout: true)
        #expect(deep.problems().isEmpty)
        #expect(deep.spec().invertedDropout == true && deep.spec().dropoutRatio == 0.5)
    }

    @Test func theBookRunIsValid() throws {
        for model in NetworkSpec.Kind.allCases {
            #expect(TrainingConfiguration(model: model).problems().isEmpty, "\(model)")
        }
        // The data decide what fits: 2×2 images are too small for deep-cnn.
        #expect(TrainingConfiguration(model: .deepCNN).problems(inputSize: 4, classes: 10)
                == ["--model deep-cnn: images of 2×2 are too small for deep-cnn"])
    }

    @Test func codableRoundTrip() throws {
        let configuration = TrainingConfiguration(model: .mlp, hiddenSizes: [100, 50], activation: .sigmoid,
                                                  weightInit: .standardDeviation(0.05), optimizer: .momentum, learningRate: 0.02,
                                                  batchSize: 64, epochs: 4, weightDecay: 1e-4, batchNorm: true, dropout: 0.3,
                                                  withReplacement: true, invertedDropout: true, seed: .max, dtype: .float64,
                                                  threads: 3, data: "/data/mnist", trainLimit: 1000)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(configuration)
        #expect(try JSONDecoder().decode(TrainingConfiguration.self, from: data) == configuration)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""weightInit":"0.05""#) && text.contains(#""model":"mlp""#), "\(text)")
        #expect(text.contains(#""dtype":"float64""#), "\(text)")
        let defaults = TrainingConfiguration()
        #expect(try JSONDecoder().decode(TrainingConfiguration.self, from: encoder.encode(defaults)) == defaults)
    }

    @Test func optionsFollowTheModelAndClampTheBatch() throws {
        let sgd = try TrainingConfiguration(model: .twoLayer, batchSize: 100, epochs: 2, seed: 4).options(trainingCount: 250)
        #expect(sgd == TrainingOptions(optimizer: .sgd, learningRate: 0.1, batchSize: 100, iterations: 6, seed: 4))
        let adam = try TrainingConfiguration(model: .cnn, batchSize: 500).options(trainingCount: 200)
        #expect(adam.optimizer == .adam && adam.learningRate == nil && adam.effectiveLearningRate == 0.001)
        #expect(adam.batchSize == 200 && adam.iterations == 10_000)
        #expect(throws: TrainingConfigurationError.self) {
            try TrainingConfiguration(epochs: .max).options(trainingCount: 60_000)
        }
    }
}

/// `NetworkSpec.Kind`, the one model registry, holds the book's defaults.
struct ModelRegistryTests {
    @Test func twoLayerIsCh05() {
        let kind = NetworkSpec.Kind.twoLayer
        #expect(kind.rawValue == "two-layer" && kind.defaultHiddenSizes == [50])
        #expect(kind.defaultOptimizer == .sgd && kind.defaultLearningRate(for: .sgd) == 0.1)
        #expect(kind.defaultWeightInit(activation: .relu) == .standardDeviation(0.01) && kind.defaultDropout == nil)
    }

    @Test func mlpIsCh06() {
        let kind = NetworkSpec.Kind.mlp
        #expect(kind.defaultHiddenSizes == [100, 100] && kind.defaultOptimizer == .sgd)
        #expect(kind.defaultWeightInit(activation: .relu) == .he && kind.defaultWeightInit(activation: .sigmoid) == .xavier)
        #expect(kind.defaultLearningRate(for: .adam) == nil && kind.defaultLearningRate(for: .sgd) == 0.1)
    }

    @Test func convolutionalNetsAreCh07AndCh08() {
        let cnn = NetworkSpec.Kind.cnn, deep = NetworkSpec.Kind.deepCNN
        #expect(cnn.defaultHiddenSizes == [100] && cnn.defaultOptimizer == .adam)
        #expect(TrainingConfiguration(model: .cnn).options(trainingCountOrNil: 100)?.effectiveLearningRate == 0.001)
        #expect(cnn.defaultWeightInit(activation: .relu) == .standardDeviation(0.01) && cnn.defaultDropout == nil)
        #expect(deep.defaultHiddenSizes == [50] && deep.defaultOptimizer == .adam)
        #expect(deep.defaultWeightInit(activation: .relu) == .he && deep.defaultDropout == 0.5)
        #expect(NetworkSpec.Kind.allCases.map(\.rawValue) == ["two-layer", "mlp", "cnn", "deep-cnn"])
        #expect(NetworkSpec.Kind.allCases.filter(\.isConvolutional) == [.cnn, .deepCNN])
    }

    /// The registry's spec is the book's network: parameter counts of §5.7 and §7.5.
    @Test func defaultSpecsHaveTheBookSizes() {
        #expect(Network<Float>(spec: NetworkSpec.Kind.twoLayer.defaultSpec()).parameterCount == 39_760)
        #expect(Network<Float>(spec: NetworkSpec.Kind.cnn.defaultSpec()).parameterCount == 433_890)
        #expect(Network<Float>(spec: NetworkSpec.Kind.deepCNN.defaultSpec()).parameterCount == 123_552)
        #expect(TrainingConfiguration(model: .mlp).spec() == NetworkSpec.Kind.mlp.defaultSpec())
    }
}

private extension TrainingConfiguration {
    func options(trainingCountOrNil count: Int) -> TrainingOptions? { try? options(trainingCount: count) }
}
