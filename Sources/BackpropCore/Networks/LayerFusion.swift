// Which neighbouring layers a `Network` runs as one pass. The layers stay the book's objects, each
// keeping what the book says it keeps; a fused pass only fills both layers' state at once, so whatever
// reads a layer (`backprop graph`, the tests, a checkpoint) sees the same values as without fusion —
// except in the lean group below, which a network runs only when told (`keepsLayerState` false).
//
// Relu → Pooling (max, not `.book`): SimpleConvNet's and DeepConvNet's Convolution → ReLU → Pooling.
// The pair runs `Pooling.forward(_:afterRelu:)` and `Pooling.backward(_:throughRelu:)`: ReLU's out is
// pooled, and pooling's dx masked, while still in cache (Kernels/Pooling/ReluPoolingKernels.swift).
//
// Convolution → Relu (→ Pooling) forward: the convolution calls the Relu (or the fused Relu → Pooling)
// on each image (Winograd: each group) of its output right after writing it, so they read it from
// cache (`Convolution.forward(_:eachImage:)`). Every layer keeps what it keeps unfused.
//
// Lean Convolution → Relu → Pooling (`Network.keepsLayerState` false, as `Trainer` runs): the group pools
// each image of the convolution's output and takes ReLU of the maxima — relu(max) = max(relu), ReLU
// keeping order — so ReLU's out and mask are never written; the maxima whose ReLU is 0 get position −1,
// which is ReLU's backward, so the group's backward is unpooling alone. `Relu.mask` and `Pooling.x` are
// then nil; the numbers are the same, bit for bit (LayerFusionTests).
//
// Convolution ← Relu (← Pooling) backward: when the convolution's backward reads dout one image at a
// time, the Relu's (or the fused Relu → Pooling's) backward is handed to it as an `ImageGradient`, so
// each image's dout is computed just before the convolution reads it, from cache, and the whole dout
// never goes out to memory and back. The numbers are the unfused ones, bit for bit.

extension Network {
    /// The Relu at `index` and the Pooling right after it, when the network fuses them (`fusesLayers`
    /// is on and the pooling is max pooling off the book's path); nil otherwise.
    package func fusedReluPooling(at index: Int) -> (relu: Relu<Scalar>, pooling: Pooling<Scalar>)? {
        guard fusesLayers, index >= 0, index + 1 < layers.count,
              let relu = layers[index] as? Relu<Scalar>, let pooling = layers[index + 1] as? Pooling<Scalar>,
              pooling.fusesAfterRelu else { return nil }
        return (relu, pooling)
    }

    /// The Convolution whose dout the layers ending at `index` (a Relu, or a Relu and a fused Pooling)
    /// can hand over image by image for `dout` (the last of those layers' dout), with that hand-over; nil
    /// when the network does not fuse layers or the convolution reads dout whole (the book's path).
    package func convolutionGradientByImage(at index: Int, _ dout: Tensor<Scalar>)
        -> (Convolution<Scalar>, (gradient: ImageGradient<Scalar>, throughPooling: Bool))? {
        guard fusesLayers, index >= 1 else { return nil }
        if index >= 2, let (relu, pooling) = fusedReluPooling(at: index - 1),
           let convolution = layers[index - 2] as? Convolution<Scalar>,
           convolution.readsGradientByImage {
            return (convolution, (pooling.imageGradient(dout, throughRelu: relu), true))
        }
        if let relu = layers[index] as? Relu<Scalar>, let convolution = layers[index - 1] as? Convolution<Scalar>,
           convolution.readsGradientByImage {
            return (convolution, (relu.imageGradient(dout), false))
        }
        return nil
    }

    /// The forward of the stage that starts at layer `index` — a Convolution whose output the Relu (→ Pooling)
    /// after it reads image by image, a fused Relu → Pooling pair, or one layer — on y; returns its output
    /// and the index of the next stage.
    package func forwardStage(_ y: Tensor<Scalar>, at index: Int, training: Bool) -> (Tensor<Scalar>, next: Int) {
        if fusesLayers, index + 1 < layers.count, let convolution = layers[index] as? Convolution<Scalar>,
           let relu = layers[index + 1] as? Relu<Scalar>, convolution.writesOutputByImage(y.shape) {
            if let (_, pooling) = fusedReluPooling(at: index + 1) {
                return (pooling.forward(y, afterConvolution: convolution, relu: relu, keepingState: keepsLayerState), index + 3)
            }
            return (relu.forward(y, afterConvolution: convolution), index + 2)
        }
        if let (relu, pooling) = fusedReluPooling(at: index) { return (pooling.forward(y, afterRelu: relu), index + 2) }
        return (layers[index].forward(y, training: training), index + 1)
    }

    /// The backward of the stage that ends at layer `index` — a Convolution taking the dout of the Relu
    /// (→ Pooling) after it image by image, a fused Relu → Pooling pair, or one layer — from dout; returns
    /// dx (dout itself after the first layer, which computes its parameters' gradients only) and the index
    /// of the stage before (−1 after the first).
    package func backwardStage(_ dout: Tensor<Scalar>, at index: Int) -> (Tensor<Scalar>, next: Int) {
        if let (convolution, byImage) = convolutionGradientByImage(at: index, dout) {
            let start = index - (byImage.throughPooling ? 2 : 1)
            return (convolution.backward(byImage: byImage.gradient, inputGradient: start > 0) ?? dout, start - 1)
        }
        if let (relu, pooling) = fusedReluPooling(at: index - 1) { return (pooling.backward(dout, throughRelu: relu), index - 2) }
        // Nothing uses ∂L/∂x of the first layer: it computes its parameters' gradients only.
        if index == 0 {
            layers[index].backwardParameters(dout)
            return (dout, -1)
        }
        return (layers[index].backward(dout), index - 1)
    }
}
