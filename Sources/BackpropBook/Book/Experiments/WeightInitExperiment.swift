import BackpropCharts
import BackpropCore
import BackpropTraining
import Foundation

/// §6.2 The distribution of hidden-layer activations (`ch06/weight_init_activation_histogram.py`,
/// figures 6-10, 6-11, 6-13 and 6-14): 1000 random inputs of 100 values (N(0, 1)) through 5 layers of
/// 100 neurons, weights N(0, σ²), and a 30-bin histogram of each layer's activations. σ = 1 drives
/// sigmoid outputs to 0 and 1 (vanishing gradients), σ = 0.01 squeezes them around 0.5 (no
/// expressiveness), Xavier's √(1/n) keeps them spread; for ReLU, He's √(2/n) keeps every layer alike.
public struct WeightInitExperiment: BookExperiment {
    public let name = "weight-init"
    public let section = "§6.2"
    public let figure: String? = "figures 6-10, 6-11, 6-13, 6-14"
    public let summary = "activation histograms of 5 layers for std 1, 0.01, Xavier, He with sigmoid, tanh, ReLU"

    /// The experiment (it has no settings).
    public init() {}

    /// One run of the book's script: an activation and a weight scale.
    public struct Configuration: Sendable {
        /// The book's three activation functions.
        public enum Function: String, Sendable { case sigmoid, tanh, relu = "ReLU" }

        /// The hidden layers' activation function.
        public var activation: Function
        /// How each layer's weights (100, 100) are drawn: a standard deviation, Xavier or He.
        public var weights: WeightInitializer
        /// Which of the book's figures this run is, e.g. "figure 6-10".
        public var figure: String
        /// The histogram's range (the book's `range=(0, 1)`; (−1, 1) for tanh).
        public var range: ClosedRange<Double>
        /// The y limit of the figure, when the book's is fixed (7000 for ReLU, whose zeros would dwarf the rest).
        public var countLimit: Double?
    }

    /// The book's seven runs: figures 6-10, 6-11, 6-13 (sigmoid), its tanh remark, 6-14 (ReLU ×3).
    public static let configurations: [Configuration] = [
        Configuration(activation: .sigmoid, weights: .standardDeviation(1), figure: "figure 6-10", range: 0...1),
        Configuration(activation: .sigmoid, weights: .standardDeviation(0.01), figure: "figure 6-11", range: 0...1),
        Configuration(activation: .sigmoid, weights: .xavier, figure: "figure 6-13", range: 0...1),
        Configuration(activation: .tanh, weights: .xavier, figure: "§6.2.2, tanh", range: -1...1),
        Configuration(activation: .relu, weights: .standardDeviation(0.01), figure: "figure 6-14", range: 0...1, countLimit: 7000),
        Configuration(activation: .relu, weights: .xavier, figure: "figure 6-14", range: 0...1, countLimit: 7000),
        Configuration(activation: .relu, weights: .he, figure: "figure 6-14", range: 0...1, countLimit: 7000),
    ]

    /// A 30-bin histogram as `plt.hist(a.flatten(), 30, range=…)`, plus the values outside the range.
    public struct Histogram: Sendable, Equatable {
        /// bins + 1 increasing bin edges, evenly spaced over the range.
        public var edges: [Double]
        /// The number of values in each bin [edges[k], edges[k + 1]); the last bin includes its upper edge.
        public var counts: [Int]
        /// The number of values below the range.
        public var below: Int
        /// The number of values above the range.
        public var above: Int

        /// The histogram of `values` in `bins` equal bins over `range` (30 by default, as the book).
        public init(_ values: [Double], bins: Int = 30, range: ClosedRange<Double>) {
            let (lo, hi) = (range.lowerBound, range.upperBound)
            edges = (0...bins).map { lo + (hi - lo) * Double($0) / Double(bins) }
            counts = [Int](repeating: 0, count: bins)
            (below, above) = (0, 0)
            for v in values {
                if v < lo { below += 1 } else if v > hi { above += 1 } else {
                    counts[Swift.min(bins - 1, Int((v - lo) / (hi - lo) * Double(bins)))] += 1   // the last bin includes hi
                }
            }
        }
    }

