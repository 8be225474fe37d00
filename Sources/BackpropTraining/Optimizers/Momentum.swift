import BackpropCore

/// Momentum SGD (§6.1.4): for every parameter W, with a velocity v of W's shape (zeros at first),
///
///     v ← α·v − η·∂L/∂W
///     W ← W + v
///
/// Defaults as the book's `Momentum(lr=0.01, momentum=0.9)`: η = 0.01, α = 0.9.
/// State per parameter: `"v"`.
public final class Momentum<Scalar: TensorScalar>: Optimizer {
    /// η, the step size; a `var` so a schedule can change it between updates.
    public var learningRate: Double
    /// α, the fraction of the velocity kept from one update to the next.
    public let momentum: Double
    /// The number of `update` calls so far.
    public var step = 0
    private let store = OptimizerStateStore<Scalar>(keys: ["v"])

    /// Momentum with learning rate η (default 0.01) and momentum α (default 0.9).
    public init(learningRate: Double = 0.01, momentum: Double = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    /// v ← α·v − η·∂L/∂W; W ← W + v for each parameter, in place.
    public func update(_ parameters: [Parameter<Scalar>]) {
        step += 1
        store.apply(.momentum(learningRate: learningRate, momentum: momentum), to: parameters)
    }

    /// `["v": velocity]`, or `[:]` before the parameter's first update.
    public func stateTensors(for parameter: Parameter<Scalar>) -> [String: Tensor<Scalar>] {
        store.tensors(for: parameter)
    }

    /// Restores `["v": velocity]` (or `[:]` to forget it); throws `OptimizerStateError` otherwise.
    public func setStateTensors(_ state: [String: Tensor<Scalar>], for parameter: Parameter<Scalar>) throws {
        try store.setTensors(state, for: parameter)
    }
}
