import BackpropCore

/// AdaGrad (§6.1.5): for every parameter W, with a running sum h of squared gradients of W's shape
/// (zeros at first),
///
///     h ← h + ∂L/∂W ⊙ ∂L/∂W
///     W ← W − η·∂L/∂W / (√h + ε)
///
/// so each element's step shrinks as its gradients accumulate. Defaults as the book's `AdaGrad(lr=0.01)`:
/// η = 0.01, ε = 1e-7 (the book's constant, which keeps the division finite while h is 0).
/// State per parameter: `"h"`.
public final class AdaGrad<Scalar: TensorScalar>: Optimizer {
    /// η, the step size; a `var` so a schedule can change it between updates.
    public var learningRate: Double
    /// ε, added to √h in the denominator (1e-7).
    public let epsilon: Double
    /// The number of `update` calls so far.
    public var step = 0
    private let store = OptimizerStateStore<Scalar>(keys: ["h"])

    /// AdaGrad with learning rate η (default 0.01) and ε (default 1e-7, as the book).
    public init(learningRate: Double = 0.01, epsilon: Double = 1e-7) {
        self.learningRate = learningRate
        self.epsilon = epsilon
    }

    /// h ← h + g²; W ← W − η·g / (√h + ε) for each parameter, in place (g = ∂L/∂W).
    public func update(_ parameters: [Parameter<Scalar>]) {
        step += 1
        store.apply(.adaGrad(learningRate: learningRate, epsilon: epsilon), to: parameters)
    }

    /// `["h": sum of squared gradients]`, or `[:]` before the parameter's first update.
    public func stateTensors(for parameter: Parameter<Scalar>) -> [String: Tensor<Scalar>] {
        store.tensors(for: parameter)
    }

    /// Restores `["h": …]` (or `[:]` to forget it); throws `OptimizerStateError` otherwise.
    public func setStateTensors(_ state: [String: Tensor<Scalar>], for parameter: Parameter<Scalar>) throws {
        try store.setTensors(state, for: parameter)
    }
}
