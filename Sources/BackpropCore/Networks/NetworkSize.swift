/// How big a network a spec describes, computed from the spec alone — before anything is allocated —
/// so that sizes from outside (command-line flags, a checkpoint's metadata) can be refused first.
extension NetworkSpec {
    /// The number of trainable scalars (weights, biases, batch-norm γ and β) a network built from this
    /// spec holds, or nil when the count does not fit in an `Int` (the product or the sum overflows).
    /// Batch-norm running statistics are not counted (they are not trained).
    public var parameterCount: Int? {
        var total = 0
        for (name, shape) in tensorShapes where !name.hasPrefix("running_") {
            guard let count = Self.elementCount(shape) else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(count)
            if overflow { return nil }
            total = sum
        }
        return total
    }

    /// The product of `shape`'s extents, or nil when it overflows `Int` (or an extent is negative).
    public static func elementCount(_ shape: [Int]) -> Int? {
        var product = 1
        for extent in shape {
            guard extent >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            product = next
        }
        return product
    }

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
