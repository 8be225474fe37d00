import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// §6.2's activation histograms: every activation counted once, and the shapes the book describes.
struct WeightInitExperimentTests {
    static let inputs = 200

    static func histograms(_ k: Int) -> [WeightInitExperiment.Histogram] {
        let configuration = WeightInitExperiment.configurations[k]
        return WeightInitExperiment.activations(configuration, inputs: inputs, seed: 0)
            .map { WeightInitExperiment.Histogram($0.scalars, range: configuration.range) }
    }

    @Test func countsSumToTheNumberOfActivations() throws {
        let report = try WeightInitExperiment().run(BookContext(scale: .quick))
        let runs = try #require(report.values["runs"]?.array)
        #expect(runs.count == 7)
        for run in runs {
            let layers = try #require(run["layers"]?.array)
            #expect(layers.count == 5)
            for layer in layers {
                let counts = try #require(layer["counts"]?.numbers)
                let outside = try #require(layer["below"]?.number) + (layer["above"]?.number ?? .nan)
                #expect(counts.count == 30)
                #expect(counts.reduce(0, +) + outside == Double(Self.inputs * 100), "\(run["activation"]!) \(run["weights"]!)")
            }
        }
    }

    @Test func histogramCountsEveryValueOnce() {
        let h = WeightInitExperiment.Histogram([-0.5, 0, 0.01, 0.5, 0.999, 1, 1.5, 2], bins: 4, range: 0...1)
        #expect(h.edges == [0, 0.25, 0.5, 0.75, 1])
        #expect(h.counts == [2, 0, 1, 2])       // 1 falls in the last bin, as numpy.histogram's
        #expect(h.below == 1 && h.above == 2)
    }

    /// Fraction of a layer's activations in the first and last bins.
    static func ends(_ h: WeightInitExperiment.Histogram) -> Double {
        Double(h.counts[0] + h.counts[29]) / Double(h.counts.reduce(0, +) + h.below + h.above)
    }

    @Test func theShapesTheBookDescribes() {
        // Figure 6-10 (std 1, sigmoid): most activations at 0 or 1 in every layer.
        #expect(Self.histograms(0).allSatisfy { Self.ends($0) > 0.4 })
        // Figure 6-11 (std 0.01): 99.9 % within 0.1 of 0.5 (bins 12 to 17 of 30), from layer 2 on within
        // 0.067 (bins 13 to 16); nothing near 0 or 1.
        let squeezed = Self.histograms(1)
        let total = Double(Self.inputs * 100)
        #expect(squeezed.allSatisfy { Double($0.counts[12...17].reduce(0, +)) >= 0.999 * total }, "\(squeezed.map(\.counts))")
        #expect(squeezed.dropFirst().allSatisfy { Double($0.counts[13...16].reduce(0, +)) >= 0.999 * total })
        #expect(squeezed.allSatisfy { $0.counts[0..<9].reduce(0, +) + $0.counts[21...].reduce(0, +) == 0 })
        // Figure 6-13 (Xavier, sigmoid): spread, few at the ends, and over at least 10 bins.
        #expect(Self.histograms(2).allSatisfy { Self.ends($0) < 0.05 && $0.counts.filter { $0 > 0 }.count >= 10 })
        // Figure 6-14: ReLU with He keeps the non-zero share about equal (~half) in every layer; with
        // std 0.01 the activations collapse towards 0 (all in the first bin by layer 5).
        let he = Self.histograms(6)
        #expect(he.allSatisfy { Double($0.counts[0]) / Double(Self.inputs * 100) < 0.75 })
        let small = Self.histograms(4)
        #expect(small[4].counts[0] == Self.inputs * 100)
    }
}
