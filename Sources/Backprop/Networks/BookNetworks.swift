extension Network {
    /// Builds the network a spec describes (see `NetworkSpec.makeLayers`), ending in SoftmaxWithLoss.
    /// Stops if the spec has problems; check `spec.problems` first for outside input.
    public convenience init(spec: NetworkSpec, seed: UInt64 = 0) {
        self.init(layers: spec.makeLayers(seed: seed), lossLayer: SoftmaxWithLoss<Scalar>(),
                  weightDecay: spec.weightDecay)
        self.spec = spec
    }
}

/// §5.7.2 TwoLayerNet: Affine(W1, b1) → ReLU → Affine(W2, b2) → SoftmaxWithLoss, weights
/// `weightInitStd · N(0, 1)` and zero biases, as `ch05/two_layer_net.py`.
///
///     let net = TwoLayerNet<Float>(inputSize: 784, hiddenSize: 50, outputSize: 10)
public final class TwoLayerNet<Scalar: TensorScalar>: Network<Scalar> {
    public init(inputSize: Int, hiddenSize: Int, outputSize: Int, weightInitStd: Double = 0.01, seed: UInt64 = 0) {
        let spec = NetworkSpec(kind: .twoLayer, inputSize: inputSize, hiddenSizes: [hiddenSize],
                               outputSize: outputSize, weightInit: "\(weightInitStd)")
        super.init(layers: spec.makeLayers(seed: seed), lossLayer: SoftmaxWithLoss<Scalar>())
        self.spec = spec
    }
}

/// §6 MultiLayerNet (`common/multi_layer_net.py`): fully connected, (Affine → activation) per hidden
/// layer → Affine → SoftmaxWithLoss, with the book's weight initialisation ('relu'/'he' √(2/n),
/// 'sigmoid'/'xavier' √(1/n), or a fixed std) and L2 weight decay λ.
public final class MultiLayerNet<Scalar: TensorScalar>: Network<Scalar> {
    public init(inputSize: Int, hiddenSizes: [Int], outputSize: Int, activation: Activation = .relu,
                weightInit: WeightInitializer = .he, weightDecay: Double = 0, seed: UInt64 = 0) {
        let spec = NetworkSpec(kind: .mlp, inputSize: inputSize, hiddenSizes: hiddenSizes, outputSize: outputSize,
                               activation: activation, weightInit: weightInit.specText, weightDecay: weightDecay)
        super.init(layers: spec.makeLayers(seed: seed), lossLayer: SoftmaxWithLoss<Scalar>(), weightDecay: weightDecay)
        self.spec = spec
    }
}

/// §6.3–6.4 MultiLayerNetExtend (`common/multi_layer_net_extend.py`): MultiLayerNet with optional
/// BatchNormalization after each hidden Affine and Dropout after each hidden activation.
public final class MultiLayerNetExtend<Scalar: TensorScalar>: Network<Scalar> {
    public init(inputSize: Int, hiddenSizes: [Int], outputSize: Int, activation: Activation = .relu,
                weightInit: WeightInitializer = .he, weightDecay: Double = 0, useDropout: Bool = false,
                dropoutRatio: Double = 0.5, useBatchNorm: Bool = false, seed: UInt64 = 0) {
        let spec = NetworkSpec(kind: .mlp, inputSize: inputSize, hiddenSizes: hiddenSizes, outputSize: outputSize,
                               activation: activation, weightInit: weightInit.specText, weightDecay: weightDecay,
                               batchNorm: useBatchNorm, dropoutRatio: useDropout ? dropoutRatio : nil)
        super.init(layers: spec.makeLayers(seed: seed), lossLayer: SoftmaxWithLoss<Scalar>(), weightDecay: weightDecay)
        self.spec = spec
    }
}

extension WeightInitializer {
    /// The text form `NetworkSpec.weightInit` stores.
    var specText: String {
        switch self {
        case .he: "he"
        case .xavier: "xavier"
        case .standardDeviation(let s): "\(s)"
        }
    }
}
