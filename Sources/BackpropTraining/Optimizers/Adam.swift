import BackpropCore

#if canImport(Darwin)
import Darwin
#elseif canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Adam (§6.1.6), in the form of the book's `common/optimizer.py`: for every parameter W, with moment
/// estimates m and v of W's shape (zeros at first), at update number t = `step` (1, 2, …),
///
///     ηₜ = η·√(1 − β₂ᵗ) / (1 − β₁ᵗ)
///     m ← m + (1 − β₁)·(∂L/∂W − m)
///     v ← v + (1 − β₂)·(∂L/∂W ⊙ ∂L/∂W − v)
///     W ← W − ηₜ·m / (√v + ε)
///
/// Defaults as the book's `Adam(lr=0.001, beta1=0.9, beta2=0.999)`: η = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e-7.
/// State per parameter: `"m"` and `"v"`; the step count t is `step` (restore both from a checkpoint).
public final class Adam<Scalar: TensorScalar>: Optimizer {
    /// η, the step size before bias correction; a `var` so a schedule can change it between updates.
    public var learningRate: Double
    /// β₁, the decay of the first-moment (mean) estimate m.
    public let beta1: Double
    /// β₂, the decay of the second-moment estimate v.
    public let beta2: Double
    /// ε, added to √v in the denominator (1e-7).
    public let epsilon: Double
    /// The number of `update` calls so far: t in the bias correction.
    public var step = 0
    private let store = OptimizerStateStore<Scalar>(keys: ["m", "v"])

    /// Adam with learning rate η (default 0.001), β₁ (default 0.9), β₂ (default 0.999) and ε (default 1e-7).
    public init(learningRate: Double = 0.001, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    /// Adds one to `step`, computes ηₜ (in `Double`), then updates m, v and W of each parameter in place.
    public func update(_ parameters: [Parameter<Scalar>]) {
        step += 1
        let t = Double(step)
        let correctedLearningRate = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
        store.apply(.adam(correctedLearningRate: correctedLearningRate, beta1: beta1, beta2: beta2, epsilon: epsilon),
                    to: parameters)
    }

    /// `["m": first moment, "v": second moment]`, or `[:]` before the parameter's first update.
    public func stateTensors(for parameter: Parameter<Scalar>) -> [String: Tensor<Scalar>] {
        store.tensors(for: parameter)
    }

    /// Restores `["m": …, "v": …]` (or `[:]` to forget them); throws `OptimizerStateError` otherwise.
    public func setStateTensors(_ state: [String: Tensor<Scalar>], for parameter: Parameter<Scalar>) throws {
        try store.setTensors(state, for: parameter)
    }
}
