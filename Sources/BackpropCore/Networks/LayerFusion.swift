// Which neighbouring layers a `Network` runs as one pass. The layers stay the book's objects, each
// keeping what the book says it keeps; a fused pass only fills both layers' state at once, so whatever
// reads a layer (`backprop graph`, the tests, a checkpoint) sees the same values as without fusion.
//
// Relu → Pooling (max, not `.book`): SimpleConvNet's and DeepConvNet's Convolution → ReLU → Pooling.
// The pair runs `Pooling.forward(_:afterRelu:)` and `Pooling.backward(_:throughRelu:)`: ReLU's out is
// pooled, and pooling's dx masked, while still in cache (Kernels/Pooling/ReluPoolingKernels.swift).

extension Network {
    /// The Relu at `index` and the Pooling right after it, when the network fuses them (`fusesLayers`
    /// is on and the pooling is max pooling off the book's path); nil otherwise.
    package func fusedReluPooling(at index: Int) -> (relu: Relu<Scalar>, pooling: Pooling<Scalar>)? {
        guard fusesLayers, index >= 0, index + 1 < layers.count,
              let relu = layers[index] as? Relu<Scalar>, let pooling = layers[index + 1] as? Pooling<Scalar>,
              pooling.fusesAfterRelu else { return nil }
        return (relu, pooling)
    }
}
