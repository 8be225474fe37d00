import BackpropCore

/// Nesterov's accelerated gradient, in the form of the book's `common/optimizer.py` (`class Nesterov`):
/// for every parameter W, with a velocity v of W's shape (zeros at first),
///
///     W ← W + α²·v
///     W ← W − (1 + α)·η·∂L/∂W
///     v ← α·v − η·∂L/∂W
///
/// Defaults as the book's `Nesterov(lr=0.01, momentum=0.9)`: η = 0.01, α = 0.9.
/// State per parameter: `"v"`.
public final class Nesterov<Scalar: TensorScalar>: Optimizer {
    /// η, the step size; a `var` so a schedule can change it between updates.
    public var learningRate: Double
    /// α, the fraction of the velocity kept from one update to the next.
    public let momentum: Double
    /// The number of `update` calls so far.
    public var step = 0
    private let store = OptimizerStateStore<Scalar>(keys: ["v"])

    /// Nesterov with learning rate η (default 0.01) and momentum α (default 0.9).
    public init(learningRate: Double = 0.01, momentum: Double = 0.9) {
        self.learningRate = learningRate
        self.momentum = momentum
    }

    /// W ← W + α²·v − (1 + α)·η·∂L/∂W; v ← α·v − η·∂L/∂W for each parameter, in place.
    public func update(_ parameters: [Parameter<Scalar>]) {
        step += 1
        store.apply(.nesterov(learningRate: learningRate, momentum: momentum), to: parameters)
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
