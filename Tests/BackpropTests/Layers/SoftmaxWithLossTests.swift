import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct SoftmaxWithLossTests {
    typealias Check = LayerGradientCheck

    /// One-hot rows for `labels`, built independently of the layer.
    func oneHot(_ labels: [Int], classes: Int) -> Tensor<Double> {
        Tensor(labels.map { label in (0..<classes).map { $0 == label ? 1.0 : 0.0 } })
    }

    @Test func lossOfTheBooksSoftmaxExample() {
        let layer = SoftmaxWithLoss<Double>()
        let x = Tensor<Double>([[0.3, 2.9, 4.0]])
        let loss = layer.forward(x, Tensor([2.0]))
        // −log y₂ = log Σ exp(xᵢ) − x₂
        let expected = Foundation.log(Foundation.exp(0.3) + Foundation.exp(2.9) + Foundation.exp(4.0)) - 4.0
        #expect(Swift.abs(loss - expected) < 1e-14)
        #expect(Swift.abs(loss - -Foundation.log(0.73659691)) < 1e-8)
        #expect(layer.loss == loss)
        #expect(layer.output == softmax(x))
        #expect(layer.target == Tensor([[0.0, 0, 1]]))
    }

    @Test func zeroProbabilitiesGiveTheExactCrossEntropy() {
        // §4.2.2's y as logits log y (log 0 = −inf): the book's code gives 0.510825457099338 with its 1e-7;
        // the exact value is −log 0.6, and the gradient is y − t with no NaN.
        let y = [0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0]
        let logits: [Double] = y.map { Foundation.log($0) }
        let x = Tensor<Double>([logits])
        let layer = SoftmaxWithLoss<Double>()
        let loss = layer.forward(x, labels: [2])
        #expect(Swift.abs(loss - -Foundation.log(0.6)) < 1e-12)
        let dx = layer.backward()
        let expected = Tensor<Double>([y]) - oneHot([2], classes: 10)
        #expect(dx.scalars.allSatisfy { $0.isFinite })
        #expect(Check.relativeError(dx, expected) < 1e-14)
    }

    @Test func oneHotAndIndexTargetsAgreeExactly() {
        let x = Check.random([5, 4], seed: 31, standardDeviation: 3)
        let labels = [3, 0, 2, 2, 1]
        let withOneHot = SoftmaxWithLoss<Double>()
        let withIndices = SoftmaxWithLoss<Double>()
        let withLabels = SoftmaxWithLoss<Double>()
        let l1 = withOneHot.forward(x, oneHot(labels, classes: 4))
        let l2 = withIndices.forward(x, Tensor(labels.map(Double.init)))
        let l3 = withLabels.forward(x, labels: labels)
        #expect(l1 == l2 && l2 == l3)
        // The loss is the mean of −log y at the labels.
        let y = softmax(x)
        let expected = labels.enumerated().map { -Foundation.log(y[$0.offset, $0.element]) }.reduce(0, +) / 5
        #expect(Swift.abs(l1 - expected) < 1e-14)
        let g1 = withOneHot.backward(), g2 = withIndices.backward(), g3 = withLabels.backward()
        #expect(g1 == g2 && g2 == g3)
        // y with 1 subtracted at each label, over N.
        #expect(Check.relativeError(g2, (y - oneHot(labels, classes: 4)) / 5) < 1e-15)
    }

    @Test func finiteLossAndGradientForHugeLogitsInDouble() {
        let x = Tensor<Double>([[1e4, -1e4, 0], [-1e4, 1e4, 5]])
        let layer = SoftmaxWithLoss<Double>()
        // Row 0 puts all mass on class 0 but the label is 1: −log y = 2e4. Row 1 is right: −log y ≈ 0.
        let loss = layer.forward(x, labels: [1, 1])
        #expect(loss == 1e4)
        #expect(layer.backward() == Tensor([[0.5, -0.5, 0], [0, 0, 0]]))
        let sameWithOneHot = SoftmaxWithLoss<Double>().forward(x, oneHot([1, 1], classes: 3))
        #expect(sameWithOneHot == 1e4)
    }

    @Test func finiteLossAndGradientForHugeLogitsInFloat() {
        let x = Tensor<Float>([[1e4, -1e4, 0], [-1e4, 1e4, 5]])
        let layer = SoftmaxWithLoss<Float>()
        let loss = layer.forward(x, Tensor([1, 1]))
        #expect(loss == 1e4)
        #expect(layer.backward() == Tensor<Float>([[0.5, -0.5, 0], [0, 0, 0]]))
        let soft = SoftmaxWithLoss<Float>()
        let softLoss = soft.forward(x, Tensor<Float>([[0.5, 0.5, 0], [0, 0.25, 0.75]]))
        #expect(softLoss.isFinite)
        #expect(soft.backward().scalars.allSatisfy { $0.isFinite })
    }

    @Test(arguments: ["indices", "oneHot", "soft"])
    func backwardMatchesNumericalGradient(_ kind: String) {
        let x = Check.random([4, 5], seed: 41, standardDeviation: 2)
        let labels = [1, 4, 0, 1]
        let t: Tensor<Double>
        switch kind {
        case "indices": t = Tensor(labels.map(Double.init))
        case "oneHot": t = oneHot(labels, classes: 5)
        default: t = softmax(Check.random([4, 5], seed: 42))   // soft labels, rows summing to 1
        }
        let layer = SoftmaxWithLoss<Double>()
        _ = layer.forward(x, t)
        let dx = layer.backward()
        let numeric = numericalGradient(of: { SoftmaxWithLoss<Double>().forward($0, t) }, at: x)
        #expect(Check.relativeError(dx, numeric) < Check.tolerance)
        // backward(dout) scales the gradient.
        #expect(Check.relativeError(layer.backward(2.5), 2.5 * dx) < 1e-15)
    }

    @Test func rejectsAnIndexOutOfRange() async {
        await #expect(processExitsWith: .failure) {
            _ = SoftmaxWithLoss<Double>().forward(.zeros([2, 3]), Tensor([0, 3]))
        }
    }

    @Test func rejectsANonIntegralIndex() async {
        await #expect(processExitsWith: .failure) {
            _ = SoftmaxWithLoss<Double>().forward(.zeros([2, 3]), Tensor([0, 1.5]))
        }
    }

    @Test func rejectsANegativeLabel() async {
        await #expect(processExitsWith: .failure) {
            _ = SoftmaxWithLoss<Double>().forward(.zeros([2, 3]), labels: [0, -1])
        }
    }

    @Test func rejectsTargetsOfAnotherShape() async {
        await #expect(processExitsWith: .failure) {
            _ = SoftmaxWithLoss<Double>().forward(.zeros([2, 3]), .zeros([2, 2]))
        }
    }

    /// The layer reuses its y, one-hot and dx buffers from batch to batch, but a y or dx the caller
    /// kept is never overwritten by a later forward or backward.
    @Test func reusedBuffersNeverChangeWhatACallerKept() {
        let layer = SoftmaxWithLoss<Double>()
        _ = layer.forward(Tensor([[1, 2, 3], [0, 0, 0]]), Tensor([2, 0]))
        let y1 = layer.output!, t1 = layer.target!
        let dx1 = layer.backward(1)
        let kept = (y1.scalars, t1.scalars, dx1.scalars)
        let loss2 = layer.forward(Tensor([[5, -1, 0], [2, 2, 9]]), Tensor([0, 1]))
        let dx2 = layer.backward(1)
        #expect(y1.scalars == kept.0 && t1.scalars == kept.1 && dx1.scalars == kept.2)
        #expect(layer.target!.scalars == [1, 0, 0, 0, 1, 0])
        // The second batch's figures are those of a fresh layer.
        let fresh = SoftmaxWithLoss<Double>()
        #expect(fresh.forward(Tensor([[5, -1, 0], [2, 2, 9]]), Tensor([0, 1])) == loss2)
        #expect(fresh.backward(1).scalars == dx2.scalars && fresh.output!.scalars == layer.output!.scalars)
    }

    /// The §4.2.2 example: y = softmax of logits whose softmax is the book's
    /// [0.1, 0.05, 0.6, 0, 0.05, 0.1, 0, 0.1, 0, 0] (zeros as 1e-12), target 2: loss −log 0.6 = 0.5108.
    @Test func bookCrossEntropyExample() {
        let probabilities: [Double] = [0.1, 0.05, 0.6, 1e-12, 0.05, 0.1, 1e-12, 0.1, 1e-12, 1e-12]
        let logits = Tensor(shape: [1, 10], scalars: probabilities.map { Foundation.log($0) })
        let loss = SoftmaxWithLoss<Double>().forward(logits, labels: [2])
        #expect(abs(loss - 0.510_825_623_765_990_7) < 1e-9)
    }
}
