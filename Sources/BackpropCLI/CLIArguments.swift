import ArgumentParser
import Backprop

/// `--model`: the registry's names (two-layer, mlp, cnn, deep-cnn).
extension NetworkSpec.Kind: ExpressibleByArgument {}

/// `--dtype`: float32, float64.
extension Precision: ExpressibleByArgument {}
extension LayerAlgorithm: ExpressibleByArgument {}

/// `float32` / `float64` (the library's `Precision`).
typealias DType = Precision

extension Activation: ExpressibleByArgument {}
extension OptimizerKind: ExpressibleByArgument {}

/// `--weight-init`: he (or relu), xavier (or sigmoid), or a standard deviation ≥ 0 such as 0.01;
/// anything else is refused by the parser naming the flag (exit 64).
extension WeightInitializer: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }

    public static var defaultCompletionKind: CompletionKind { .list(["he", "xavier", "0.01"]) }
}

extension NetworkSpec.Kind {
    /// The default hidden sizes as --hidden writes them ("100,100").
    var defaultHiddenText: String { defaultHiddenSizes.map(String.init).joined(separator: ",") }
}
