import BackpropCore
import BackpropTraining
import Foundation

/// The computational graphs of chapter 5, recorded while the library's layers run them: every number on
/// an edge is what `MulLayer`, `AddLayer`, `Relu`, `Sigmoid` or `Affine` computed (`backprop graph NAME`).
public enum BookGraphs {
    private static func at(_ column: Int, _ row: Int) -> GraphNode.Position { .init(column: column, row: row) }

    /// §5.4.1, figure 5-16: `apple` × `appleCount`, × `tax` = price; the book's numbers by default
    /// (forward 200, 220; backward 1.1, 200, 2.2, 110).
    public static func buyApple(apple: Double = 100, appleCount: Double = 2, tax: Double = 1.1) -> ComputationalGraph {
        let recorder = GraphRecorder(title: "buy-apple: §5.4.1, figure 5-16")
        let appleValue = recorder.input("apple", apple, position: at(0, 0))
        let countValue = recorder.input("apple_num", appleCount, position: at(0, 1))
        let mulAppleLayer = RecordedMul(recorder, position: at(1, 0))
        let taxValue = recorder.input("tax", tax, position: at(1, 1))
        let mulTaxLayer = RecordedMul(recorder, position: at(2, 0))

        // forward
        let applePrice = mulAppleLayer.forward(appleValue, countValue)
        let price = mulTaxLayer.forward(applePrice, taxValue)
        let priceEdge = recorder.output("price", price, position: at(3, 0))

        // backward
        let dprice = 1.0
        recorder.setBackward(.scalar(dprice), on: priceEdge)
        let (dApplePrice, _) = mulTaxLayer.backward(dprice)
        _ = mulAppleLayer.backward(dApplePrice)
        return recorder.graph
    }

    /// §5.4.2, figure 5-17: apples and oranges, then tax; the book's numbers by default (715; backward
    /// 2.2, 110, 3.3, 165, 650).
    public static func buyAppleOrange(apple: Double = 100, appleCount: Double = 2, orange: Double = 150,
                                      orangeCount: Double = 3, tax: Double = 1.1) -> ComputationalGraph {
        let recorder = GraphRecorder(title: "buy-apple-orange: §5.4.2, figure 5-17")
        let appleValue = recorder.input("apple", apple, position: at(0, 0))
        let appleCountValue = recorder.input("apple_num", appleCount, position: at(0, 1))
        let orangeValue = recorder.input("orange", orange, position: at(0, 2))
        let orangeCountValue = recorder.input("orange_num", orangeCount, position: at(0, 3))
        let mulAppleLayer = RecordedMul(recorder, position: at(1, 0))
        let mulOrangeLayer = RecordedMul(recorder, position: at(1, 2))
        let addAppleOrangeLayer = RecordedAdd(recorder, position: at(2, 0))
        let taxValue = recorder.input("tax", tax, position: at(2, 3))
        let mulTaxLayer = RecordedMul(recorder, position: at(3, 0))

        // forward
        let applePrice = mulAppleLayer.forward(appleValue, appleCountValue)
        let orangePrice = mulOrangeLayer.forward(orangeValue, orangeCountValue)
        let allPrice = addAppleOrangeLayer.forward(applePrice, orangePrice)
        let price = mulTaxLayer.forward(allPrice, taxValue)
        let priceEdge = recorder.output("price", price, position: at(4, 0))

        // backward
        let dprice = 1.0
        recorder.setBackward(.scalar(dprice), on: priceEdge)
        let (dAllPrice, _) = mulTaxLayer.backward(dprice)
        let (dApplePrice, dOrangePrice) = addAppleOrangeLayer.backward(dAllPrice)
        _ = mulOrangeLayer.backward(dOrangePrice)
        _ = mulAppleLayer.backward(dApplePrice)
        return recorder.graph
    }

    /// §5.5.2, figures 5-19 and 5-20: y = 1 / (1 + exp(−x)) as its ×(−1), exp, +1 and / nodes, with
    /// every forward value and every gradient for upstream gradient `dout`. The notes set the nodes'
    /// ∂L/∂x = dout·y²·exp(−x) beside the Sigmoid layer's dout·y(1 − y), both computed.
    public static func sigmoid(x: Double = 0.5, dout: Double = 1) -> ComputationalGraph {
        let recorder = GraphRecorder(title: "sigmoid: §5.5.2, figures 5-19 and 5-20")
        let xValue = recorder.input("x", x, position: at(0, 0))
        let minusOne = recorder.input("-1", -1, position: at(0, 1))
        let negate = RecordedMul(recorder, position: at(1, 0))
        let exp = RecordedFunction(recorder, .exp, position: at(2, 0))
        let one = recorder.input("1", 1, position: at(2, 1))
        let addOne = RecordedAdd(recorder, position: at(3, 0))
        let reciprocal = RecordedFunction(recorder, .reciprocal, position: at(4, 0))

        // forward: −x, exp(−x), 1 + exp(−x), y = 1 / (1 + exp(−x))
        let y = reciprocal.forward(addOne.forward(exp.forward(negate.forward(xValue, minusOne)), one))
        let yEdge = recorder.output("y", y, position: at(5, 0))

        // backward: steps 1–4 of §5.5.2
        recorder.setBackward(.scalar(dout), on: yEdge)
        let (dExp, _) = addOne.backward(reciprocal.backward(dout))
        let (dx, _) = negate.backward(exp.backward(dExp))

        // The Sigmoid layer, one node, on the same x.
        let layer = Sigmoid<Double>()
        let layerY = layer.forward(Tensor([x])).scalars[0]
        let layerDx = layer.backward(Tensor([dout])).scalars[0]
        let n = { GraphLabels.number($0) }
        recorder.addNote("nodes: ∂L/∂x = dout · y² · exp(−x) = \(n(dout)) · \(n(y.value))² · \(n(Foundation.exp(-x))) = \(n(dx))")
        recorder.addNote("Sigmoid layer: y = \(n(layerY)), ∂L/∂x = dout · y(1 − y) = "
                         + "\(n(dout)) · \(n(layerY)) · \(n(1 - layerY)) = \(n(layerDx))")
        recorder.addNote(GraphLabels.number(dx, digits: 12) == GraphLabels.number(layerDx, digits: 12)
                         ? "the same number: y² · exp(−x) simplifies to y(1 − y) (§5.5.2)"
                         : "they differ by \(n(dx - layerDx)) (rounding)")
        return recorder.graph
    }