    /// The activations of the 5 layers for `configuration`: inputs (n, 100) from `seed`, then each
    /// layer's weights (100, 100) from the same generator.
    public static func activations(_ configuration: Configuration, inputs n: Int, seed: UInt64,
                                   nodes: Int = 100, layers: Int = 5) -> [Tensor<Double>] {
        var generator = SeededGenerator(seed: seed)
        var x = Tensor<Double>.randomNormal([n, nodes], using: &generator)
        var activations: [Tensor<Double>] = []
        for _ in 0..<layers {
            let w: Tensor<Double> = configuration.weights.weights(shape: [nodes, nodes], fanIn: nodes, using: &generator)
            let a = x.matmul(w)
            let z: Tensor<Double>
            switch configuration.activation {
            case .sigmoid: z = a.applying(.sigmoid)
            case .tanh: z = a.applying(.tanh)
            case .relu: z = a.applying(.relu)
            }
            activations.append(z)
            x = z
        }
        return activations
    }

    public func run(_ context: BookContext) throws -> BookReport {
        let n = context.size(book: 1000, quick: 200)
        var report = BookReport(lines: ["x = np.random.randn(\(n), 100), 5 layers of 100 neurons, 30-bin histograms; "
                                        + "seeded: \(context.seed) (the book's script is unseeded)"])
        var panels: [ChartPanel] = []
        var rowTitles: [String] = []
        var runs: [BookValue] = []
        for configuration in Self.configurations {
            let label = "\(configuration.activation.rawValue), \(Self.describe(configuration.weights))"
            let layers = Self.activations(configuration, inputs: n, seed: context.seed)
            let histograms = layers.map { Histogram($0.scalars, range: configuration.range) }
            let stats = layers.map { layer -> (mean: Double, std: Double) in
                let mean = layer.mean()
                let variance = layer.scalars.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(layer.count)
                return (mean, variance.squareRoot())
            }
            report.lines.append("\(label) (\(configuration.figure)): mean/std by layer "
                                + stats.map { String(format: "%.3f/%.3f", $0.mean, $0.std) }.joined(separator: "  "))
            runs.append(["activation": .string(configuration.activation.rawValue),
                         "weights": .string(configuration.weights.description), "figure": .string(configuration.figure),
                         "layers": .array(zip(histograms, stats).map { h, s in
                             ["counts": .integers(h.counts), "edges": .numbers(h.edges), "below": .integer(h.below),
                              "above": .integer(h.above), "mean": .number(s.mean), "std": .number(s.std)]
                         })])
            let highest = Double(histograms.flatMap(\.counts).max() ?? 1)
            let limit = ChartAxis.Nice(lo: 0, hi: highest, maximumSteps: 4).hi
            rowTitles.append("\(label) (\(configuration.figure))")
            for (k, h) in histograms.enumerated() {
                var panel = ChartPanel(title: "\(k + 1)-layer", xRange: configuration.range,
                                       yRange: 0...(configuration.countLimit.map { $0 * Double(n) / 1000 } ?? limit))
                panel.histogram = ChartHistogram(edges: h.edges, counts: h.counts)
                panel.yTickLabels = k == 0
                panels.append(panel)
            }
        }
        report.values = ["inputs": .integer(n), "seed": .integer(Int(truncatingIfNeeded: context.seed)), "runs": .array(runs)]
        var chart = Chart(title: "Figures 6-10 to 6-14: activations of 5 layers (\(n) inputs, seed \(context.seed))",
                          panels: panels, columns: 5, panelWidth: 210, panelHeight: 170)
        chart.rowTitles = rowTitles
        report.plot = chart.svg
        return report
    }

    static func describe(_ weights: WeightInitializer) -> String {
        switch weights {
        case .standardDeviation(let s): "std \(s == s.rounded() ? String(Int(s)) : String(s))"
        case .xavier: "Xavier √(1/n)"
        case .he: "He √(2/n)"
        }
    }
}
