import BackpropCharts
import BackpropCore
import BackpropTraining

/// §8.3.4 (`ch08/half_float_network.py`): a trained network's test accuracy with its parameters, and
/// the test images, rounded to 16-bit floats — "values rounded, arithmetic unchanged", as the book does
/// it (`param[...] = param.astype(np.float16)` and `x_test.astype(np.float16)`, then float64 arithmetic):
/// each value becomes the nearest IEEE binary16 number, and the network computes in its own precision.
/// Batch-norm running statistics are not parameters, so they stay as they are (the book's `params`
/// holds only the weights, biases, γ and β).
public struct HalfFloat: Sendable {
    /// The result: both accuracies over the same test images.
    public struct Result: Sendable, Equatable {
        /// Accuracy with the parameters as trained (float32 or float64).
        public var accuracy: Double
        /// Accuracy with parameters and inputs rounded to float16 values.
        public var halfAccuracy: Double
        /// Test images classified.
        public var count: Int
        /// Parameter values that rounding changed, of `parameterCount`.
        public var changedValues: Int
        /// The number of parameter values (weights, biases, γ and β; not batch norm's running statistics).
        public var parameterCount: Int
        /// The largest |w − half(w)| / |w| over nonzero parameters that stay finite.
        public var largestRelativeChange: Double
    }

    /// The experiment (it has no settings).
    public init() {}

    /// Measures `network` on `test`, then rounds its parameters to float16 values IN PLACE and measures
    /// it again on inputs rounded the same way.
    public func run<Scalar: TensorScalar>(_ network: Network<Scalar>, on test: any LabeledDataset, flatten: Bool) -> Result {
        func accuracy(_ guesses: [Int]) -> Double {
            guard test.count > 0 else { return .nan }
            return Double(guesses.enumerated().filter { test.label(at: $0.offset) == $0.element }.count) / Double(test.count)
        }
        let full = accuracy(predictions(network, on: test, flatten: flatten))
        var changed = 0, total = 0, largest = 0.0
        for p in network.parameters {
            let before = p.value
            p.value = before.map { Scalar(roundedToHalf(Double($0))) }
            for (a, b) in zip(before.scalars, p.value.scalars) {
                total += 1
                if a != b { changed += 1 }
                if a != 0, b.isFinite { largest = Swift.max(largest, Double(abs(a - b) / abs(a))) }
            }
        }
        let half = accuracy(predictions(network, on: test, flatten: flatten) { x in x.map { Scalar(roundedToHalf(Double($0))) } })
        return Result(accuracy: full, halfAccuracy: half, count: test.count, changedValues: changed,
                      parameterCount: total, largestRelativeChange: largest)
    }

    /// `run` on a checkpoint's network, in its precision.
    public func run(_ network: CheckpointNetwork, on test: any LabeledDataset) -> Result {
        switch network {
        case .float32(let n): run(n, on: test, flatten: !network.isConvolutional)
        case .float64(let n): run(n, on: test, flatten: !network.isConvolutional)
        }
    }
}

/// The IEEE 754 binary16 value nearest to `x` (ties to even), as a Double: what NumPy's
/// `x.astype(np.float16)` stores. Beyond ±65504 (the largest half) values that round past it become
/// ±infinity; below 2⁻¹⁴ the spacing is the subnormals' 2⁻²⁴; NaN stays NaN and the sign of zero is kept.
/// (Written out rather than through Swift's `Float16`, which Intel Macs lack.)
public func roundedToHalf(_ x: Double) -> Double {
    guard x.isFinite, x != 0 else { return x }
    let magnitude = abs(x)
    // Spacing of binary16 numbers near x: 2^(e − 10) in the binade [2^e, 2^(e+1)), 2⁻²⁴ for subnormals.
    let exponent = Swift.max(Int(magnitude.exponent), -14)
    let spacing = Double(sign: .plus, exponent: exponent - 10, significand: 1)
    let rounded = (magnitude / spacing).rounded(.toNearestOrEven) * spacing
    let result = rounded > 65504 ? Double.infinity : rounded
    return x < 0 ? -result : result
}
