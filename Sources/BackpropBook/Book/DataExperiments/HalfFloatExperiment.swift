import BackpropCharts
import BackpropCore
import BackpropTraining

/// §8.3.4 (`ch08/half_float_network.py`) as a `BookExperiment`: the context's checkpoint's test
/// accuracy as saved and with its parameters and the test images rounded to float16 values (the
/// arithmetic unchanged, as the book). No figure. Quick scale: the first 200 test images.
public struct HalfFloatExperiment: BookExperiment {
    public let name = "half-float"
    public let section = "§8.3.4"
    public let figure: String? = nil
    public let summary = "test accuracy of a checkpoint (--checkpoint) with its weights rounded to float16, beside its own precision's"

    /// The experiment; the network is the context's `checkpoint`, or a TwoLayerNet trained on the spot.
    public init() {}

    public func run(_ context: BookContext) throws -> BookReport {
        let images = try context.images()
        let (network, description) = try CheckpointExperimentSupport.network(context, images)
        let test: any LabeledDataset = context.size(book: images.test, quick: DatasetSubset(images.test, first: 200))
        let result = HalfFloat().run(network, on: test)
        let lines = [description, "\(result.count) test images (\(images.title))",
                     "caluculate accuracy (\(network.dtype)) ... ", "\(result.accuracy)",
                     "caluculate accuracy (float16) ... ", "\(result.halfAccuracy)",
                     "(\(result.changedValues) of \(result.parameterCount) parameter values changed by rounding, by at most "
                     + "\(String(format: "%.3g", result.largestRelativeChange)) of their value; inputs rounded too)"]
        return BookReport(lines: lines,
                          values: ["data": .string(images.title), "dtype": .string(network.dtype), "accuracy": .number(result.accuracy),
                                   "half_accuracy": .number(result.halfAccuracy), "count": .integer(result.count),
                                   "changed_values": .integer(result.changedValues), "parameter_count": .integer(result.parameterCount),
                                   "largest_relative_change": .number(result.largestRelativeChange), "network": .string(description)])
    }
}
