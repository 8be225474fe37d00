/// The hidden-layer activation of a multi-layer network.
public enum Activation: String, Codable, CaseIterable, Sendable {
    case relu, sigmoid
}

/// Everything needed to rebuild one of the book's networks: its architecture and initial-weight
/// recipe. Saved in checkpoints so that a checkpoint alone says which network it holds.
public struct NetworkSpec: Codable, Sendable, Equatable {
    /// Which of the registry's networks (two-layer, mlp, cnn, deep-cnn).
    public var kind: Kind
    /// Features per example (784 for a 28×28 image; C·H·W for images).
    public var inputSize: Int
    /// Hidden Affine sizes (two-layer: one; mlp: one per hidden layer; cnn/deep-cnn: the Affine after the convolutions).
    public var hiddenSizes: [Int]
    /// Classes (the last Affine's outputs).
    public var outputSize: Int
    /// The hidden activation of mlp (relu or sigmoid); the other kinds use ReLU.
    public var activation: Activation
    /// How the initial weights are drawn (saved as "he", "xavier" or a standard deviation such as "0.01";
    /// checkpoints that say "relu" or "sigmoid" read as He and Xavier).
    public var weightInit: WeightInitializer
    /// λ of L2 weight decay.
    public var weightDecay: Double
    /// Batch normalization after each hidden Affine (mlp).
    public var batchNorm: Bool
    /// Dropout after each hidden activation with this ratio; nil for none.
    public var dropoutRatio: Double?
    /// PyTorch's inverted dropout (scale by 1/(1 − ratio) in training) instead of the book's (scale by
    /// 1 − ratio in inference); nil or false for the book's. Saved specs without it mean the book's.
    public var invertedDropout: Bool?
    /// (channels, height, width) of an input image for convolutional kinds; nil means one channel,
    /// square, from `inputSize` (28×28 for 784).
    public var inputShape: [Int]?
    /// Regression: one output trained with `MeanSquaredErrorLoss` instead of classes with
    /// `SoftmaxWithLoss`; nil or false for classification (all saved specs before it).
    public var regression: Bool?

    /// The image shape a convolutional network takes (see `inputShape`).
    public var imageShape: [Int] {
        if let inputShape { return inputShape }
        let side = Int(Double(inputSize).squareRoot().rounded())
        return [1, side, side]
    }

    /// A spec of these parts; `problems` says whether `kind` can be built from them.
    public init(kind: Kind, inputSize: Int, hiddenSizes: [Int], outputSize: Int, activation: Activation = .relu,
                weightInit: WeightInitializer = .he, weightDecay: Double = 0, batchNorm: Bool = false,
                dropoutRatio: Double? = nil, inputShape: [Int]? = nil, invertedDropout: Bool? = nil) {
        self.kind = kind
        self.inputSize = inputSize
        self.hiddenSizes = hiddenSizes
        self.outputSize = outputSize
        self.activation = activation
        self.weightInit = weightInit
        self.weightDecay = weightDecay
        self.batchNorm = batchNorm
        self.dropoutRatio = dropoutRatio
        self.inputShape = inputShape
        self.invertedDropout = invertedDropout
    }

