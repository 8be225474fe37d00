import BackpropCharts
import BackpropCore
import BackpropTraining

/// The network the ch. 8 experiments evaluate: the context's checkpoint (`--checkpoint FILE`, a
/// Backprop safetensors file, e.g. from `backprop train --model deep-cnn --checkpoint FILE`), or
/// without one the ch. 5 TwoLayerNet trained on the spot — 784-50-10, SGD 0.1, 2000 batches of 100
/// (quick: 784-20-10, 100 batches of 100 from the first 300 images), weights and batches from the seed.
enum CheckpointExperimentSupport {
    static func network(_ context: BookContext, _ images: BookImages) throws -> (network: CheckpointNetwork, description: String) {
        if let path = context.checkpoint {
            let network = try CheckpointNetwork(path: path, fitting: images.test)
            return (network, "checkpoint \(path) (\(network.dtype))")
        }
        let hidden = context.size(book: 50, quick: 20), iterations = context.size(book: 2000, quick: 100)
        let train: any LabeledDataset = context.size(book: images.train, quick: DatasetSubset(images.train, first: 300))
        let network = TwoLayerNet<Float>(inputSize: train.inputSize, hiddenSize: hidden, outputSize: train.classes, seed: context.seed)
        let options = TrainingOptions(learningRate: 0.1, batchSize: 100, iterations: iterations, seed: context.seed,
                                      batchesWithReplacement: true)
        let trainer = Trainer(network: network, optimizer: SGD<Float>(learningRate: 0.1), options: options, train: train, test: train)
        for _ in 0..<iterations { trainer.step() }
        return (.float32(network), "no --checkpoint: the ch. 5 TwoLayerNet 784-\(hidden)-10 trained here on \(train.count) "
                + "training images (\(images.title)), SGD 0.1, \(iterations) batches of 100, seed \(context.seed)")
    }
}
