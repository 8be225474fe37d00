import Backprop
import Foundation

/// §3.6.2 Inference with the book's sample weights (`ch03/neuralnet_mnist.py` and
/// `neuralnet_mnist_batch.py`): `sample_weight.pkl` (read by `Conversion.load`, without Python) is a
/// 784-50-100-10 sigmoid network; `predict` is the book's three `np.dot(x, W) + b` with sigmoid between
/// and softmax last, in float32 like the pickle. Accuracy over the test images, classified one by one
/// and then in batches of 100, with the time of each. (The book reports 0.9352 on MNIST; on
/// Fashion-MNIST, the default data here, MNIST's weights score near chance, but the speed-up holds.)
public struct Chapter3InferenceExperiment: BookExperiment {
    public let name = "ch03-inference"
    public let section = "§3.6.2"
    public let figure: String? = nil
    public let summary = "accuracy of the book's ch03 sample_weight.pkl (--checkpoint), one by one vs batches of 100"

    /// The experiment; the weights file comes from the context's `checkpoint` (`--checkpoint`).
    public init() {}

    /// The book's `predict(network, x)`: x (n, 784) → probabilities (n, 10).
    public static func predict(_ network: [String: Tensor<Float>], _ x: Tensor<Float>) -> Tensor<Float> {
        let (W1, W2, W3) = (network["W1"]!, network["W2"]!, network["W3"]!)
        let (b1, b2, b3) = (network["b1"]!, network["b2"]!, network["b3"]!)
        let a1 = x.matmul(W1) + b1
        let z1 = a1.applying(.sigmoid)
        let a2 = z1.matmul(W2) + b2
        let z2 = a2.applying(.sigmoid)
        let a3 = z2.matmul(W3) + b3
        return softmax(a3)
    }

    /// The book's `init_network()`: W1…W3 and b1…b3 from `path` (a .pkl, .npz, .npy or .safetensors),
    /// checked to chain 784 → … → 10. Throws `PickleError`/`InteropError`/`CheckpointError` for an
    /// unreadable file and `BookError.badWeights` for arrays that are not such a network.
    public static func initNetwork(path: String) throws -> [String: Tensor<Float>] {
        let stored = try Conversion.load(path: path).tensors
        var network: [String: Tensor<Float>] = [:]
        for name in ["W1", "b1", "W2", "b2", "W3", "b3"] {
            guard let tensor = stored[name] else {
                throw BookError.badWeights(path: path, reason: "no array \(name) (the book's sample_weight.pkl has W1, b1, W2, b2, W3, b3)")
            }
            network[name] = try tensor.tensor(as: Float.self, name: name, path: path)
        }
        var inputs = 784
        for k in 1...3 {
            let (w, b) = (network["W\(k)"]!, network["b\(k)"]!)
            guard w.rank == 2, w.shape[0] == inputs, b.shape == [w.shape[1]], k < 3 || w.shape[1] == 10 else {
                throw BookError.badWeights(path: path,
                                           reason: "W\(k) \(w.shape) and b\(k) \(b.shape) do not continue a 784 → … → 10 network")
            }
            inputs = w.shape[1]
        }
        return network
    }

    public func run(_ context: BookContext) throws -> BookReport {
        guard let path = context.checkpoint else {
            throw BookError.missingInput(experiment: name, what: "give the book's weights with --checkpoint FILE "
                                             + "(its ch03/sample_weight.pkl, or a converted .safetensors)")
        }
        let network = try Self.initNetwork(path: path)
        let images = try context.images()
        let count = Swift.min(images.test.count, context.size(book: images.test.count, quick: 200))
        let x: Tensor<Float> = images.test.inputs(Array(0..<count), flatten: true)
        let t = (0..<count).map { images.test.label(at: $0) }
        let clock = ContinuousClock()

        var oneByOne = 0
        let oneByOneTime = clock.measure {
            for i in 0..<count where Self.predict(network, x.rows(i..<(i + 1))).argmax() == t[i] { oneByOne += 1 }
        }
        let batchSize = 100
        var batched = 0
        let batchedTime = clock.measure {
            for start in stride(from: 0, to: count, by: batchSize) {
                let end = Swift.min(count, start + batchSize)
                let p = Self.predict(network, x.rows(start..<end)).argmax(axis: 1)
                for (k, guess) in p.scalars.enumerated() where guess == t[start + k] { batched += 1 }
            }
        }
        let (a, b) = (oneByOneTime.bookSeconds, batchedTime.bookSeconds)
        let accuracy = Double(oneByOne) / Double(count)
        return BookReport(lines: [
            "\(URL(fileURLWithPath: path).lastPathComponent): 784-50-100-10, sigmoid, float32; \(count) \(images.title) test images",
            "Accuracy:\(accuracy)   (one by one, \(BookFormat.duration(a)))",
            "Accuracy:\(Double(batched) / Double(count))   (batches of \(batchSize), \(BookFormat.duration(b)): "
                + String(format: "%.1f", a / b) + "× faster)",
            images.title == "MNIST" ? "(the book: Accuracy:0.9352 on MNIST)"
                : "(the book reports 0.9352 on MNIST; these are MNIST's weights on \(images.title))",
        ], values: ["accuracy": .number(accuracy), "accuracy_batched": .number(Double(batched) / Double(count)),
                    "images": .integer(count), "seconds_one_by_one": .number(a), "seconds_batched": .number(b),
                    "speedup": .number(a / b), "data": .string(images.title)])
    }
}

extension BookCatalog {
    /// `all` plus the experiments that read the book's own weight files through `BackpropInterop`
    /// (`ch03-inference`), in the book's order: what `backprop book list` shows.
    public static var withBookWeights: [any BookExperiment] { inBookOrder(all + [Chapter3InferenceExperiment()]) }
}

extension Duration {
    /// The duration in seconds.
    var bookSeconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) * 1e-18
    }
}
