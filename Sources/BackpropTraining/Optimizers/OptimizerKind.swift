import BackpropCore

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

extension OptimizerKind {
    /// Tensors of per-parameter state the optimizer keeps: 0 for SGD, 1 for Momentum, Nesterov,
    /// AdaGrad and RMSprop (velocity or squared-gradient sum), 2 for Adam (both moments).
    public var stateSlots: Int {
        switch self {
        case .sgd: 0
        case .momentum, .nesterov, .adagrad, .rmsprop: 1
        case .adam: 2
        }
    }
}

extension NetworkSpec.Kind {
    /// SGD for two-layer and mlp (ch05's train_neuralnet.py), Adam for cnn and deep-cnn (ch07, ch08).
    public var defaultOptimizer: OptimizerKind { isConvolutional ? .adam : .sgd }

    /// The learning rate a run of this kind uses with `optimizer` when none is given: 0.1 for SGD
    /// (ch05's run), else the optimizer's own default (`OptimizerKind.defaultLearningRate`, 0.001
    /// for Adam). Nil means "the optimizer's default", as checkpoints have always recorded it.
    public func defaultLearningRate(for optimizer: OptimizerKind) -> Double? {
        optimizer == .sgd ? 0.1 : nil
    }
}

extension NetworkSpec {
    /// Bytes that training such a network needs at least for its parameters: the weights, their
    /// gradients and the optimizer's per-parameter state (`optimizer.stateSlots` copies), in scalars of
    /// `scalarSize` bytes. Nil when the count or the bytes overflow `Int`.
    public func trainingBytes(scalarSize: Int, optimizer: OptimizerKind?) -> Int? {
        guard let count = parameterCount else { return nil }
        let copies = 2 + (optimizer?.stateSlots ?? 0)
        let (perParameter, overflow1) = scalarSize.multipliedReportingOverflow(by: copies)
        let (bytes, overflow2) = count.multipliedReportingOverflow(by: perParameter)
        return overflow1 || overflow2 ? nil : bytes
    }
}
