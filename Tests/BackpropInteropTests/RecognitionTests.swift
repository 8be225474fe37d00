import Backprop
import BackpropInterop
import Testing

/// The network recognised from keys and shapes, and one clear line when they fit none or the flags disagree.
@Suite("Interop: architecture recognition")
struct RecognitionTests {
    /// Zero arrays with the names and shapes of `spec`'s tensors.
    static func arrays(_ spec: NetworkSpec, dtype: StoredTensor.DType = .f32) -> [String: StoredTensor] {
        Dictionary(uniqueKeysWithValues: spec.tensorShapes.map { name, shape in
            (name, StoredTensor(dtype: dtype, shape: shape, bytes: [UInt8](repeating: 0, count: shape.reduce(1, *) * dtype.size)))
        })
    }

    static func recognise(_ arrays: [String: StoredTensor], _ options: ConversionOptions = ConversionOptions()) throws -> NetworkSpec {
        try ArchitectureRecognizer.spec(for: arrays, options: options, path: "w.npz")
    }

    static let mlp = NetworkSpec(kind: .mlp, inputSize: 784, hiddenSizes: [100, 100], outputSize: 10)
    static let chapter3 = NetworkSpec(kind: .mlp, inputSize: 784, hiddenSizes: [50, 100], outputSize: 10)

    @Test("MLPs of any depth, two-layer when asked, batch norm with its running statistics")
    func mlps() throws {
        let spec = try Self.recognise(Self.arrays(Self.mlp))
        #expect(spec.kind == .mlp && spec.hiddenSizes == [100, 100] && spec.activation == .relu && !spec.batchNorm)
        let deep = NetworkSpec(kind: .mlp, inputSize: 20, hiddenSizes: [7, 6, 5, 4, 3], outputSize: 2)
        #expect(try Self.recognise(Self.arrays(deep)).hiddenSizes == [7, 6, 5, 4, 3])
        let two = NetworkSpec(kind: .twoLayer, inputSize: 784, hiddenSizes: [50], outputSize: 10)
        #expect(try Self.recognise(Self.arrays(two), ConversionOptions(model: .twoLayer)).kind == .twoLayer)
        #expect(try Self.recognise(Self.arrays(two)).kind == .mlp)
        var normed = Self.mlp
        normed.batchNorm = true
        #expect(try Self.recognise(Self.arrays(normed)).batchNorm)
        #expect(try Self.recognise(Self.arrays(Self.mlp), ConversionOptions(dropout: 0.2)).dropoutRatio == 0.2)
    }

    @Test("the ch. 3 network must name its activation")
    func chapter3() throws {
        let reason = "784-50-100-10 is the book's ch. 3 sample network, whose activation is sigmoid: "
            + "give --activation sigmoid (or --activation relu)"
        #expect(throws: InteropError.architecture(path: "w.npz", reason: reason)) {
            try Self.recognise(Self.arrays(Self.chapter3))
        }
        #expect(try Self.recognise(Self.arrays(Self.chapter3), ConversionOptions(activation: .sigmoid)).activation == .sigmoid)
    }

    @Test("SimpleConvNet and DeepConvNet, with the image size from the first Affine's rows")
    func convNets() throws {
        let cnn = try Self.recognise(Self.arrays(SimpleConvNet<Float>().spec!))
        #expect(cnn.kind == .cnn && cnn.imageShape == [1, 28, 28] && cnn.hiddenSizes == [100] && cnn.dropoutRatio == nil)
        let deep = try Self.recognise(Self.arrays(DeepConvNet<Float>().spec!))
        #expect(deep.kind == .deepCNN && deep.imageShape == [1, 28, 28] && deep.hiddenSizes == [50] && deep.dropoutRatio == 0.5)
        let colour = NetworkSpec(kind: .cnn, inputSize: 3 * 32 * 32, hiddenSizes: [64], outputSize: 5, inputShape: [3, 32, 32])
        #expect(try Self.recognise(Self.arrays(colour)).imageShape == [3, 32, 32])
    }

    @Test("arrays that fit no network are refused with the array at fault", arguments: [
        ("extra", "array \"extra\" is not a weight of the book's networks"),
        ("W01", "array \"W01\" is not a weight"),
        ("no b2", "b2 is missing"),
        ("chain", "W2 has shape [99, 100], but W1 gives 100 outputs"),
        ("rank 3", "W1 has shape [3, 3, 3]"),
        ("two convs", "2 convolution weights: SimpleConvNet has 1, DeepConvNet 6"),
        ("filters", "W1 has shape [20, 1, 5, 5], cnn (SimpleConvNet) on 1×28×28 images needs [30, 1, 5, 5]"),
        ("rows", "W2 has 4321 rows, which no square image gives cnn"),
        ("one", "1 weight matrices: a network needs W1 and W2 at least"),
        ("bn", "gamma1 and beta1 without running_mean1 and running_var1"),
    ])
    func refused(_ change: String, _ reason: String) throws {
        var arrays = Self.arrays(Self.mlp)
        func put(_ name: String, _ shape: [Int]) {
            arrays[name] = StoredTensor(dtype: .f32, shape: shape, bytes: [UInt8](repeating: 0, count: shape.reduce(1, *) * 4))
        }
        switch change {
        case "extra": put("extra", [1])
        case "W01": put("W01", [1])
        case "no b2": arrays["b2"] = nil
        case "chain": put("W2", [99, 100])
        case "rank 3": put("W1", [3, 3, 3])
        case "two convs": put("W1", [30, 1, 5, 5]); put("W2", [30, 30, 5, 5])
        case "filters": arrays = Self.arrays(SimpleConvNet<Float>().spec!); put("W1", [20, 1, 5, 5])
        case "rows": arrays = Self.arrays(SimpleConvNet<Float>().spec!); put("W2", [4321, 100])
        case "one": arrays = ["W1": arrays["W1"]!, "b1": arrays["b1"]!]
        case "bn": put("gamma1", [100]); put("beta1", [100])
        default: Issue.record("unknown change \(change)")
        }
        #expect { try Self.recognise(arrays) } throws: { error in
            guard let error = error as? InteropError, case .architecture("w.npz", let text) = error else { return false }
            return text.contains(reason)
        }
    }

    @Test("flags that disagree with the shapes are refused")
    func flags() {
        let arrays = Self.arrays(Self.mlp)
        for (options, reason) in [
            (ConversionOptions(hidden: [50, 50]), "the arrays have hidden sizes 100,100, not --hidden 50,50"),
            (ConversionOptions(model: .cnn), "the arrays are mlp 784-100-100-10 (relu), not --model cnn"),
            (ConversionOptions(model: .twoLayer), "the arrays are mlp 784-100-100-10 (relu), not --model two-layer"),
        ] {
            #expect(throws: InteropError.architecture(path: "w.npz", reason: reason)) { try Self.recognise(arrays, options) }
        }
        #expect(throws: InteropError.self) {
            try Self.recognise(Self.arrays(SimpleConvNet<Float>().spec!), ConversionOptions(activation: .sigmoid))
        }
    }
}
