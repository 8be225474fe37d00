extension NetworkSpec {
    /// The book's networks: the one registry of model kinds. Each kind names itself on the command line
    /// (`rawValue`, e.g. `--model deep-cnn`) and in checkpoints, and carries the book's defaults for its
    /// run (hidden sizes, optimizer, learning rate, weight init, dropout) and how to build its spec.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// §5.7 TwoLayerNet: Affine → ReLU → Affine → SoftmaxWithLoss.
        case twoLayer = "two-layer"
        /// §6 MultiLayerNet / MultiLayerNetExtend: (Affine → [BatchNorm] → activation → [Dropout]) × k
        /// → Affine → SoftmaxWithLoss.
        case mlp
        /// §7.5 SimpleConvNet (see `ConvNetLayout`).
        case cnn
        /// §8.1 DeepConvNet (see `ConvNetLayout`).
        case deepCNN = "deep-cnn"

        /// Whether the network takes images (N, C, H, W) rather than rows (N, features).
        public var isConvolutional: Bool { self == .cnn || self == .deepCNN }

        /// The book's hidden sizes: 50 for two-layer (ch05), 100, 100 for mlp (ch06), the Affine layer's
        /// 100 for cnn (ch07) and 50 for deep-cnn (ch08).
        public var defaultHiddenSizes: [Int] {
            switch self {
            case .twoLayer, .deepCNN: [50]
            case .mlp: [100, 100]
            case .cnn: [100]
            }
        }

        /// The book's initial weights: N(0, 0.01²) for two-layer and cnn, He for deep-cnn, and for mlp He
        /// with ReLU or Xavier with sigmoid (§6.2).
        public func defaultWeightInit(activation: Activation) -> WeightInitializer {
            switch self {
            case .twoLayer, .cnn: .standardDeviation(0.01)
            case .mlp: activation == .relu ? .he : .xavier
            case .deepCNN: .he
            }
        }

        /// Dropout ratio when none is given: 0.5 for deep-cnn (ch08's DeepConvNet), none for the others.
        public var defaultDropout: Double? { self == .deepCNN ? 0.5 : nil }

        /// The spec of this kind with the book's defaults for the rest: `inputSize` features (784 for
        /// 28×28 images), `classes` outputs, ReLU, and the defaults above.
        public func defaultSpec(inputSize: Int = 784, classes: Int = 10) -> NetworkSpec {
            NetworkSpec(kind: self, inputSize: inputSize, hiddenSizes: defaultHiddenSizes, outputSize: classes,
                        activation: .relu, weightInit: defaultWeightInit(activation: .relu), dropoutRatio: defaultDropout)
        }
    }
}