    /// §5.5.1, figure 5-18: the `Relu` layer on one number; the gradient passes where x > 0, stops where x ≤ 0.
    public static func relu(x: Double = 0.5, dout: Double = 1) -> ComputationalGraph {
        let recorder = GraphRecorder(title: "relu: §5.5.1, figure 5-18")
        let xValue = recorder.input("x", x, position: at(0, 0))
        let relu = RecordedScalarLayer(recorder, Relu<Double>(), label: "relu", position: at(1, 0))
        let y = relu.forward(xValue)
        let yEdge = recorder.output("y", y, position: at(2, 0))
        recorder.setBackward(.scalar(dout), on: yEdge)
        let dx = relu.backward(dout)
        recorder.addNote(x > 0 ? "x > 0: ∂y/∂x = 1, so the gradient \(GraphLabels.number(dx)) passes unchanged"
                               : "x ≤ 0: ∂y/∂x = 0, so no gradient passes (\(GraphLabels.number(dx)))")
        return recorder.graph
    }

    /// §5.6.2, figures 5-25 and 5-27: the Affine layer Y = X·W + B on a batch of `batch` rows, drawn as
    /// its dot and + nodes with the shape of every value and every gradient. The values come from the
    /// `Affine` layer (weights drawn from `seed`); X·W from one `matmul`.
    public static func affine(batch: Int = 2, inputs: Int = 2, outputs: Int = 3, seed: UInt64 = 0) -> ComputationalGraph {
        precondition(batch >= 1 && inputs >= 1 && outputs >= 1,
                     "BookGraphs.affine: sizes must be positive, got batch \(batch), inputs \(inputs), outputs \(outputs)")
        let recorder = GraphRecorder(title: "affine: §5.6.2, figures 5-25 and 5-27", shapeOnly: true)
        var rng = SeededGenerator(seed: seed)
        let x = Tensor<Double>.randomNormal([batch, inputs], using: &rng)
        let layer = Affine<Double>(weight: .randomNormal([inputs, outputs], using: &rng),
                                   bias: .randomNormal([outputs], using: &rng))
        let xNode = recorder.addNode("X", kind: .input, position: at(0, 0))
        let wNode = recorder.addNode("W", kind: .parameter, position: at(0, 1))
        let dotNode = recorder.addNode("dot", kind: .operation, position: at(1, 0))
        let bNode = recorder.addNode("B", kind: .parameter, position: at(1, 1))
        let addNode = recorder.addNode("+", kind: .operation, position: at(2, 0))
        let yNode = recorder.addNode("Y", kind: .output, position: at(3, 0))

        let y = layer.forward(x)
        let xw = matmul(x, layer.weight.value)
        let edges = [
            recorder.addEdge(from: xNode, to: dotNode, name: "X", forward: recorder.value(x)),
            recorder.addEdge(from: wNode, to: dotNode, name: "W", forward: recorder.value(layer.weight.value)),
            recorder.addEdge(from: dotNode, to: addNode, name: "X·W", forward: recorder.value(xw)),
            recorder.addEdge(from: bNode, to: addNode, name: "B", forward: recorder.value(layer.bias.value)),
            recorder.addEdge(from: addNode, to: yNode, name: "Y", forward: recorder.value(y)),
        ]
        let dy = Tensor<Double>.randomNormal(y.shape, using: &rng)
        let dx = layer.backward(dy)
        // The + node passes ∂L/∂Y to X·W unchanged and sums it over the batch for B; the dot node gives
        // ∂L/∂X = ∂L/∂Y·Wᵀ and ∂L/∂W = Xᵀ·∂L/∂Y.
        for (edge, gradient) in zip(edges, [dx, layer.weight.gradient, dy, layer.bias.gradient, dy]) {
            recorder.setBackward(recorder.value(gradient), on: edge)
        }
        let s = { (t: Tensor<Double>) in TensorSummary(t, shapeOnly: true).shapeText }
        recorder.addNote("∂L/∂X = ∂L/∂Y · Wᵀ: \(s(dx)) = \(s(dy)) · \(s(layer.weight.value.transposed()))")
        recorder.addNote("∂L/∂W = Xᵀ · ∂L/∂Y: \(s(layer.weight.gradient)) = \(s(x.transposed())) · \(s(dy))")
        recorder.addNote("∂L/∂B = ∂L/∂Y summed over the batch (axis 0): \(s(layer.bias.gradient))")
        return recorder.graph
    }
}
