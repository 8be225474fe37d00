import Backprop
import Foundation

// Your own data, as plain [Float] arrays: 400 points in [-1, 1]², class 1 where x·y > 0 (XOR-like).
var rng = SeededGenerator(seed: 42)
let points: [[Float]] = (0..<400).map { _ in [.random(in: -1...1, using: &rng), .random(in: -1...1, using: &rng)] }
let x = Tensor<Float>(points)                                    // (400, 2)
let t = Tensor<Float>(points.map { $0[0] * $0[1] > 0 ? 1 : 0 })  // (400,): class indices

// A network from layers: Affine → ReLU → Affine → ReLU → Affine → softmax with cross-entropy loss.
func makeNetwork(seed: UInt64) -> Network<Float> {
    var rng = SeededGenerator(seed: seed)
    func affine(_ inputs: Int, _ outputs: Int) -> Affine<Float> {   // He initialisation (§6.2.3)
        Affine(weight: WeightInitializer.he.weights(shape: [inputs, outputs], fanIn: inputs, using: &rng), bias: .zeros([outputs]))
    }
    return Network(layers: [affine(2, 16), Relu(), affine(16, 16), Relu(), affine(16, 2)], lossLayer: SoftmaxWithLoss())
}

// Train: forward and backward over the whole set, then one Adam step (§6.1.6).
let network = makeNetwork(seed: 1)
let optimizer = Adam<Float>(learningRate: 0.01)
for step in 1...300 {
    let loss = network.gradient(x, t)            // fills every parameter's gradient
    optimizer.update(network.parameters)
    if step % 100 == 0 { print("step \(step): loss \(loss), accuracy \(network.accuracy(x, t))") }
}

// Save the weights, load them into a fresh network of the same layers, and predict.
let path = FileManager.default.temporaryDirectory.appendingPathComponent("custom-network-\(getpid()).safetensors").path
try network.saveWeights(to: path)
let loaded = makeNetwork(seed: 2)
try loaded.loadWeights(from: path)
try FileManager.default.removeItem(atPath: path)
print("classes of (0.5, 0.5) and (-0.5, 0.5):", loaded.predict(Tensor([[0.5, 0.5], [-0.5, 0.5]])).argmax(axis: 1).scalars)
print("predictions equal:", loaded.predict(x) == network.predict(x))
