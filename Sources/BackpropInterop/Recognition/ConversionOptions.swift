import Backprop

/// What the flags of `backprop convert` say: what the arrays' shapes cannot tell (the activation, an
/// MLP's dropout) and checks on what they can (`model`, `hidden` must agree with the shapes).
public struct ConversionOptions: Sendable, Equatable {
    /// The hidden activation of an MLP (`--activation`); shapes cannot tell it. nil: ReLU, except for
    /// the book's ch. 3 network (784-50-100-10), which is sigmoid and must be named.
    public var activation: Activation?
    /// The network kind (`--model`); nil: whatever the shapes say.
    public var model: NetworkSpec.Kind?
    /// The hidden sizes (`--hidden`); nil: whatever the shapes say.
    public var hidden: [Int]?
    /// Dropout ratio of an MLP (`--dropout`); DeepConvNet's is the book's 0.5 unless given.
    public var dropout: Double?
    /// "float32" or "float64" for the output (`--dtype`); nil: the input's.
    public var dtype: String?
    /// Deflate the members of an `.npz` output (as `np.savez_compressed`) instead of storing them.
    public var compressed: Bool

    /// Options as the flags give them; every one defaults to "not given".
    public init(activation: Activation? = nil, model: NetworkSpec.Kind? = nil, hidden: [Int]? = nil,
                dropout: Double? = nil, dtype: String? = nil, compressed: Bool = false) {
        self.activation = activation
        self.model = model
        self.hidden = hidden
        self.dropout = dropout
        self.dtype = dtype
        self.compressed = compressed
    }
}
