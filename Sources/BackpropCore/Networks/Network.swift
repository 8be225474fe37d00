/// A network as the book builds them (§5.7): an ordered list of layers ending in a loss layer.
///
/// - `predict(x)` runs the layers forward (inference mode unless told otherwise).
/// - `loss(x, t)` adds the loss layer and L2 weight decay ½·λ·ΣW² over every weight (§6.4.2).
/// - `gradient(x, t)` is one forward and one backward pass; afterwards every parameter's `gradient`
///   holds ∂L/∂parameter (with λ·W added for weights), ready for an optimizer.
/// - `numericalGradient(x, t)` (in BackpropTraining, beside the gradient check) gives the same by
///   central differences (§4.4), to check it.
///
/// Targets `t` are class indices (N,) as numbers, or one-hot (N, C), as the book's code accepts both.
public class Network<Scalar: TensorScalar> {
    /// The layers, input first.
    public let layers: [any Layer<Scalar>]
    /// The loss at the end (the book's `lastLayer`).
    public let lossLayer: any LossLayer<Scalar>
    /// λ of the L2 weight decay; 0 turns it off.
    public var weightDecay: Double
    /// Every parameter of every layer in order, named as the book's `params` (`W1`, `b1`, …).
    public let parameters: [Parameter<Scalar>]
    /// The recipe the network was built from, when it was built from one (the book's networks are).
    public internal(set) var spec: NetworkSpec?
    /// Whether a Relu layer followed by a max Pooling layer (not `.book`) runs as one fused pass
    /// (Networks/LayerFusion.swift): the same numbers and (with `keepsLayerState` on) the same kept state,
    /// bit for bit, with fewer passes over memory. `false` runs every layer on its own, for comparison.
    public var fusesLayers = true
    /// Whether every fused layer keeps its own state, as unfused (true, the default), or a Convolution →
    /// Relu → max Pooling group runs lean (false): it pools each image of the convolution's output and
    /// takes ReLU of the maxima (the same numbers: ReLU keeps order), keeping ReLU's gradient in the
    /// pooling's maxima instead of `Relu.mask`, and neither ReLU's out nor `Pooling.x` — fewer writes to
    /// memory per step (Networks/LayerFusion.swift). Losses, gradients and parameters are the same bit
    /// for bit either way; only what those layers show between steps differs (`Relu.mask` and `Pooling.x`
    /// are nil). `Trainer` turns it off for the networks it trains.
    public var keepsLayerState = true

    /// A network over `layers` and `lossLayer`.
    ///
    /// Parameters are numbered as the book's `params`: a name that does not end in a digit — the layers'
    /// own `W`, `b`, `gamma`, `beta` — gets the number of its occurrence, so that `[Affine, Relu, Affine]`
    /// holds `W1`, `b1`, `W2`, `b2`, and a BatchNormalization after the first Affine `gamma1`, `beta1`.
    /// Names that end in a digit are kept. Stops if two parameters share a name after that.
    ///
    ///     let net = Network<Float>(layers: [Affine(weight: .ones([2, 3]), bias: .zeros([3])), Relu(),
    ///                                       Affine(weight: .ones([3, 2]), bias: .zeros([2]))],
    ///                              lossLayer: SoftmaxWithLoss())
    ///     net.parameters.map(\.name)   // ["W1", "b1", "W2", "b2"]
    public init(layers: [any Layer<Scalar>], lossLayer: any LossLayer<Scalar>, weightDecay: Double = 0) {
        self.layers = layers
        self.lossLayer = lossLayer
        self.weightDecay = weightDecay
        self.parameters = layers.flatMap { $0.parameters }
        var occurrences: [String: Int] = [:]
        for p in parameters where !p.name.isEmpty && !("0"..."9").contains(p.name.last!) {
            let number = occurrences[p.name, default: 0] + 1
            occurrences[p.name] = number
            p.name += "\(number)"
        }
        var seen = Set<String>()
        for p in parameters {
            precondition(seen.insert(p.name).inserted, "Network: two parameters are named \(p.name)")
        }
    }

