@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining
import Foundation
import Testing

/// A network's layer chain as a graph: the shapes on every edge for every model kind, and with a batch,
/// statistics equal to those of the same network run without recording.
@Suite("Graph: a network's layer chain")
struct NetworkGraphTests {
    /// (from → to, forward shape) of the chain's edges and (parameter, shape) of the side edges.
    static func chain(_ g: ComputationalGraph) -> [String] {
        g.edges.map { e in "\(g.nodes[e.from].label)→\(g.nodes[e.to].label) \(e.forward?.tensor?.shapeText ?? "-")" }
    }

    static func shapes(_ spec: NetworkSpec) -> [String] {
        let network = Network<Float>(spec: spec, seed: 1)
        let example = spec.kind.isConvolutional ? spec.imageShape : [spec.inputSize]
        return chain(NetworkGraph.shapes(of: network, exampleShape: example, title: spec.kind.rawValue))
    }

    @Test("two-layer 784-50-10: (N, 784) → Affine1 → (N, 50) → Relu1 → Affine2 → (N, 10), W1 (784, 50) …")
    func twoLayer() {
        let spec = NetworkSpec(kind: .twoLayer, inputSize: 784, hiddenSizes: [50], outputSize: 10, weightInit: .standardDeviation(0.01))
        #expect(Self.shapes(spec) == [
            "x→Affine1 (N, 784)", "Affine1→Relu1 (N, 50)", "Relu1→Affine2 (N, 50)", "Affine2→SoftmaxWithLoss (N, 10)",
            "t→SoftmaxWithLoss (N,)", "SoftmaxWithLoss→L -",
            "W1→Affine1 (784, 50)", "b1→Affine1 (50,)", "W2→Affine2 (50, 10)", "b2→Affine2 (10,)",
        ])
        let g = NetworkGraph.shapes(of: Network<Float>(spec: spec), exampleShape: [784], title: "")
        #expect(g.nodes[g.nodeIndex("W1")!].details == ["(784, 50)", "39,200 values"])
        #expect(g.nodes[g.nodeIndex("W1")!].kind == .parameter)
        #expect(g.edges.allSatisfy { $0.backward == nil }, "nothing ran backward")
    }

    @Test("mlp with batch norm and dropout: Affine → BatchNorm → Relu → Dropout per hidden layer, γ and β beside BatchNorm")
    func mlpWithBatchNormAndDropout() {
        let spec = NetworkSpec(kind: .mlp, inputSize: 784, hiddenSizes: [100, 60], outputSize: 10, batchNorm: true, dropoutRatio: 0.2)
        #expect(Self.shapes(spec) == [
            "x→Affine1 (N, 784)", "Affine1→BatchNorm1 (N, 100)", "BatchNorm1→Relu1 (N, 100)", "Relu1→Dropout1 (N, 100)",
            "Dropout1→Affine2 (N, 100)", "Affine2→BatchNorm2 (N, 60)", "BatchNorm2→Relu2 (N, 60)", "Relu2→Dropout2 (N, 60)",
            "Dropout2→Affine3 (N, 60)", "Affine3→SoftmaxWithLoss (N, 10)", "t→SoftmaxWithLoss (N,)", "SoftmaxWithLoss→L -",
            "W1→Affine1 (784, 100)", "b1→Affine1 (100,)", "gamma1→BatchNorm1 (100,)", "beta1→BatchNorm1 (100,)",
            "W2→Affine2 (100, 60)", "b2→Affine2 (60,)", "gamma2→BatchNorm2 (60,)", "beta2→BatchNorm2 (60,)",
            "W3→Affine3 (60, 10)", "b3→Affine3 (10,)",
        ])
    }

    @Test("cnn (§7.5): (N, 1, 28, 28) → Conv1 → (N, 30, 24, 24) → Pool1 → (N, 30, 12, 12) → Affine1 (4320, 100)")
    func simpleConvNet() {
        let spec = NetworkSpec(kind: .cnn, inputSize: 784, hiddenSizes: [100], outputSize: 10, weightInit: .standardDeviation(0.01))
        #expect(Self.shapes(spec) == [
            "x→Conv1 (N, 1, 28, 28)", "Conv1→Relu1 (N, 30, 24, 24)", "Relu1→Pool1 (N, 30, 24, 24)",
            "Pool1→Affine1 (N, 30, 12, 12)", "Affine1→Relu2 (N, 100)", "Relu2→Affine2 (N, 100)",
            "Affine2→SoftmaxWithLoss (N, 10)", "t→SoftmaxWithLoss (N,)", "SoftmaxWithLoss→L -",
            "W1→Conv1 (30, 1, 5, 5)", "b1→Conv1 (30,)", "W2→Affine1 (4320, 100)", "b2→Affine1 (100,)",
            "W3→Affine2 (100, 10)", "b3→Affine2 (10,)",
        ])
    }

    @Test("deep-cnn (§8.1): six 3×3 convolutions (the fourth padded by 2), three poolings, two Affine, two Dropout")
    func deepConvNet() {
        let spec = NetworkSpec(kind: .deepCNN, inputSize: 784, hiddenSizes: [50], outputSize: 10, dropoutRatio: 0.5)
        let shapes = Self.shapes(spec)
        #expect(Array(shapes.prefix(22)) == [
            "x→Conv1 (N, 1, 28, 28)", "Conv1→Relu1 (N, 16, 28, 28)", "Relu1→Conv2 (N, 16, 28, 28)",
            "Conv2→Relu2 (N, 16, 28, 28)", "Relu2→Pool1 (N, 16, 28, 28)", "Pool1→Conv3 (N, 16, 14, 14)",
            "Conv3→Relu3 (N, 32, 14, 14)", "Relu3→Conv4 (N, 32, 14, 14)", "Conv4→Relu4 (N, 32, 16, 16)",
            "Relu4→Pool2 (N, 32, 16, 16)", "Pool2→Conv5 (N, 32, 8, 8)", "Conv5→Relu5 (N, 64, 8, 8)",
            "Relu5→Conv6 (N, 64, 8, 8)", "Conv6→Relu6 (N, 64, 8, 8)", "Relu6→Pool3 (N, 64, 8, 8)",
            "Pool3→Affine1 (N, 64, 4, 4)", "Affine1→Relu7 (N, 50)", "Relu7→Dropout1 (N, 50)",
            "Dropout1→Affine2 (N, 50)", "Affine2→Dropout2 (N, 10)", "Dropout2→SoftmaxWithLoss (N, 10)",
            "t→SoftmaxWithLoss (N,)",
        ])
        #expect(shapes.contains("W4→Conv4 (32, 32, 3, 3)") && shapes.contains("W7→Affine1 (1024, 50)")
                && shapes.contains("W8→Affine2 (50, 10)"))
        let g = NetworkGraph.shapes(of: Network<Float>(spec: spec), exampleShape: [1, 28, 28], title: "")
        #expect(g.nodes[g.nodeIndex("Conv4")!].details == ["32 filters 3×3", "stride 1, pad 2"])
        #expect(g.nodes[g.nodeIndex("Pool1")!].details == ["max 2×2, stride 2"])
    }

    @Test("with a batch: the loss, activation statistics and gradient norms of the same network run unrecorded")
    func batchStatisticsMatchAnUnrecordedRun() throws {
        let spec = NetworkSpec(kind: .mlp, inputSize: 6, hiddenSizes: [5, 4], outputSize: 3, activation: .sigmoid,
                               weightInit: .xavier, weightDecay: 0.1)
        var rng = SeededGenerator(seed: 7)
        let x = Tensor<Double>.randomNormal([8, 6], using: &rng)
        let t = Tensor<Double>((0..<8).map { Double($0 % 3) })
        let g = NetworkGraph.pass(of: Network<Double>(spec: spec, seed: 3), x: x, t: t, title: "mlp")

        // The same network, run by hand, layer by layer.
        let plain = Network<Double>(spec: spec, seed: 3)
        let loss = plain.gradient(x, t)
        let lossEdge = try #require(g.edge(from: "SoftmaxWithLoss", to: "L"))
        #expect(lossEdge.forward?.scalar == Double(loss) && lossEdge.backward?.scalar == 1)
        for p in plain.parameters {
            let edge = try #require(g.edges.first { g.nodes[$0.from].label == p.name })
            let norm = p.gradient.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(Swift.abs((edge.backward?.tensor?.norm ?? -1) - norm) <= 1e-12 * Swift.max(1, norm), "\(p.name)")
        }
        var activations = [x]
        for layer in Network<Double>(spec: spec, seed: 3).layers { activations.append(layer.forward(activations.last!, training: true)) }
        let chainEdges = g.edges.filter { g.nodes[$0.to].kind == .layer && g.nodes[$0.from].kind != .parameter
                                          && g.nodes[$0.from].label != "t" }
        #expect(chainEdges.count == activations.count)
        for (edge, a) in zip(chainEdges, activations) {
            let mean = a.scalars.reduce(0, +) / Double(a.count)
            let std = (a.scalars.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(a.count)).squareRoot()
            let s = try #require(edge.forward?.tensor)
            #expect(s.shape == a.shape && !s.symbolicBatch)
            #expect(Swift.abs(s.mean! - mean) <= 1e-12 && Swift.abs(s.standardDeviation! - std) <= 1e-12)
        }
        // The first layer computes only its parameters' gradients: nothing comes back to x.
        #expect(g.edge(from: "x", to: "Affine1")?.backward == nil)
        #expect(g.edge(from: "Affine1", to: "Sigmoid1")?.backward?.tensor?.norm != nil)
    }

    @Test("a recorder wrapped round a user's own loop records both directions")
    func recorderInAUserLoop() {
        let recorder = GraphRecorder(title: "mine")
        let layers = recorder.recordChain([Affine<Double>(weight: .ones([2, 2]), bias: .zeros([2])), Relu<Double>()] as [any Layer<Double>])
        var y = Tensor<Double>([[1, -3]])
        for layer in layers { y = layer.forward(y) }
        var dout = Tensor<Double>.ones(y.shape)
        for layer in layers.reversed() { dout = layer.backward(dout) }
        let g = recorder.graph
        #expect(g.nodes.map(\.label) == ["x", "Affine1", "Relu1"])
        // x·W = (−2, −2): Relu passes nothing back, so ∂L/∂x = 0.
        #expect(g.edge(from: "Affine1", to: "Relu1")?.forward?.tensor?.mean == -2)
        #expect(g.edge(from: "x", to: "Affine1")?.backward?.tensor?.norm == 0)
        #expect(dout.scalars == [0, 0])
    }
}
