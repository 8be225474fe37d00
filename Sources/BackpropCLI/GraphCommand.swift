import ArgumentParser
import Backprop
import Foundation

/// `backprop graph`: chapter 5's computational graphs with forward values and gradients, as SVG or DOT.
struct GraphCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Draw a computational graph with its forward values and gradients (§5): the book's examples or a network.",
        discussion: """
        Examples: buy-apple (figure 5-16), buy-apple-orange (5-17), sigmoid (5-19/5-20, as ×(−1), exp, +1 and / \
        nodes), relu (5-18), affine (5-25, the shape of every value and gradient). Without an example: a network's \
        layer chain, from --checkpoint or from the train flags (--model, --hidden, …), with each edge's shape and \
        every parameter's shape and count; --sample N runs one batch of N training images forward and backward \
        and adds each activation's mean/std and each gradient's norm. The edges are printed on stdout; --out \
        writes a picture: .svg (drawn by backprop) or .dot (Graphviz: dot -Tsvg g.dot -o g.svg).
        """
    )

    enum Example: String, CaseIterable {
        case buyApple = "buy-apple"
        case buyAppleOrange = "buy-apple-orange"
        case sigmoid, relu, affine
    }

    @Argument(help: "buy-apple, buy-apple-orange, sigmoid, relu or affine; none for a network.")
    var example: String?

    @Option(help: "Write the picture here: .svg or .dot.")
    var out: String?

    @Option(help: "buy-apple(-orange): price of an apple (100).") var apple: Double?
    @Option(help: "buy-apple(-orange): number of apples (2).") var appleCount: Double?
    @Option(help: "buy-apple-orange: price of an orange (150).") var orange: Double?
    @Option(help: "buy-apple-orange: number of oranges (3).") var orangeCount: Double?
    @Option(help: "buy-apple(-orange): the tax factor (1.1).") var tax: Double?
    @Option(help: "sigmoid, relu: the input x (0.5).") var x: Double?
    @Option(help: "sigmoid, relu: the gradient arriving at y (1).") var dout: Double?
    @Option(help: "affine: rows N of X (2).") var batch: Int?
    @Option(help: "affine: columns of X, rows of W (2).") var inputs: Int?
    @Option(help: "affine: columns of W and Y (3).") var outputs: Int?

    @Option(help: "A network: the checkpoint (safetensors) to draw.") var checkpoint: String?
    @Option(help: "A network from train flags: \(NetworkSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")) (default two-layer).")
    var model: NetworkSpec.Kind?
    @Option(help: "Hidden layer sizes, comma-separated (as train).") var hidden: String?
    @Option(help: "Hidden activation for mlp: relu, sigmoid.") var activation: Activation?
    @Option(help: "Weight init (as train).") var weightInit: WeightInitializer?
    @Flag(help: "Batch normalization after each hidden Affine (mlp).") var batchNorm = false
    @Option(help: "Dropout ratio after each hidden activation (mlp).") var dropout: Double?
    @Option(help: "Seed for the weights of a network from train flags (and for affine's values).") var seed: UInt64 = 0
    @Option(help: "Run one batch of this many training images forward and backward.") var sample: Int?
    @Option(help: SizeLimits.maxParametersHelp) var maxParameters: Int = SizeLimits.defaultMaxParameters
    @Option(help: "Dataset for --sample (as train; default: the checkpoint's, else $BACKPROP_DATA or Fashion-MNIST).")
    var data: String?

    /// One line on stderr and exit status 64.
    private func usage(_ message: String) -> ExitCode {
        printError("backprop: \(message)")
        return ExitCode.validationFailure
    }

    func run() throws {
        let chosen: Example?
        if let example {
            guard let e = Example(rawValue: example) else {
                let names = Example.allCases.map(\.rawValue).joined(separator: ", ")
                throw usage("unknown graph \"\(example)\": choose \(names), or give --checkpoint or --model for a network")
            }
            chosen = e
        } else {
            chosen = nil
        }
        if let out, !(out.lowercased().hasSuffix(".svg") || out.lowercased().hasSuffix(".dot")) {
            throw usage("--out \(out): the file name must end in .svg or .dot")
        }
        try checkFlags(for: chosen)
        try checkOutputPaths([("--out", out)])
        let graph = try reportingErrors { try chosen.map(exampleGraph) ?? networkGraph() }
        print(GraphText.render(graph), terminator: "")
        if let out {
            try reportingErrors {
                if out.lowercased().hasSuffix(".dot") { try GraphDOT.write(graph, to: out) } else { try GraphSVG.write(graph, to: out) }
            }
            print("wrote \(out)")
        }
    }

    /// Refuses flags that do not belong to the chosen graph, and numbers that cannot be drawn.
    private func checkFlags(for example: Example?) throws {
        let shopping: [(String, Double?)] = [("--apple", apple), ("--apple-count", appleCount), ("--tax", tax)]
        let oranges: [(String, Double?)] = [("--orange", orange), ("--orange-count", orangeCount)]
        let scalar: [(String, Double?)] = [("--x", x), ("--dout", dout)]
        let sizes: [(String, Int?)] = [("--batch", batch), ("--inputs", inputs), ("--outputs", outputs)]
        let network: [(String, Bool)] = [("--checkpoint", checkpoint != nil), ("--model", model != nil), ("--hidden", hidden != nil),
                                         ("--activation", activation != nil), ("--weight-init", weightInit != nil),
                                         ("--batch-norm", batchNorm), ("--dropout", dropout != nil), ("--sample", sample != nil),
                                         ("--data", data != nil)]
        let name = example?.rawValue ?? "a network"
        func refuse(_ flag: String) -> ExitCode { usage("\(flag) does not apply to \(name)") }
        for (flag, value) in shopping where value != nil && example != .buyApple && example != .buyAppleOrange { throw refuse(flag) }
        for (flag, value) in oranges where value != nil && example != .buyAppleOrange { throw refuse(flag) }
        for (flag, value) in scalar where value != nil && example != .sigmoid && example != .relu { throw refuse(flag) }
        for (flag, value) in sizes where value != nil && example != .affine { throw refuse(flag) }
        if example != nil, let (flag, _) = network.first(where: { $0.1 }) { throw refuse(flag) }
        for (flag, value) in shopping + oranges + scalar {
            if let value, !value.isFinite { throw usage("\(flag) must be a finite number, got \(value)") }
        }
        for (flag, value) in sizes {
            if let value, !(1...1000).contains(value) { throw usage("\(flag) must be between 1 and 1000, got \(value)") }
        }
        if let sample, sample < 1 { throw usage("--sample must be at least 1, got \(sample)") }
        if maxParameters < 1 { throw usage("--max-parameters must be at least 1, got \(maxParameters)") }
        if checkpoint != nil, let (flag, _) = network.dropFirst().prefix(6).first(where: { $0.1 }) {
            throw usage("\(flag) does not apply with --checkpoint: the checkpoint holds the architecture")
        }
    }

    private func exampleGraph(_ example: Example) throws -> ComputationalGraph {
        switch example {
        case .buyApple:
            return BookGraphs.buyApple(apple: apple ?? 100, appleCount: appleCount ?? 2, tax: tax ?? 1.1)
        case .buyAppleOrange:
            return BookGraphs.buyAppleOrange(apple: apple ?? 100, appleCount: appleCount ?? 2, orange: orange ?? 150,
                                             orangeCount: orangeCount ?? 3, tax: tax ?? 1.1)
        case .sigmoid: return BookGraphs.sigmoid(x: x ?? 0.5, dout: dout ?? 1)
        case .relu: return BookGraphs.relu(x: x ?? 0.5, dout: dout ?? 1)
        case .affine: return BookGraphs.affine(batch: batch ?? 2, inputs: inputs ?? 2, outputs: outputs ?? 3, seed: seed)
        }
    }

    private func networkGraph() throws -> ComputationalGraph {
        if let checkpoint {
            let saved = try Checkpoint.read(path: checkpoint)
            let source = "checkpoint \((checkpoint as NSString).lastPathComponent)"
            if saved.dtype == "float64" {
                return try draw(try saved.makeNetwork(as: Double.self), source: source, data: data ?? saved.file.metadata["data"])
            }
            return try draw(try saved.makeNetwork(as: Float.self), source: source, data: data ?? saved.file.metadata["data"])
        }
        let model = self.model ?? .twoLayer
        var inputSize = 784, classes = 10
        var loaded: LoadedData?
        if sample != nil {
            loaded = try LoadedData.load(data, trainLimit: nil, seed: seed)
            (inputSize, classes) = (loaded!.train.inputSize, loaded!.train.classes)
        }
        let spec = try makeSpec(model: model, hidden: hidden, activation: activation ?? .relu,
                                weightInit: weightInit, weightDecay: 0, batchNorm: batchNorm, dropout: dropout,
                                inputSize: inputSize, classes: classes)
        if let problem = spec.problems.first { throw usage(problem) }
        try SizeLimits.checkNetwork(spec, flag: "--hidden \(hidden ?? model.defaultHiddenText)", limit: maxParameters,
                                    bytesPerParameter: sample == nil ? 4 : 8, what: "in float32")
        return try draw(Network<Float>(spec: spec, seed: seed), source: "seed \(seed)", data: data, loaded: loaded)
    }

    private func draw<Scalar: TensorScalar>(_ network: Network<Scalar>, source: String, data: String?,
                                            loaded: LoadedData? = nil) throws -> ComputationalGraph {
        let spec = network.spec!
        let sizes = ([spec.inputSize] + spec.hiddenSizes + [spec.outputSize]).map(String.init).joined(separator: "-")
        let title = "\(spec.kind.rawValue) \(sizes) (\(source))"
        let exampleShape = spec.kind.isConvolutional ? spec.imageShape : [spec.inputSize]
        guard let sample else { return NetworkGraph.shapes(of: network, exampleShape: exampleShape, title: title) }
        let set = try loaded ?? LoadedData.load(data, trainLimit: nil, seed: seed)
        guard set.train.inputSize == spec.inputSize, set.train.classes == spec.outputSize else {
            throw CheckpointError.badMetadata(path: checkpoint ?? "--model", key: "spec",
                                              reason: "the network takes \(spec.inputSize) inputs and \(spec.outputSize) classes, "
                                                  + "the data \(set.name) has \(set.train.inputSize) and \(set.train.classes)")
        }
        guard sample <= set.train.count else {
            throw usage("--sample \(sample): the training set of \(set.name) has only \(set.train.count) examples")
        }
        let indices = Array(0..<sample)
        let x: Tensor<Scalar> = set.train.inputs(indices, flatten: !spec.kind.isConvolutional)
        let t: Tensor<Scalar> = set.train.labelTensor(indices)
        return NetworkGraph.pass(of: network, x: x, t: t, title: title + ", the first \(sample) training images of \(set.name)")
    }
}
