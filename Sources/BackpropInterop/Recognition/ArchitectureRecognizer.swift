import Backprop

/// Which of our networks a dict of weight arrays holds, from its keys and shapes:
///
/// - Keys must be the book's: `W1`…`Wn`, `b1`…`bn`, and for batch norm `gamma`k, `beta`k,
///   `running_mean`k, `running_var`k (k < n). Anything else is refused.
/// - Every W of rank 2 (in, out), chained in → out: an MLP (`mlp`, or `two-layer` when asked) with
///   hidden sizes from the shapes; activation from the options (the ch. 3 sample net 784-50-100-10
///   must name it: it is sigmoid, where the book's MultiLayerNet default is ReLU).
/// - W1 of rank 4 (filters, channels, kh, kw): one convolution → SimpleConvNet (§7.5), six →
///   DeepConvNet (§8.1, with the book's dropout 0.5). The square image side is the one for which our
///   layout (`NetworkSpec.tensorShapes`) gives the first Affine its rows (28 when several do).
///
/// The result's `tensorShapes` are exactly the arrays' names and shapes, or a one-line error says which
/// array does not fit.
public enum ArchitectureRecognizer {
    /// The book's ch. 3 inference network (`sample_weight.pkl`), whose activation is sigmoid.
    public static let chapter3Sizes = [784, 50, 100, 10]

    /// The architecture of `tensors`; `path` names the file in errors. Throws `InteropError.architecture`.
    public static func spec(for tensors: [String: StoredTensor], options: ConversionOptions, path: String) throws -> NetworkSpec {
        func fail(_ reason: String) -> InteropError { .architecture(path: path, reason: reason) }
        let prefixes = ["running_mean", "running_var", "gamma", "beta", "W", "b"]
        for name in tensors.keys {
            guard let prefix = prefixes.first(where: { name.hasPrefix($0) }),
                  let k = Int(name.dropFirst(prefix.count)), k >= 1, String(k) == name.dropFirst(prefix.count) else {
                throw fail("array \"\(name)\" is not a weight of the book's networks (W1…Wn, b1…bn, gamma/beta/running_mean/running_var k)")
            }
        }
        let n = tensors.keys.filter { $0.hasPrefix("W") }.count
        guard n >= 2 else { throw fail("\(n) weight matrices: a network needs W1 and W2 at least") }
        var weights: [[Int]] = []
        for i in 1...n {
            guard let w = tensors["W\(i)"] else { throw fail("W\(i) is missing (there are \(n) W arrays)") }
            guard tensors["b\(i)"] != nil else { throw fail("b\(i) is missing") }
            weights.append(w.shape)
        }
        let convolutions = weights.prefix { $0.count == 4 }.count
        if let bad = weights.indices.dropFirst(convolutions).first(where: { weights[$0].count != 2 }) {
            throw fail("W\(bad + 1) has shape \(weights[bad]); "
                       + "weights are (in, out) matrices after the (filters, channels, h, w) convolutions")
        }
        let spec = convolutions == 0
            ? try mlpSpec(weights, tensors: tensors, options: options, fail: fail)
            : try convSpec(weights, convolutions: convolutions, options: options, fail: fail)
        if let problem = spec.problems.first { throw fail(problem) }
        try check(spec, against: options, fail: fail)
        let expected = spec.tensorShapes
        for (name, shape) in expected {
            guard let found = tensors[name] else { throw fail("\(name) is missing for \(describe(spec))") }
            guard found.shape == shape else { throw fail("\(name) has shape \(found.shape), \(describe(spec)) needs \(shape)") }
        }
        if let extra = Set(tensors.keys).subtracting(expected.map(\.name)).sorted().first {
            throw fail("array \"\(extra)\" has no place in \(describe(spec))")
        }
        return spec
    }

    /// Whether the flags agree with `spec` (the checkpoint's or the recognised one).
    public static func check(_ spec: NetworkSpec, against options: ConversionOptions, fail: (String) -> InteropError) throws {
        if let model = options.model, model != spec.kind, !(model == .twoLayer && spec.kind == .mlp && spec.hiddenSizes.count == 1) {
            throw fail("the arrays are \(describe(spec)), not --model \(model.rawValue)")
        }
        if let hidden = options.hidden, hidden != spec.hiddenSizes {
            throw fail("the arrays have hidden sizes \(spec.hiddenSizes.map(String.init).joined(separator: ",")), "
                       + "not --hidden \(hidden.map(String.init).joined(separator: ","))")
        }
        if let activation = options.activation, activation != spec.activation {
            throw fail("\(describe(spec)) uses \(spec.activation.rawValue), not --activation \(activation.rawValue)")
        }
    }

