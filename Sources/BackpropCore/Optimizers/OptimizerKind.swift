/// The optimizers by name, for command lines and configuration files: the raw values are the lower-case
/// names (`"sgd"`, `"momentum"`, `"nesterov"`, `"adagrad"`, `"rmsprop"`, `"adam"`).
public enum OptimizerKind: String, Codable, CaseIterable, Sendable {
    /// `SGD`, `Momentum`, `Nesterov`, `AdaGrad`, `RMSprop`, `Adam`.
    case sgd, momentum, nesterov, adagrad, rmsprop, adam

    /// The book's default learning rate: 0.001 for Adam, 0.01 for the others.
    public var defaultLearningRate: Double {
        switch self {
        case .sgd, .momentum, .nesterov, .adagrad, .rmsprop: 0.01
        case .adam: 0.001
        }
    }

    /// A new optimizer of this kind with the book's default hyper-parameters and the given learning rate
    /// (`nil` for `defaultLearningRate`).
    public func make<Scalar: TensorScalar>(learningRate: Double? = nil) -> any Optimizer<Scalar> {
        let lr = learningRate ?? defaultLearningRate
        switch self {
        case .sgd: return SGD<Scalar>(learningRate: lr)
        case .momentum: return Momentum<Scalar>(learningRate: lr)
        case .nesterov: return Nesterov<Scalar>(learningRate: lr)
        case .adagrad: return AdaGrad<Scalar>(learningRate: lr)
        case .rmsprop: return RMSprop<Scalar>(learningRate: lr)
        case .adam: return Adam<Scalar>(learningRate: lr)
        }
    }
}
