import BackpropCore

/// The work a `ModelBenchmark` step does, and the network it times with its convolutions' algorithm
/// chosen (`ModelBenchmark.convolution`).
extension ModelBenchmark {
    /// GEMM floating-point operations of one training step: for every Affine and Convolution, the
    /// forward product, the weight-gradient product and — except in the first layer, which skips it
    /// (`Layer.backwardParameters`) — the input-gradient product, 2·m·n·k each; a convolution's as it
    /// computes them (`Convolution.multiplications`: fewer through Winograd), or the im2col way if `direct`.
    static func gemmFlopsPerStep<Scalar: TensorScalar>(_ network: Network<Scalar>, batch: Int, spec: NetworkSpec,
                                                      direct: Bool = false) -> Double {
        // Walk one example through the layers (inference mode) to learn each layer's input shape.
        var x = Tensor<Scalar>.zeros([1] + (spec.kind.isConvolutional ? spec.imageShape : [spec.inputSize]))
        var total = 0.0
        var first = true
        for layer in network.layers {
            var perExample = 0.0
            let output = layer.forward(x, training: false)
            if let affine = layer as? Affine<Scalar> {
                perExample = Double(affine.weight.value.count) * (first ? 2 : 3)     // in·out multiply-adds
            } else if let conv = layer as? Convolution<Scalar> {
                let m = conv.multiplications(inputShape: x.shape, direct: direct)
                perExample = Double(m.forward + m.weightGradient + (first ? 0 : m.inputGradient))
            }
            if perExample > 0 {
                total += 2 * perExample * Double(batch)
                first = false
            }
            x = output
        }
        return total
    }

    /// `network` with its convolutions made anew with `algorithm` (the same weights, stride and pad),
    /// or `network` itself for `.automatic`, the layers' default.
    static func withConvolutions<Scalar: TensorScalar>(_ algorithm: LayerAlgorithm, _ network: Network<Scalar>) -> Network<Scalar> {
        guard algorithm != .automatic else { return network }
        let layers: [any Layer<Scalar>] = network.layers.map { layer in
            guard let conv = layer as? Convolution<Scalar> else { return layer }
            return Convolution(weight: conv.weight.value, bias: conv.bias.value, stride: conv.stride, pad: conv.pad,
                               algorithm: algorithm)
        }
        return Network(layers: layers, lossLayer: network.lossLayer)
    }
}
