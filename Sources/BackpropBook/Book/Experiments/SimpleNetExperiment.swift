import BackpropCharts
import BackpropCore
import BackpropTraining
import Foundation

/// §4.4.2 The gradient of a neural network (`ch04/gradient_simplenet.py`): simpleNet's weights W (2×3),
/// `predict(x) = x·W`, `loss = cross_entropy_error(softmax(x·W), t)`, and dW = ∂loss/∂W by central
/// differences. The book's W is `np.random.randn(2, 3)`; we use the W it prints, so the numbers can be
/// checked (the book's loss 0.92806853663411326 came from W's unprinted digits; with the printed ones
/// NumPy gives 0.9280682857864075).
public struct SimpleNetExperiment: BookExperiment {
    public let name = "simple-net"
    public let section = "§4.4.2"
    public let figure: String? = nil
    public let summary = "simpleNet's prediction, loss and dW for the book's printed W"

    /// The weights the book prints.
    public static let bookW: [[Double]] = [[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]]

    /// W (2×3); the book's printed one unless given.
    public var w: [[Double]]
    /// The input x (2 values); the book's [0.6, 0.9] unless set.
    public var x: [Double] = [0.6, 0.9]
    /// The one-hot target t (3 values); the book's [0, 0, 1] unless set.
    public var t: [Double] = [0, 0, 1]

    /// The experiment with weights `w` (2 rows of 3), the book's printed W by default.
    public init(w: [[Double]] = SimpleNetExperiment.bookW) {
        self.w = w
    }

    /// The book's `cross_entropy_error(y, t)` for one example with a one-hot t: −log(y[argmax t] + 1e-7).
    /// (Not `SoftmaxWithLoss`'s loss, which leaves out the 1e-7.)
    public static func crossEntropyError(_ y: Tensor<Double>, _ t: Tensor<Double>) -> Double {
        -log(y.scalars[t.argmax()] + 1e-7)
    }

    /// simpleNet.loss(x, t) with weights W.
    public static func loss(_ W: Tensor<Double>, x: Tensor<Double>, t: Tensor<Double>) -> Double {
        let z = x.reshaped([1, x.count]).matmul(W).reshaped([W.shape[1]])
        return crossEntropyError(softmax(z), t)
    }

    public func run(_ context: BookContext) throws -> BookReport {
        let W = Tensor<Double>(self.w), x = Tensor<Double>(self.x), t = Tensor<Double>(self.t)
        let p = x.reshaped([1, x.count]).matmul(W).reshaped([W.shape[1]])
        let loss = Self.loss(W, x: x, t: t)
        let dW = numericalGradient(of: { Self.loss($0, x: x, t: t) }, at: W)
        let rows = (0..<W.shape[0]).map { i in Array(dW.scalars[(i * W.shape[1])..<((i + 1) * W.shape[1])]) }
        var report = BookReport()
        report.lines = [
            "W = \(w.map(BookFormat.numpy).joined(separator: ", "))   (the book's printed W; its script draws np.random.randn(2, 3))",
            "p = net.predict(x) = \(BookFormat.numpy(p.scalars)), np.argmax(p) = \(p.argmax())",
            "net.loss(x, t) = \(BookFormat.python(loss))",
            "dW = \(rows.map(BookFormat.numpy).joined(separator: ", "))",
        ]
        report.values = ["W": .matrix(w), "p": .numbers(p.scalars), "argmax": .integer(p.argmax()),
                         "loss": .number(loss), "dW": .matrix(rows)]
        return report
    }
}