    /// "mlp 784-50-100-10 (sigmoid)", "cnn (SimpleConvNet) on 1×28×28 images", …
    public static func describe(_ spec: NetworkSpec) -> String {
        switch spec.kind {
        case .cnn, .deepCNN:
            let name = spec.kind == .cnn ? "SimpleConvNet" : "DeepConvNet"
            return "\(spec.kind.rawValue) (\(name)) on \(spec.imageShape.map(String.init).joined(separator: "×")) images"
        case .twoLayer, .mlp:
            let sizes = ([spec.inputSize] + spec.hiddenSizes + [spec.outputSize]).map(String.init).joined(separator: "-")
            var extras = [spec.activation.rawValue]
            if spec.batchNorm { extras.append("batch norm") }
            if let ratio = spec.dropoutRatio { extras.append("dropout \(ratio)") }
            return "\(spec.kind.rawValue) \(sizes) (\(extras.joined(separator: ", ")))"
        }
    }

    private static func mlpSpec(_ weights: [[Int]], tensors: [String: StoredTensor], options: ConversionOptions,
                                fail: (String) -> InteropError) throws -> NetworkSpec {
        for i in 1..<weights.count where weights[i][0] != weights[i - 1][1] {
            throw fail("W\(i + 1) has shape \(weights[i]), but W\(i) gives \(weights[i - 1][1]) outputs")
        }
        let sizes = [weights[0][0]] + weights.map { $0[1] }
        let hidden = Array(sizes.dropFirst().dropLast())
        let gammas = tensors.keys.filter { $0.hasPrefix("gamma") }
        let batchNorm = !gammas.isEmpty
        if batchNorm {
            for k in 1...hidden.count where tensors["running_mean\(k)"] == nil || tensors["running_var\(k)"] == nil {
                throw fail("gamma\(k) and beta\(k) without running_mean\(k) and running_var\(k): batch norm at inference needs "
                           + "the running statistics (the book's params dict does not keep them)")
            }
        }
        if options.activation == nil, sizes == chapter3Sizes {
            throw fail("784-50-100-10 is the book's ch. 3 sample network, whose activation is sigmoid: "
                       + "give --activation sigmoid (or --activation relu)")
        }
        let activation = options.activation ?? .relu
        let kind: NetworkSpec.Kind = options.model == .twoLayer && hidden.count == 1 ? .twoLayer : .mlp
        return NetworkSpec(kind: kind, inputSize: sizes[0], hiddenSizes: hidden, outputSize: sizes.last!,
                           activation: activation, weightInit: activation == .relu ? .he : .xavier,
                           batchNorm: batchNorm, dropoutRatio: options.dropout)
    }

    private static func convSpec(_ weights: [[Int]], convolutions: Int, options: ConversionOptions,
                                 fail: (String) -> InteropError) throws -> NetworkSpec {
        let kind: NetworkSpec.Kind
        switch convolutions {
        case 1: kind = .cnn
        case 6: kind = .deepCNN
        default: throw fail("\(convolutions) convolution weights: SimpleConvNet has 1, DeepConvNet 6")
        }
        guard weights.count == convolutions + 2 else {
            throw fail("\(weights.count - convolutions) Affine weights after the convolutions: \(kind.rawValue) has 2")
        }
        let channels = weights[0][1]
        let (rows, hidden, output) = (weights[convolutions][0], weights[convolutions][1], weights[convolutions + 1][1])
        let dropout = options.dropout ?? (kind == .deepCNN ? 0.5 : nil)
        func spec(side: Int) -> NetworkSpec {
            NetworkSpec(kind: kind, inputSize: channels * side * side, hiddenSizes: [hidden], outputSize: output,
                        weightInit: kind == .cnn ? .standardDeviation(0.01) : .he, dropoutRatio: dropout,
                        inputShape: [channels, side, side])
        }
        // The side for which the layout gives the first Affine `rows` inputs.
        let name = "W\(convolutions + 1)"
        let sides = (1...1024).filter { side in
            let candidate = spec(side: side)
            return candidate.problems.isEmpty && candidate.tensorShapes.first { $0.name == name }?.shape.first == rows
        }
        guard let side = sides.contains(28) ? 28 : sides.first else {
            throw fail("\(name) has \(rows) rows, which no square image gives \(kind.rawValue) "
                       + "(SimpleConvNet: 30·((side−4)/2)²; DeepConvNet: 64·(side/8)²)")
        }
        return spec(side: side)
    }
}
