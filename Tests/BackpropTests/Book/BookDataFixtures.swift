import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Shared data for the data experiments' tests (Book/): Fashion-MNIST, loaded once, when installed.
enum BookDataFixtures {
    static let path = DatasetDirectory.defaultPath

    /// Fashion-MNIST from /usr/share/datasets/fashion-mnist, nil when it is not installed.
    static let fashion: DatasetDirectory? = try? DatasetDirectory(path: path)

    static var fashionPresent: Bool { fashion != nil }

    /// Runs `body` with a fresh directory under the system temporary directory, removed afterwards.
    static func withScratchDirectory<T>(_ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("backprop-bookdata-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    /// A TwoLayerNet (784-30-10) trained briefly on the first 1000 Fashion-MNIST images and saved as a
    /// checkpoint at `path`: about 75 % test accuracy, so it gets plenty wrong.
    static func trainedCheckpoint(_ data: DatasetDirectory, at path: String, dtype: Double.Type) throws {
        let network = TwoLayerNet<Double>(inputSize: 784, hiddenSize: 30, outputSize: 10, seed: 3)
        try train(network, data, path)
    }

    static func trainedCheckpoint(_ data: DatasetDirectory, at path: String) throws {
        let network = TwoLayerNet<Float>(inputSize: 784, hiddenSize: 30, outputSize: 10, seed: 3)
        try train(network, data, path)
    }

    private static func train<Scalar: TensorScalar>(_ network: Network<Scalar>, _ data: DatasetDirectory, _ path: String) throws {
        let train = data.train.prefix(1000)
        let trainer = Trainer(network: network, optimizer: SGD<Scalar>(learningRate: 0.1),
                              options: TrainingOptions(batchSize: 100, iterations: 100, seed: 3), train: train, test: train)
        for _ in 0..<100 { trainer.step() }
        try Checkpoint.save(network, to: path)
    }
}