    /// Problems that make the spec unbuildable, as one message each (empty when valid).
    public var problems: [String] {
        var result: [String] = []
        if inputSize < 1 { result.append("input size must be at least 1, got \(inputSize)") }
        if outputSize < 1 { result.append("output size must be at least 1, got \(outputSize)") }
        if hiddenSizes.isEmpty { result.append("at least one hidden layer is needed") }
        if let bad = hiddenSizes.first(where: { $0 < 1 }) { result.append("hidden sizes must be at least 1, got \(bad)") }
        if kind == .twoLayer && hiddenSizes.count != 1 {
            result.append("a two-layer net has exactly one hidden layer, got \(hiddenSizes.count)")
        }
        if kind == .twoLayer && (batchNorm || dropoutRatio != nil || activation != .relu) {
            result.append("a two-layer net has a ReLU hidden layer without batch norm or dropout")
        }
        if kind.isConvolutional {
            let shape = imageShape
            if shape.count != 3 || shape.contains(where: { $0 < 1 }) || shape.reduce(1, *) != inputSize {
                let got = inputShape.map { "\($0)" } ?? "\(inputSize) inputs"
                result.append("a convolutional net needs square one-channel images or an input shape (C, H, W) of \(inputSize) values, "
                              + "got \(got)")
            } else if ConvNetLayout.featureShape(kind, input: shape) == nil {
                result.append("images of \(shape[1])×\(shape[2]) are too small for \(kind.rawValue)")
            }
            if hiddenSizes.count != 1 { result.append("\(kind.rawValue) has one hidden Affine layer, got \(hiddenSizes.count)") }
            if batchNorm || activation != .relu {
                result.append("\(kind.rawValue) uses ReLU without batch norm")
            }
        } else if inputShape != nil {
            result.append("an input shape applies to convolutional nets only")
        }
        if regression == true && outputSize != 1 { result.append("a regression network has one output, got \(outputSize)") }
        if case .standardDeviation(let sigma) = weightInit, !(sigma >= 0 && sigma.isFinite) {
            result.append("weight init must be he, xavier or a standard deviation ≥ 0, got \(sigma)")
        }
        if !(weightDecay >= 0 && weightDecay.isFinite) { result.append("weight decay must be ≥ 0, got \(weightDecay)") }
        if let r = dropoutRatio, !(r >= 0 && r < 1) { result.append("dropout ratio must be in [0, 1), got \(r)") }
        return result
    }

    /// The name and shape of every tensor a network built from this spec saves: parameters in network
    /// order (W1, b1, gamma1, beta1, …) followed by batch-norm running statistics (running_mean1, …).
    public var tensorShapes: [(name: String, shape: [Int])] {
        if kind.isConvolutional { return ConvNetLayout.parameterShapes(self, input: imageShape) }
        let sizes = [inputSize] + hiddenSizes + [outputSize]
        var result: [(name: String, shape: [Int])] = []
        var running: [(name: String, shape: [Int])] = []
        for i in 1..<sizes.count {
            result.append(("W\(i)", [sizes[i - 1], sizes[i]]))
            result.append(("b\(i)", [sizes[i]]))
            if batchNorm && i < sizes.count - 1 {
                result.append(("gamma\(i)", [sizes[i]]))
                result.append(("beta\(i)", [sizes[i]]))
                running.append(("running_mean\(i)", [sizes[i]]))
                running.append(("running_var\(i)", [sizes[i]]))
            }
        }
        return result + running
    }

    /// The layers this spec describes, with weights drawn from `seed` in the book's order (W1, W2, …;
    /// weights (in, out) ~ N(0, σ²) with σ from the initializer and fan-in `in`, biases 0).
    /// Stops if the spec has problems (check `problems` first for outside input).
    func makeLayers<Scalar: TensorScalar>(seed: UInt64) -> [any Layer<Scalar>] {
        precondition(problems.isEmpty, "NetworkSpec: \(problems.joined(separator: "; "))")
        let initializer = weightInit
        var rng = SeededGenerator(seed: seed)
        if kind.isConvolutional {
            return ConvNetLayout.makeLayers(self, input: imageShape, initializer: initializer, seed: seed, rng: &rng)
        }
        let sizes = [inputSize] + hiddenSizes + [outputSize]
        var layers: [any Layer<Scalar>] = []
        for i in 1..<sizes.count {
            let affine = Affine<Scalar>(
                weight: initializer.weights(shape: [sizes[i - 1], sizes[i]], fanIn: sizes[i - 1], using: &rng),
                bias: .zeros([sizes[i]]))
            affine.weight.name = "W\(i)"
            affine.bias.name = "b\(i)"
            layers.append(affine)
            guard i < sizes.count - 1 else { break }
            if batchNorm {
                let bn = BatchNormalization<Scalar>(featureCount: sizes[i])
                bn.gamma.name = "gamma\(i)"
                bn.beta.name = "beta\(i)"
                layers.append(bn)
            }
            switch activation {
            case .relu: layers.append(Relu<Scalar>())
            case .sigmoid: layers.append(Sigmoid<Scalar>())
            }
            if let ratio = dropoutRatio {
                layers.append(Dropout<Scalar>(ratio: ratio, seed: seed &+ UInt64(i), inverted: invertedDropout ?? false))
            }
        }
        return layers
    }
}
