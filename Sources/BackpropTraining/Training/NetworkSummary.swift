import BackpropCore

/// What `torchinfo.summary` prints for a network (`backprop summary`): one row per layer with its output
/// shape, parameter count and forward FLOPs per example; the totals; and the memory one training step needs
/// at a batch size.
///
/// Conventions:
/// - Output shapes are those of one example (the batch axis left out), found by running one example of
///   zeros forward in inference mode.
/// - FLOPs are 2 × the multiply-adds of the matrix products and convolutions (torchinfo's "Mult-Adds",
///   doubled): Affine (in, out) does 2·in·out per example, Convolution W (FN, C, FH, FW) with output
///   (FN, OH, OW) does 2·FN·C·FH·FW·OH·OW. Bias adds, activations, pooling, normalisation, dropout and the
///   loss are not counted.
/// - Training-step memory, in scalars of `bytesPerScalar` bytes: the parameters, their gradients (as
///   many again), the optimizer's state (`OptimizerKind.stateSlots` copies), and the activations kept for
///   backward, counted as the input batch plus every layer's output at the batch size (each layer keeps
///   its input, or its output, for its backward). Scratch that layers keep besides (Convolution's
///   per-image columns, pooling's argmax, dropout's mask, batch normalisation's normalised input, the
///   backward's gradient buffers) is not counted: the figure is a lower bound, as torchinfo's.
public struct NetworkSummary: Codable, Sendable, Equatable {
    /// One layer of the table.
    public struct Row: Codable, Sendable, Equatable {
        /// The layer's class, e.g. "Convolution".
        public var layer: String
        /// Its output for one example, e.g. [30, 24, 24].
        public var outputShape: [Int]
        /// Its trainable scalars.
        public var parameters: Int
        /// Its forward FLOPs per example (see the conventions above).
        public var flops: Int
    }

    /// Bytes one training step needs, by what they hold.
    public struct Memory: Codable, Sendable, Equatable {
        /// Bytes of the parameters: `totalParameters` × `bytesPerScalar`.
        public var parameters: Int
        /// Bytes of their gradients, as many as the parameters.
        public var gradients: Int
        /// Bytes of the optimizer's state: `OptimizerKind.stateSlots` copies of the parameters.
        public var optimizerState: Int
        /// Bytes of the activations kept for backward: the input batch and every layer's output at `batchSize`.
        public var activations: Int
        /// The sum of the four.
        public var total: Int
    }

    /// The input of one example, e.g. [1, 28, 28] or [784].
    public var inputShape: [Int]
    /// The table: one row per layer of the network, in order.
    public var rows: [Row]
    /// Σ of the rows' parameters (`Network.parameterCount`).
    public var totalParameters: Int
    /// Σ of the rows' FLOPs, per example.
    public var totalFlops: Int
    /// The batch size `memory` is for.
    public var batchSize: Int
    /// Bytes per scalar of the network's precision: 4 (Float) or 8 (Double).
    public var bytesPerScalar: Int
    /// The optimizer whose state `memory.optimizerState` counts.
    public var optimizer: OptimizerKind
    /// The bytes of one training step at `batchSize` (a lower bound, see the conventions above).
    public var memory: Memory

    /// The summary of `network` for inputs of `inputShape` (one example, no batch axis), trained by
    /// `optimizer` in batches of `batchSize`. Runs one example forward (inference mode), so the layers'
    /// buffers are left at that size.
    public init<Scalar: TensorScalar>(_ network: Network<Scalar>, inputShape: [Int], batchSize: Int, optimizer: OptimizerKind) {
        precondition(batchSize >= 1, "NetworkSummary: batch size must be at least 1, got \(batchSize)")
        self.inputShape = inputShape
        var x = Tensor<Scalar>.zeros([1] + inputShape)
        var outputs = inputShape.reduce(1, *)
        rows = network.layers.map { layer in
            let input = x.shape
            x = layer.forward(x, training: false)
            outputs += x.count
            return Row(layer: Self.name(of: layer), outputShape: Array(x.shape.dropFirst()),
                       parameters: layer.parameters.reduce(0) { $0 + $1.value.count },
                       flops: Self.flops(of: layer, input: input, output: x.shape))
        }
        totalParameters = rows.reduce(0) { $0 + $1.parameters }
        totalFlops = rows.reduce(0) { $0 + $1.flops }
        self.batchSize = batchSize
        bytesPerScalar = MemoryLayout<Scalar>.size
        self.optimizer = optimizer
        let scalar = bytesPerScalar, parameterBytes = totalParameters * scalar
        memory = Memory(parameters: parameterBytes, gradients: parameterBytes,
                        optimizerState: optimizer.stateSlots * parameterBytes, activations: batchSize * outputs * scalar,
                        total: (2 + optimizer.stateSlots) * parameterBytes + batchSize * outputs * scalar)
    }

    /// The layer's class name without its generic argument ("Affine", not "Affine<Float>").
    static func name(of layer: any Layer) -> String {
        String(String(describing: type(of: layer)).prefix { $0 != "<" })
    }

    /// 2 × multiply-adds per example of an Affine or Convolution; 0 for any other layer.
    static func flops<Scalar: TensorScalar>(of layer: any Layer<Scalar>, input: [Int], output: [Int]) -> Int {
        if let affine = layer as? Affine<Scalar> {
            let w = affine.weight.value.shape
            return 2 * w[0] * w[1]
        }
        if let convolution = layer as? Convolution<Scalar> {
            let w = convolution.weight.value.shape, positions = output.dropFirst(2).reduce(1, *)
            return 2 * w[0] * w[1] * w[2] * w[3] * positions
        }
        return 0
    }

    /// The table as text: one line per layer, a rule, the totals and the memory, torchinfo's layout.
    public var table: String {
        let header = ["Layer", "Output shape", "Param #", "FLOPs"]
        let body = rows.enumerated().map { i, row in
            ["\(i + 1) \(row.layer)", "(" + row.outputShape.map(String.init).joined(separator: ", ") + ")",
             Self.grouped(row.parameters), Self.grouped(row.flops)]
        }
        let widths = (0..<4).map { c in ([header] + body).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return c < 2 ? cell + pad : pad + cell
            }.joined(separator: "   ")
        }
        let rule = String(repeating: "=", count: widths.reduce(0, +) + 9)
        func megabytes(_ bytes: Int) -> String { String(Double(Int((Double(bytes) / 1e6 * 100).rounded())) / 100) + " MB" }
        return ([rule, line(header), rule] + body.map(line) + [rule,
            "Total params: \(Self.grouped(totalParameters))",
            "Forward FLOPs per example: \(Self.grouped(totalFlops)) (2 × multiply-adds of Affine and Convolution)",
            "Training step at batch \(batchSize), \(bytesPerScalar * 8)-bit scalars, \(optimizer.rawValue):",
            "  parameters \(megabytes(memory.parameters)), gradients \(megabytes(memory.gradients)), "
                + "optimizer state \(megabytes(memory.optimizerState)), activations \(megabytes(memory.activations))",
            "  total \(megabytes(memory.total)) (activations: the input and every layer's output; layer scratch not counted)",
            rule]).joined(separator: "\n")
    }

    /// `n` with thousands separated by commas, e.g. 1,234,567.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return (n < 0 ? "-" : "") + out
    }
}
