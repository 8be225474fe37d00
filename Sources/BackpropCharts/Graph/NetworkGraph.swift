import BackpropCore
import BackpropTraining

/// A network's layer chain as a computational graph (§5.7, figures 5-28 to 5-30): x → each layer →
/// the loss layer (fed also by the targets t) → L, with every parameter as a side node of its layer
/// showing its shape and number of values.
///
/// Without data each edge carries the shape of the tensor crossing it, for any batch size N. With a
/// batch, one forward and one backward pass run through `RecordingLayer`s wrapped around the network's
/// own layers, and each edge also carries the activation's mean and standard deviation going forward
/// and the gradient's norm coming back — so a gradient vanishing on its way to the first layers shows
/// (§6.2). The network's layers are not changed.
public enum NetworkGraph {
    /// The chain with shapes only, from one inference-mode forward pass of one zero example of shape
    /// `exampleShape` ((784) for a fully connected net, (1, 28, 28) for a convolutional one).
    /// Nothing in the network changes.
    public static func shapes<Scalar: TensorScalar>(of network: Network<Scalar>, exampleShape: [Int],
                                                    title: String) -> ComputationalGraph {
        let recorder = GraphRecorder(title: title, shapeOnly: true, symbolicBatch: true)
        let chain = record(network, recorder: recorder, targetShape: [1])
        var y = Tensor<Scalar>.zeros([1] + exampleShape)
        for layer in chain.layers { y = layer.forward(y, training: false) }
        recorder.addNote("N: the batch size · \(GraphLabels.count(network.parameterCount)) parameters in all")
        return recorder.graph
    }

    /// The chain after one training-mode forward and backward pass (`Network.gradient`) of the batch
    /// `x` (N, …) with targets `t` (class indices (N,) or one-hot (N, C)): shapes, activation mean and
    /// standard deviation, gradient norms, and the loss.
    ///
    /// It is a training step without the update: afterwards the parameters' `gradient`s hold this
    /// batch's, BatchNormalization's running statistics have moved and Dropout drew its masks, as in
    /// a step of training.
    public static func pass<Scalar: TensorScalar>(of network: Network<Scalar>, x: Tensor<Scalar>, t: Tensor<Scalar>,
                                                  title: String) -> ComputationalGraph {
        let recorder = GraphRecorder(title: title)
        let chain = record(network, recorder: recorder, targetShape: t.shape)
        let recorded = Network(layers: chain.layers, lossLayer: network.lossLayer, weightDecay: network.weightDecay)
        let loss = recorded.gradient(x, t)
        recorder.setForward(.scalar(Double(loss)), on: chain.lossEdge)
        recorder.setBackward(.scalar(1), on: chain.lossEdge)
        for (edge, parameter) in chain.parameterEdges {
            recorder.setBackward(recorder.value(parameter.gradient), on: edge)
        }
        recorder.addNote("one training-mode forward and backward pass of \(x.shape[0]) examples · "
                         + "\(GraphLabels.count(network.parameterCount)) parameters in all · ∂L/∂x of the input is not computed")
        return recorder.graph
    }

    private struct Chain<Scalar: TensorScalar> {
        var layers: [RecordingLayer<Scalar>]
        var lossEdge: Int
        var parameterEdges: [(Int, Parameter<Scalar>)]
    }

    /// Adds the nodes and edges, and returns the wrappers to run.
    private static func record<Scalar: TensorScalar>(_ network: Network<Scalar>, recorder: GraphRecorder,
                                                     targetShape: [Int]) -> Chain<Scalar> {
        let layers = recorder.recordChain(network.layers, inputLabel: "x")
        let lossName = String(String(describing: type(of: network.lossLayer)).prefix { $0 != "<" })
        let lossNode = recorder.addNode(lossName, kind: .layer)
        let intoLoss = recorder.addEdge(from: layers.last?.node ?? 0, to: lossNode)
        if let last = layers.last { last.outputEdge = intoLoss }
        let target = TensorSummary(shape: targetShape, symbolicBatch: recorder.symbolicBatch)
        let targetNode = recorder.addNode("t", kind: .input, details: [target.shapeText])
        recorder.addEdge(from: targetNode, to: lossNode, forward: .tensor(target))
        let lossOutput = recorder.addNode("L", kind: .output)
        let lossEdge = recorder.addEdge(from: lossNode, to: lossOutput)
        var parameterEdges: [(Int, Parameter<Scalar>)] = []
        for layer in layers {
            for p in layer.parameters {
                let shape = TensorSummary(p.value, shapeOnly: true)
                let node = recorder.addNode(p.name, kind: .parameter,
                                            details: [shape.shapeText, "\(GraphLabels.count(p.value.count)) values"])
                parameterEdges.append((recorder.addEdge(from: node, to: layer.node, name: p.name, forward: .tensor(shape)), p))
            }
        }
        return Chain(layers: layers, lossEdge: lossEdge, parameterEdges: parameterEdges)
    }
}
