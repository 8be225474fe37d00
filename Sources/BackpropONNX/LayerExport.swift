import Backprop

/// Each layer's inference forward (`forward(x, training: false)`) as ONNX opset-13 nodes, in the
/// layer's own order of operations so that float32 rounding matches the Swift code step for step.
extension ONNXGraphBuilder {
    /// Adds the nodes of `layer`, the `index`th of the network (for errors, with `path`).
    mutating func add(_ layer: any Layer<Scalar>, index: Int, path: String) throws {
        let mismatch = { (reason: String) in ONNXExportError.shapeMismatch(path: path, index: index, reason: reason) }
        switch layer {
        case let affine as Affine<Scalar>:
            try addAffine(affine, mismatch: mismatch)
        case let conv as Convolution<Scalar>:
            try addConvolution(conv, mismatch: mismatch)
        case let pool as Pooling<Scalar>:
            try addPooling(pool, mismatch: mismatch)
        case let bn as BatchNormalization<Scalar>:
            try addBatchNormalization(bn, mismatch: mismatch)
        case let dropout as Dropout<Scalar>:
            // §6.4.3, inference: the book's x * (1.0 - self.dropout_ratio); inverted dropout is the identity.
            guard !dropout.inverted else { return }
            let name = layerName("Dropout")
            let scale = scalar("\(name)/scale", Scalar(1 - dropout.ratio))
            apply("Mul", name: "\(name)/Mul", inputs: [current, scale])
        case is Relu<Scalar>:
            apply("Relu", name: "\(layerName("Relu"))/Relu")
        case is Sigmoid<Scalar>:
            apply("Sigmoid", name: "\(layerName("Sigmoid"))/Sigmoid")
        case is Tanh<Scalar>:
            apply("Tanh", name: "\(layerName("Tanh"))/Tanh")
        case is Identity<Scalar>:
            return
        case is Flatten<Scalar>:
            flatten(name: "\(layerName("Flatten"))/Flatten")
        default:
            throw ONNXExportError.unsupportedLayer(path: path, index: index, layer: "\(type(of: layer))")
        }
    }

    /// x.reshape(N, -1): a Flatten node unless the value is already (N, features).
    private mutating func flatten(name: String) {
        guard shape.count != 1 else { return }
        apply("Flatten", name: name, attributes: [Self.attribute("axis", 1)])
        shape = [shape.reduce(1, *)]
    }

    /// §5.6.2 Affine: x.reshape(N, -1) · W + b as one Gemm (alpha = beta = 1, nothing transposed).
    private mutating func addAffine(_ affine: Affine<Scalar>, mismatch: (String) -> ONNXExportError) throws {
        let w = affine.weight.value, b = affine.bias.value
        let features = shape.reduce(1, *)
        guard w.shape[0] == features else {
            throw mismatch("Affine with W of shape \(w.shape) takes \(features) features per example (shape \(shape))")
        }
        let name = layerName("Affine")
        flatten(name: "\(name)/Flatten")
        let weight = initializer(affine.weight.name, w)
        let bias = initializer(affine.bias.name, b)
        apply("Gemm", name: "\(name)/Gemm", inputs: [current, weight, bias])
        shape = [w.shape[1]]
    }

    /// §7.4.3 Convolution: a Conv node with the same zero padding and stride (W is (FN, C, FH, FW) in both).
    private mutating func addConvolution(_ conv: Convolution<Scalar>, mismatch: (String) -> ONNXExportError) throws {
        let w = conv.weight.value
        guard shape.count == 3, shape[0] == w.shape[1] else {
            throw mismatch("Convolution with W of shape \(w.shape) needs (C, H, W) with C = \(w.shape[1]) per example, got \(shape)")
        }
        let (oh, ow) = ((shape[1] + 2 * conv.pad - w.shape[2]) / conv.stride + 1, (shape[2] + 2 * conv.pad - w.shape[3]) / conv.stride + 1)
        guard shape[1] + 2 * conv.pad >= w.shape[2], shape[2] + 2 * conv.pad >= w.shape[3] else {
            throw mismatch("the \(w.shape[2])×\(w.shape[3]) filter does not fit images of \(shape[1])×\(shape[2]) padded by \(conv.pad)")
        }
        let name = layerName("Convolution")
        let weight = initializer(conv.weight.name, w)
        let bias = initializer(conv.bias.name, conv.bias.value)
        apply("Conv", name: "\(name)/Conv", inputs: [current, weight, bias], attributes: [
            Self.attribute("kernel_shape", [w.shape[2], w.shape[3]]),
            Self.attribute("pads", Array(repeating: conv.pad, count: 4)),
            Self.attribute("strides", [conv.stride, conv.stride]),
        ])
        shape = [w.shape[0], oh, ow]
    }

