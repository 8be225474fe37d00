import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Weight initialisers (§6.2): parsing the book's `weight_init_std` argument, the standard deviations of
/// Xavier and He, and the weights themselves (seeded, normal with mean 0 and that standard deviation).
struct WeightInitializerTests {
    @Test func parsesTheBooksNames() {
        #expect(WeightInitializer("relu") == .he)
        #expect(WeightInitializer("ReLU") == .he)
        #expect(WeightInitializer("he") == .he)
        #expect(WeightInitializer("sigmoid") == .xavier)
        #expect(WeightInitializer("Xavier") == .xavier)
        #expect(WeightInitializer("0.01") == .standardDeviation(0.01))
        #expect(WeightInitializer(" 0.05\n") == .standardDeviation(0.05))
        #expect(WeightInitializer("1e-2") == .standardDeviation(0.01))
        #expect(WeightInitializer("0") == .standardDeviation(0))
    }

    @Test(arguments: ["", "tanh", "relu6", "-0.01", "nan", "inf", "0.01x"])
    func rejectsAnythingElse(_ text: String) {
        #expect(WeightInitializer(text) == nil, "\"\(text)\" should not parse")
    }

    @Test func descriptionParsesBack() {
        for initializer in [WeightInitializer.he, .xavier, .standardDeviation(0.01), .standardDeviation(1)] {
            #expect(WeightInitializer(initializer.description) == initializer, "\(initializer)")
        }
    }

    @Test func standardDeviationsAreTheBooks() {
        #expect(Swift.abs(WeightInitializer.he.standardDeviation(fanIn: 50) - 0.2) <= 1e-16)      // √(2/50)
        #expect(WeightInitializer.he.standardDeviation(fanIn: 50) == (2.0 / 50).squareRoot())
        #expect(Swift.abs(WeightInitializer.xavier.standardDeviation(fanIn: 100) - 0.1) <= 1e-16) // √(1/100)
        #expect(WeightInitializer.xavier.standardDeviation(fanIn: 784) == (1.0 / 784).squareRoot())
        #expect(WeightInitializer.he.standardDeviation(fanIn: 784) == (2.0 / 784).squareRoot())
        #expect(WeightInitializer.standardDeviation(0.01).standardDeviation(fanIn: 784) == 0.01)
        #expect(WeightInitializer.standardDeviation(0.01).standardDeviation(fanIn: 3) == 0.01)
    }

    @Test func weightsAreDeterministicForASeed() {
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 1), c = SeededGenerator(seed: 2)
        let wa: Tensor<Double> = WeightInitializer.he.weights(shape: [4, 5], fanIn: 4, using: &a)
        let wb: Tensor<Double> = WeightInitializer.he.weights(shape: [4, 5], fanIn: 4, using: &b)
        let wc: Tensor<Double> = WeightInitializer.he.weights(shape: [4, 5], fanIn: 4, using: &c)
        #expect(wa.shape == [4, 5])
        #expect(wa == wb)
        #expect(wa != wc)
        // They are σ·(standard normal deviates) of the same generator: the book's scale * randn(4, 5).
        var d = SeededGenerator(seed: 1)
        let unit = Tensor<Double>.randomNormal([4, 5], using: &d)
        let sigma = (2.0 / 4).squareRoot()
        for (w, z) in zip(wa.scalars, unit.scalars) { #expect(Swift.abs(w - sigma * z) <= 1e-15) }
    }

    @Test func zeroStandardDeviationGivesZeros() {
        var rng = SeededGenerator(seed: 3)
        let w: Tensor<Float> = WeightInitializer.standardDeviation(0).weights(shape: [3, 2], fanIn: 3, using: &rng)
        #expect(w == .zeros([3, 2]))
    }

    /// Mean and standard deviation of the elements.
    static func moments(_ values: [Double]) -> (mean: Double, std: Double) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        return (mean, variance.squareRoot())
    }

    @Test(arguments: [(WeightInitializer.he, 50), (.xavier, 100), (.standardDeviation(0.01), 784)])
    func sampleStandardDeviationIsWithinFivePercent(_ initializer: WeightInitializer, _ fanIn: Int) {
        let sigma = initializer.standardDeviation(fanIn: fanIn)
        var rng = SeededGenerator(seed: 2024)
        let double: Tensor<Double> = initializer.weights(shape: [100, 100], fanIn: fanIn, using: &rng)
        let float: Tensor<Float> = initializer.weights(shape: [10_000], fanIn: fanIn, using: &rng)
        for (name, values) in [("Double", double.scalars), ("Float", float.scalars.map(Double.init))] {
            #expect(values.count == 10_000)
            let (mean, std) = Self.moments(values)
            // The standard error of the mean is σ/100 and of the standard deviation ≈ σ/141.
            #expect(Swift.abs(std - sigma) <= 0.05 * sigma, "\(name): sample std \(std), expected \(sigma)")
            #expect(Swift.abs(mean) <= 0.05 * sigma, "\(name): sample mean \(mean)")
        }
    }
}
