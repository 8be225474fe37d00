import BackpropCore

/// Stochastic gradient descent (§6.1.2): for every parameter W,
///
///     W ← W − η·∂L/∂W
///
/// with learning rate η (`learningRate`, default 0.01 as the book's `SGD(lr=0.01)`). Keeps no state.
public final class SGD<Scalar: TensorScalar>: Optimizer {
    /// η, the step size; a `var` so a schedule can change it between updates.
    public var learningRate: Double
    /// The number of `update` calls so far.
    public var step = 0
    private let store = OptimizerStateStore<Scalar>(keys: [])

    /// SGD with learning rate η (default 0.01).
    public init(learningRate: Double = 0.01) {
        self.learningRate = learningRate
    }

    /// W ← W − η·∂L/∂W for each parameter, in place.
    public func update(_ parameters: [Parameter<Scalar>]) {
        step += 1
        store.apply(.sgd(learningRate: learningRate), to: parameters)
    }

    /// Always `[:]`: SGD keeps no state.
    public func stateTensors(for parameter: Parameter<Scalar>) -> [String: Tensor<Scalar>] {
        store.tensors(for: parameter)
    }

    /// Accepts only `[:]`; any key throws `OptimizerStateError.unknownKey`.
    public func setStateTensors(_ state: [String: Tensor<Scalar>], for parameter: Parameter<Scalar>) throws {
        try store.setTensors(state, for: parameter)
    }
}