    /// §7.4.4 Pooling. Our padding cells count as zeros (pooling over im2col), so a padded max-pool is a
    /// zero Pad followed by MaxPool (ONNX's own max-pool padding never wins), and average-pooling counts
    /// the padding (count_include_pad). Without padding both are the plain ONNX pools.
    private mutating func addPooling(_ pool: Pooling<Scalar>, mismatch: (String) -> ONNXExportError) throws {
        guard shape.count == 3, shape[1] + 2 * pool.pad >= pool.poolHeight, shape[2] + 2 * pool.pad >= pool.poolWidth else {
            throw mismatch("a \(pool.poolHeight)×\(pool.poolWidth) pool padded by \(pool.pad) needs (C, H, W) that it fits, got \(shape)")
        }
        let name = layerName("Pooling")
        let window = [Self.attribute("kernel_shape", [pool.poolHeight, pool.poolWidth]),
                      Self.attribute("strides", [pool.stride, pool.stride])]
        let p = pool.pad
        switch pool.mode {
        case .max:
            if p > 0 {
                let pads = int64s("\(name)/pads", [0, 0, p, p, 0, 0, p, p])
                apply("Pad", name: "\(name)/Pad", inputs: [current, pads])
            }
            apply("MaxPool", name: "\(name)/MaxPool", attributes: window)
        case .average:
            apply("AveragePool", name: "\(name)/AveragePool",
                  attributes: window + [Self.attribute("pads", [p, p, p, p]), Self.attribute("count_include_pad", 1)])
        }
        shape = [shape[0], (shape[1] + 2 * p - pool.poolHeight) / pool.stride + 1, (shape[2] + 2 * p - pool.poolWidth) / pool.stride + 1]
    }

    /// §6.3 BatchNormalization in inference, step for step as the Swift layer: xc = x − running_mean,
    /// std = √(running_var + ε), xn = xc / std, out = γ·xn + β — over the flattened features (the
    /// book's; a 4-d value is flattened and reshaped back) or per channel (`perChannel`).
    private mutating func addBatchNormalization(_ bn: BatchNormalization<Scalar>, mismatch: (String) -> ONNXExportError) throws {
        let perChannel = bn.perChannel && shape.count == 3
        let features = perChannel ? shape[0] : shape.reduce(1, *)
        guard shape.count == 1 || shape.count == 3, features == bn.featureCount else {
            throw mismatch("BatchNormalization over \(bn.featureCount) \(perChannel ? "channels" : "features") "
                           + "gets values of shape \(shape)")
        }
        let name = layerName("BatchNormalization")
        let original = shape
        if !perChannel { flatten(name: "\(name)/Flatten") }
        // Statistics broadcast as (F,) against (N, F), or as (C, 1, 1) against (N, C, H, W).
        let statShape = perChannel ? [features, 1, 1] : [features]
        let suffix = bn.gamma.name.hasPrefix("gamma") ? String(bn.gamma.name.dropFirst("gamma".count)) : nil
        let meanName = suffix.map { "running_mean\($0)" } ?? "\(name)/running_mean"
        let varianceName = suffix.map { "running_var\($0)" } ?? "\(name)/running_var"
        let mean = initializer(meanName, bn.runningMean.reshaped(statShape))
        let variance = initializer(varianceName, bn.runningVariance.reshaped(statShape))
        let gamma = initializer(bn.gamma.name, bn.gamma.value.reshaped(statShape))
        let beta = initializer(bn.beta.name, bn.beta.value.reshaped(statShape))
        let epsilon = scalar("\(name)/epsilon", Scalar(bn.epsilon))

        apply("Sub", name: "\(name)/Sub", inputs: [current, mean])             // xc = x - self.running_mean
        let xc = current
        apply("Add", name: "\(name)/AddEpsilon", inputs: [variance, epsilon])  // std = np.sqrt(self.running_var + 10e-7)
        apply("Sqrt", name: "\(name)/Sqrt")
        apply("Div", name: "\(name)/Div", inputs: [xc, current])               // xn = xc / std
        apply("Mul", name: "\(name)/Mul", inputs: [gamma, current])            // out = self.gamma * xn + self.beta
        apply("Add", name: "\(name)/Add", inputs: [current, beta])
        if original.count == 3 && !perChannel {
            let target = int64s("\(name)/shape", [0] + original)               // 0: keep N
            apply("Reshape", name: "\(name)/Reshape", inputs: [current, target])
        }
        shape = original
    }
}
