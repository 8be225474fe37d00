import BackpropCore

/// RMSprop, in the form of the book's `common/optimizer.py` (`class RMSprop`; mentioned in §6.1.5): AdaGrad
/// with an exponentially decaying average h of squared gradients instead of a sum, so old gradients are
/// forgotten. For every parameter W, with h of W's shape (zeros at first),
///
///     h ← ρ·h + (1 − ρ)·∂L/∂W ⊙ ∂L/∂W
///     W ← W − η·∂L/∂W / (√h + ε)
///
/// Defaults as the book's `RMSprop(lr=0.01, decay_rate=0.99)`: η = 0.01, ρ = 0.99, ε = 1e-7.
/// State per parameter: `"h"`.
public final class RMSprop<Scalar: TensorScalar>: Optimizer {
    /// η, the step size; a `var` so a schedule can change it between updates.
    public var learningRate: Double
    /// ρ, the fraction of h kept from one update to the next.
    public let decayRate: Double
    /// ε, added to √h in the denominator (1e-7).
    public let epsilon: Double
    /// The number of `update` calls so far.
    public var step = 0
    private let store = OptimizerStateStore<Scalar>(keys: ["h"])

    /// RMSprop with learning rate η (default 0.01), decay rate ρ (default 0.99) and ε (default 1e-7).
    public init(learningRate: Double = 0.01, decayRate: Double = 0.99, epsilon: Double = 1e-7) {
        self.learningRate = learningRate
        self.decayRate = decayRate
        self.epsilon = epsilon
    }

    /// h ← ρ·h + (1 − ρ)·g²; W ← W − η·g / (√h + ε) for each parameter, in place (g = ∂L/∂W).
    public func update(_ parameters: [Parameter<Scalar>]) {
        step += 1
        store.apply(.rmsProp(learningRate: learningRate, decayRate: decayRate, epsilon: epsilon), to: parameters)
    }

    /// `["h": decaying average of squared gradients]`, or `[:]` before the parameter's first update.
    public func stateTensors(for parameter: Parameter<Scalar>) -> [String: Tensor<Scalar>] {
        store.tensors(for: parameter)
    }

    /// Restores `["h": …]` (or `[:]` to forget it); throws `OptimizerStateError` otherwise.
    public func setStateTensors(_ state: [String: Tensor<Scalar>], for parameter: Parameter<Scalar>) throws {
        try store.setTensors(state, for: parameter)
    }
}
