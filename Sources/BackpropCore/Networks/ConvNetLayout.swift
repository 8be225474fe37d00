/// The convolutional networks of chapters 7 and 8, as layer lists and tensor shapes for `NetworkSpec`.
///
/// - `cnn`, §7.5 SimpleConvNet (ch07/simple_convnet.py): Conv(30 filters 5×5, stride 1, pad 0) → ReLU →
///   Pool(max 2×2, stride 2) → Affine(100) → ReLU → Affine(classes) → SoftmaxWithLoss; weights
///   0.01·N(0, 1) as ch07/train_convnet.py. 433,890 parameters on 28×28 input.
/// - `deep-cnn`, §8.1 DeepConvNet (ch08/deep_convnet.py): (Conv 3×3 → ReLU → Conv 3×3 → ReLU → Pool 2×2)
///   × 3 with 16, 16, 32, 32, 64, 64 filters and pads 1, 1, 1, 2, 1, 1 → Affine(50) → ReLU →
///   Dropout(0.5) → Affine(classes) → Dropout(0.5) → SoftmaxWithLoss; He init with fan-ins
///   9, 144, 144, 288, 288, 576, 1024, 50. 123,552 parameters on 28×28 input.
package enum ConvNetLayout {
    /// One convolution: filters, size, pad (stride 1).
    struct Conv { var filters: Int, size: Int, pad: Int }

    /// The convolution stages (a 2×2 max-pool after each stage) of each kind.
    static func stages(_ kind: NetworkSpec.Kind) -> [[Conv]] {
        switch kind {
        case .cnn: [[Conv(filters: 30, size: 5, pad: 0)]]
        case .deepCNN:
            [[Conv(filters: 16, size: 3, pad: 1), Conv(filters: 16, size: 3, pad: 1)],
             [Conv(filters: 32, size: 3, pad: 1), Conv(filters: 32, size: 3, pad: 2)],
             [Conv(filters: 64, size: 3, pad: 1), Conv(filters: 64, size: 3, pad: 1)]]
        default: []
        }
    }

    /// (channels, height, width) after the convolution stages, or nil if the input is too small.
    package static func featureShape(_ kind: NetworkSpec.Kind, input: [Int]) -> [Int]? {
        var (c, h, w) = (input[0], input[1], input[2])
        for stage in stages(kind) {
            for conv in stage {
                h = h + 2 * conv.pad - conv.size + 1
                w = w + 2 * conv.pad - conv.size + 1
                c = conv.filters
                if h < 1 || w < 1 { return nil }
            }
            // The 2×2 pool needs a 2×2 window: (1 - 2) / 2 + 1 would be 1, as Swift's division truncates.
            if h < 2 || w < 2 { return nil }
            h = (h - 2) / 2 + 1
            w = (w - 2) / 2 + 1
        }
        return [c, h, w]
    }

    /// Names and shapes of the parameters, W1/b1 … in network order.
    static func parameterShapes(_ spec: NetworkSpec, input: [Int]) -> [(name: String, shape: [Int])] {
        var result: [(name: String, shape: [Int])] = []
        var channels = input[0]
        var index = 0
        for stage in stages(spec.kind) {
            for conv in stage {
                index += 1
                result.append(("W\(index)", [conv.filters, channels, conv.size, conv.size]))
                result.append(("b\(index)", [conv.filters]))
                channels = conv.filters
            }
        }
        guard let features = featureShape(spec.kind, input: input) else { return result }
        let sizes = [features.reduce(1, *)] + spec.hiddenSizes + [spec.outputSize]
        for i in 1..<sizes.count {
            index += 1
            result.append(("W\(index)", [sizes[i - 1], sizes[i]]))
            result.append(("b\(index)", [sizes[i]]))
        }
        return result
    }

    /// The layers, with weights drawn in parameter order from `rng`.
    static func makeLayers<Scalar: TensorScalar>(_ spec: NetworkSpec, input: [Int], initializer: WeightInitializer,
                                                 seed: UInt64, rng: inout SeededGenerator) -> [any Layer<Scalar>] {
        var layers: [any Layer<Scalar>] = []
        var channels = input[0]
        var index = 0
        for stage in stages(spec.kind) {
            for conv in stage {
                index += 1
                let fanIn = channels * conv.size * conv.size
                let layer = Convolution<Scalar>(
                    weight: initializer.weights(shape: [conv.filters, channels, conv.size, conv.size], fanIn: fanIn, using: &rng),
                    bias: .zeros([conv.filters]), stride: 1, pad: conv.pad)
                layer.weight.name = "W\(index)"
                layer.bias.name = "b\(index)"
                layers.append(layer)
                layers.append(Relu<Scalar>())
                channels = conv.filters
            }
            layers.append(Pooling<Scalar>(poolHeight: 2, poolWidth: 2, stride: 2))
        }
        let features = featureShape(spec.kind, input: input)!
        let sizes = [features.reduce(1, *)] + spec.hiddenSizes + [spec.outputSize]
        for i in 1..<sizes.count {
            index += 1
            let affine = Affine<Scalar>(weight: initializer.weights(shape: [sizes[i - 1], sizes[i]], fanIn: sizes[i - 1], using: &rng),
                                        bias: .zeros([sizes[i]]))
            affine.weight.name = "W\(index)"
            affine.bias.name = "b\(index)"
            layers.append(affine)
            if i < sizes.count - 1 { layers.append(Relu<Scalar>()) }
            if let ratio = spec.dropoutRatio {
                // DeepConvNet: Dropout after the hidden ReLU and after the last Affine, as the book.
                layers.append(Dropout<Scalar>(ratio: ratio, seed: seed &+ UInt64(index), inverted: spec.invertedDropout ?? false))
            }
        }
        return layers
    }
}