    /// The parameter with the book's name (e.g. "W1"), if any.
    public func parameter(named name: String) -> Parameter<Scalar>? {
        parameters.first { $0.name == name }
    }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.value.count } }

    /// The scores before the loss layer: (N, …) → (N, C). `training` selects Dropout's and
    /// BatchNormalization's training behaviour.
    public func predict(_ x: Tensor<Scalar>, training: Bool = false) -> Tensor<Scalar> {
        var y = x
        var index = 0
        while index < layers.count { (y, index) = forwardStage(y, at: index, training: training) }
        return y
    }

    /// ½·λ·ΣW² over the weights (parameters that decay).
    public func weightDecayLoss() -> Scalar {
        guard weightDecay != 0 else { return 0 }
        var total: Scalar = 0
        for p in parameters where p.decays { total += p.value.squared().sum() }
        return Scalar(0.5 * weightDecay) * total
    }

    /// The loss for inputs x and targets t, weight decay included.
    public func loss(_ x: Tensor<Scalar>, _ t: Tensor<Scalar>, training: Bool = false) -> Scalar {
        lossLayer.forward(predict(x, training: training), t) + weightDecayLoss()
    }

    /// The fraction of rows whose highest score is at the target class (as `accuracy` in the book).
    public func accuracy(_ x: Tensor<Scalar>, _ t: Tensor<Scalar>) -> Double {
        let y = predict(x, training: false)
        precondition(y.rank == 2, "accuracy: scores have shape \(y.shape), expected (N, C)")
        let predicted = y.argmax(axis: 1).scalars
        let labels: [Int]
        if t.rank == 2 {
            labels = t.argmax(axis: 1).scalars
        } else {
            switch t.classIndices(below: y.shape[1]) {
            case .success(let indices): labels = indices
            case .failure(let error): preconditionFailure("accuracy: target \(error)")
            }
        }
        precondition(labels.count == predicted.count,
                     "accuracy: \(predicted.count) predictions for targets of shape \(t.shape)")
        guard !labels.isEmpty else { return 0 }
        let correct = zip(predicted, labels).reduce(0) { $0 + ($1.0 == $1.1 ? 1 : 0) }
        return Double(correct) / Double(labels.count)
    }

    /// One forward pass (training mode) and one backward pass (§5.7.2). Leaves ∂L/∂p in every
    /// parameter's `gradient` and returns the loss (weight decay included).
    @discardableResult
    public func gradient(_ x: Tensor<Scalar>, _ t: Tensor<Scalar>) -> Scalar {
        let loss = loss(x, t, training: true)
        backward(lossWeight: 1)
        addWeightDecayGradient()
        return loss
    }

    /// The data-parallel part of `gradient`: forward (training mode) and backward for this rank's share
    /// of a global batch, whose loss is the share-weighted sum L = Σ (n_r / N)·L_r of the ranks' mean
    /// losses L_r. `lossWeight` is n_r / N = ∂L/∂L_r (the chain rule, §5.2), so the parameters' gradients
    /// are this rank's terms of ∂L/∂p: summed over the ranks they are the one-process gradient. Returns
    /// L_r without weight decay and adds no λ·W: the trainer adds both once, after the sum.
    public func gradient(_ x: Tensor<Scalar>, _ t: Tensor<Scalar>, lossWeight: Scalar) -> Scalar {
        let loss = lossLayer.forward(predict(x, training: true), t)
        backward(lossWeight: lossWeight)
        return loss
    }

    /// Backward from the loss layer, with ∂L/∂loss = `lossWeight`.
    private func backward(lossWeight: Scalar) {
        var dout = lossLayer.backward(lossWeight)
        var index = layers.count - 1
        while index >= 0 { (dout, index) = backwardStage(dout, at: index) }
    }

    /// Adds λ·W to the gradient of every weight (§6.4.2: d(½λW²)/dW = λW); nothing when λ = 0.
    public func addWeightDecayGradient() {
        guard weightDecay != 0 else { return }
        let lambda = Scalar(weightDecay)
        for p in parameters where p.decays { p.gradient += lambda * p.value }
    }
}
