extension Network {
    /// Builds the network a spec describes (see `NetworkSpec.makeLayers`), ending in SoftmaxWithLoss
    /// (MeanSquaredErrorLoss for a regression spec). Stops if the spec has problems; check
    /// `spec.problems` first for outside input.
    public convenience init(spec: NetworkSpec, seed: UInt64 = 0) {
        let loss: any LossLayer<Scalar> = spec.regression == true ? MeanSquaredErrorLoss<Scalar>() : SoftmaxWithLoss<Scalar>()
        self.init(layers: spec.makeLayers(seed: seed), lossLayer: loss, weightDecay: spec.weightDecay)
        self.spec = spec
    }
}

/// §5.7.2 TwoLayerNet: Affine(W1, b1) → ReLU → Affine(W2, b2) → SoftmaxWithLoss, weights
/// `weightInitStd · N(0, 1)` and zero biases, as `ch05/two_layer_net.py`.
///
///     let net = TwoLayerNet<Float>(inputSize: 784, hiddenSize: 50, outputSize: 10)
public final class TwoLayerNet<Scalar: TensorScalar>: Network<Scalar> {
    /// A TwoLayerNet for inputs (N, inputSize) giving scores (N, outputSize); W1 (inputSize, hiddenSize) and
    /// W2 (hiddenSize, outputSize) drawn from `seed`. Stops if a size is not positive.
    public init(inputSize: Int, hiddenSize: Int, outputSize: Int, weightInitStd: Double = 0.01, seed: UInt64 = 0) {
        let spec = NetworkSpec(kind: .twoLayer, inputSize: inputSize, hiddenSizes: [hiddenSize],
                               outputSize: outputSize, weightInit: .standardDeviation(weightInitStd))
        super.init(layers: spec.makeLayers(seed: seed), lossLayer: SoftmaxWithLoss<Scalar>())
        self.spec = spec
    }
}

/// §6 MultiLayerNet (`common/multi_layer_net.py`): fully connected, (Affine → activation) per hidden
/// layer → Affine → SoftmaxWithLoss, with the book's weight initialisation ('relu'/'he' √(2/n),
/// 'sigmoid'/'xavier' √(1/n), or a fixed std) and L2 weight decay λ.
public final class MultiLayerNet<Scalar: TensorScalar>: Network<Scalar> {
    /// A MultiLayerNet for inputs (N, inputSize) giving scores (N, outputSize), one Affine (+ activation) per
    /// entry of `hiddenSizes`; weights drawn from `seed`, decay λ = `weightDecay`. Stops if `hiddenSizes` is empty or has a size < 1.
    public init(inputSize: Int, hiddenSizes: [Int], outputSize: Int, activation: Activation = .relu,
                weightInit: WeightInitializer = .he, weightDecay: Double = 0, seed: UInt64 = 0) {
        let spec = NetworkSpec(kind: .mlp, inputSize: inputSize, hiddenSizes: hiddenSizes, outputSize: outputSize,
                               activation: activation, weightInit: weightInit, weightDecay: weightDecay)
        super.init(layers: spec.makeLayers(seed: seed), lossLayer: SoftmaxWithLoss<Scalar>(), weightDecay: weightDecay)
        self.spec = spec
    }
}

/// §6.3–6.4 MultiLayerNetExtend (`common/multi_layer_net_extend.py`): MultiLayerNet with optional
/// BatchNormalization after each hidden Affine and Dropout after each hidden activation.
public final class MultiLayerNetExtend<Scalar: TensorScalar>: Network<Scalar> {
    /// A MultiLayerNetExtend for inputs (N, inputSize) giving scores (N, outputSize): BatchNormalization when
    /// `useBatchNorm`, Dropout(`dropoutRatio`) when `useDropout`; weights drawn from `seed`. Stops on sizes as MultiLayerNet.
    public init(inputSize: Int, hiddenSizes: [Int], outputSize: Int, activation: Activation = .relu,
                weightInit: WeightInitializer = .he, weightDecay: Double = 0, useDropout: Bool = false,
                dropoutRatio: Double = 0.5, useBatchNorm: Bool = false, seed: UInt64 = 0) {
        let spec = NetworkSpec(kind: .mlp, inputSize: inputSize, hiddenSizes: hiddenSizes, outputSize: outputSize,
                               activation: activation, weightInit: weightInit, weightDecay: weightDecay,
                               batchNorm: useBatchNorm, dropoutRatio: useDropout ? dropoutRatio : nil)
        super.init(layers: spec.makeLayers(seed: seed), lossLayer: SoftmaxWithLoss<Scalar>(), weightDecay: weightDecay)
        self.spec = spec
    }
}

/// §7.5 SimpleConvNet (`ch07/simple_convnet.py`): Conv(30 filters 5×5) → ReLU → max-Pool 2×2 →
/// Affine(100) → ReLU → Affine(10) → SoftmaxWithLoss, weights 0.01·N(0, 1); input (N, 1, 28, 28).
public final class SimpleConvNet<Scalar: TensorScalar>: Network<Scalar> {
    /// A SimpleConvNet for images (N, C, H, W) with `inputShape` = [C, H, W], giving scores (N, outputSize);
    /// `hiddenSize` is the first Affine's width; weights drawn from `seed`. Stops if the shape does not fit.
    public init(inputShape: [Int] = [1, 28, 28], hiddenSize: Int = 100, outputSize: Int = 10,
                weightInitStd: Double = 0.01, seed: UInt64 = 0) {
        let spec = NetworkSpec(kind: .cnn, inputSize: inputShape.reduce(1, *), hiddenSizes: [hiddenSize],
                               outputSize: outputSize, weightInit: .standardDeviation(weightInitStd), inputShape: inputShape)
        super.init(layers: spec.makeLayers(seed: seed), lossLayer: SoftmaxWithLoss<Scalar>())
        self.spec = spec
    }
}

/// §8.1 DeepConvNet (`ch08/deep_convnet.py`): three stages of (Conv 3×3 → ReLU → Conv 3×3 → ReLU →
/// max-Pool 2×2) with 16, 16, 32, 32, 64, 64 filters (the fourth conv padded by 2) → Affine(50) → ReLU →
/// Dropout(0.5) → Affine(10) → Dropout(0.5) → SoftmaxWithLoss, He initialisation; input (N, 1, 28, 28).
public final class DeepConvNet<Scalar: TensorScalar>: Network<Scalar> {
    /// A DeepConvNet for images (N, C, H, W) with `inputShape` = [C, H, W], giving scores (N, outputSize);
    /// `hiddenSize` is the first Affine's width; weights drawn from `seed`. Stops if the shape does not fit.
    public init(inputShape: [Int] = [1, 28, 28], hiddenSize: Int = 50, outputSize: Int = 10,
                dropoutRatio: Double = 0.5, seed: UInt64 = 0) {
        let spec = NetworkSpec(kind: .deepCNN, inputSize: inputShape.reduce(1, *), hiddenSizes: [hiddenSize],
                               outputSize: outputSize, weightInit: .he, dropoutRatio: dropoutRatio, inputShape: inputShape)
        super.init(layers: spec.makeLayers(seed: seed), lossLayer: SoftmaxWithLoss<Scalar>())
        self.spec = spec
    }
}
