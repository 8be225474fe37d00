import ArgumentParser
import Backprop
import Foundation

/// `backprop predict`: classifies image files with a trained checkpoint.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Classify images (PGM P2/P5, PNG or JPEG) with a checkpoint: class and top-3 probabilities.",
        discussion: """
        Images are read as the network was trained: grayscale for MNIST-style checkpoints (colour converted \
        by luma, alpha composited over black), or with the channels of the image folder it was trained on; \
        scaled to the network's input size (28×28 for MNIST-style checkpoints) and normalised to [0, 1]. \
        MNIST and Fashion-MNIST images are light objects on a black background; invert other images first.
        """
    )

    @Option(help: "The checkpoint (safetensors) written by `backprop train --checkpoint`.")
    var checkpoint: String

    @Argument(help: "Image files (PGM, PNG or JPEG).")
    var images: [String]

    @Flag(help: "Print one JSON object per line: {\"file\", \"class\", \"top3\": [[class, probability], …]}.")
    var json = false

    func validate() throws {
        if images.isEmpty { throw ValidationError("give at least one image file") }
    }

    func run() throws {
        try reportingErrors {
            let saved = try Checkpoint.read(path: checkpoint)
            if saved.dtype == "float64" { try predict(Double.self, saved) } else { try predict(Float.self, saved) }
        }
    }

    private func predict<Scalar: TensorScalar>(_: Scalar.Type, _ saved: CheckpointContents) throws {
        let network: Network<Scalar> = try saved.makeNetwork()
        let shape = try imageShape(saved)
        var names: [String]?
        if let text = saved.file.metadata["class_names"] {
            names = try? JSONDecoder().decode([String].self, from: Data(text.utf8))
        }
        for path in images {
            let set = try readImage(path, shape: shape)
            let x: Tensor<Scalar> = set.images([0], flatten: !saved.spec.kind.isConvolutional)
            let probabilities = softmax(network.predict(x)).scalars.map(Double.init)
            let top = probabilities.indices.sorted { probabilities[$0] > probabilities[$1] }.prefix(3)
            func label(_ k: Int) -> String {
                if let names, k < names.count { return "\(k) (\(names[k]))" }
                return "\(k)"
            }
            if json {
                let best = top.first ?? 0
                print(try jsonLine(PredictionJSON(file: path, class: best, className: names.flatMap { best < $0.count ? $0[best] : nil },
                                                  top3: top.map { PredictionJSON.Choice(index: $0, probability: probabilities[$0]) })))
            } else {
                let rest = top.map { String(format: "%@ %.3f", label($0), probabilities[$0]) }.joined(separator: ", ")
                print("\(path): \(label(top.first!))   top 3: \(rest)")
            }
        }
    }
}

/// One line of `backprop predict --json`: the image file, its most likely class (and the class's name
/// when the checkpoint has them), and the top 3 as [class, probability] pairs.
struct PredictionJSON: Encodable {
    /// A class and its probability, written as a pair `[3, 0.92]`.
    struct Choice: Encodable {
        var index: Int
        var probability: Double

        func encode(to encoder: any Encoder) throws {
            var pair = encoder.unkeyedContainer()
            try pair.encode(index)
            try pair.encode(probability)
        }
    }

    var file: String
    var `class`: Int
    var className: String?
    var top3: [Choice]

    enum CodingKeys: String, CodingKey {
        case file, `class`, top3
        case className = "class_name"
    }
}
