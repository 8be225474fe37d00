/// How to draw a network's initial weights (§6.2): normal deviates with mean 0 and a standard deviation
/// that is fixed or depends on the number of inputs n to each neuron (the previous layer's size), as the
/// book's `MultiLayerNet(weight_init_std=…)`.
public enum WeightInitializer: Sendable, Equatable, CustomStringConvertible {
    /// A fixed standard deviation, e.g. the book's 0.01 (§6.2.1).
    case standardDeviation(Double)
    /// Xavier Glorot's initial value, σ = √(1/n), for sigmoid and tanh activations (§6.2.2).
    case xavier
    /// Kaiming He's initial value, σ = √(2/n), for ReLU activations (§6.2.3).
    case he

    /// Parses the book's `weight_init_std` argument: `"relu"` or `"he"` → `.he`, `"sigmoid"` or `"xavier"`
    /// → `.xavier` (any letter case), or a finite non-negative number such as `"0.01"` →
    /// `.standardDeviation`. Nil for anything else.
    public init?(_ text: String) {
        let word = text.trimmingWhitespace().lowercased()
        switch word {
        case "relu", "he": self = .he
        case "sigmoid", "xavier": self = .xavier
        default:
            guard let value = Double(word), value.isFinite, value >= 0 else { return nil }
            self = .standardDeviation(value)
        }
    }

    /// The standard deviation for a layer whose neurons each have `fanIn` inputs: √(1/fanIn) for Xavier,
    /// √(2/fanIn) for He, the fixed value otherwise. Stops if `fanIn` is not positive for Xavier or He.
    public func standardDeviation(fanIn: Int) -> Double {
        switch self {
        case .standardDeviation(let value):
            return value
        case .xavier:
            precondition(fanIn > 0, "WeightInitializer.xavier: fanIn must be positive, got \(fanIn)")
            return (1 / Double(fanIn)).squareRoot()
        case .he:
            precondition(fanIn > 0, "WeightInitializer.he: fanIn must be positive, got \(fanIn)")
            return (2 / Double(fanIn)).squareRoot()
        }
    }

    /// A weight tensor of `shape` (e.g. [fanIn, fanOut] for an Affine layer) of normal deviates with mean 0
    /// and standard deviation `standardDeviation(fanIn:)`, drawn from `generator` — the book's
    /// `scale * np.random.randn(*shape)`.
    public func weights<Scalar: TensorScalar>(shape: [Int], fanIn: Int,
                                              using generator: inout SeededGenerator) -> Tensor<Scalar> {
        let sigma = standardDeviation(fanIn: fanIn)
        return Tensor<Scalar>.randomNormal(shape, mean: 0, standardDeviation: Scalar(sigma), using: &generator)
    }

    /// The form `init?(_:)` parses: `"he"`, `"xavier"` or the number.
    public var description: String {
        switch self {
        case .standardDeviation(let value): "\(value)"
        case .xavier: "xavier"
        case .he: "he"
        }
    }
}

extension WeightInitializer: Codable {
    /// Reads the text form (`init?(_:)`: "he", "relu", "xavier", "sigmoid" or a number ≥ 0), as
    /// checkpoints store it; anything else is a `DecodingError` naming the text.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = WeightInitializer(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "weight init must be he, relu, xavier, sigmoid or a number ≥ 0, got \(text)")
        }
        self = value
    }

    /// Writes the text form (`description`: "he", "xavier" or the number).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

private extension String {
    /// The string without leading and trailing spaces, tabs and newlines (no Foundation needed).
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        guard let start = firstIndex(where: { !isSpace($0) }),
              let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
