import Backprop
import BackpropInterop
import BackpropONNX
import Foundation
import Testing

/// `backprop convert` end to end: its outputs work with evaluate, predict and filters; bad input exits
/// 65 with one line and writes nothing; bad flags exit 64; round trips keep every tensor's bits.
@Suite("Interop: backprop convert")
struct ConvertCommandTests {
    static func path(_ directory: String, _ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    static func contents(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    @Test("the book's weights convert to checkpoints that evaluate, predict and filters take")
    func bookCheckpoints() throws {
        guard let ch03 = InteropFixtures.bookFile("ch03_sample_weight.pkl"),
              let ch07 = InteropFixtures.bookFile("ch07_params.pkl") else { return }
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (mlp, cnn) = (Self.path(directory, "ch03.safetensors"), Self.path(directory, "ch07.safetensors"))
        guard let converted = try InteropFixtures.backprop(["convert", ch03, mlp, "--activation", "sigmoid"]) else { return }
        #expect(converted.status == 0, "\(converted.stderr)")
        #expect(converted.stdout == "\(ch03) → \(mlp): mlp 784-50-100-10 (sigmoid), float32, 6 arrays\n")
        let evaluated = try #require(try InteropFixtures.backprop(["evaluate", "--checkpoint", mlp, "--json"]))
        #expect(evaluated.status == 0 && evaluated.stdout.contains("\"count\":10000"), "\(evaluated.stderr)")
        let image = Self.path(directory, "shoe.pgm")
        try ImageFile.writePGM(pixels: (0..<784).map { UInt8($0 % 256) }, width: 28, height: 28, to: image)
        let predicted = try #require(try InteropFixtures.backprop(["predict", "--checkpoint", mlp, image]))
        #expect(predicted.status == 0 && predicted.stdout.contains("top 3"), "\(predicted.stderr)")
        let cnnRun = try #require(try InteropFixtures.backprop(["convert", ch07, cnn]))
        #expect(cnnRun.status == 0, "\(cnnRun.stderr)")
        let svg = Self.path(directory, "filters.svg")
        let filters = try #require(try InteropFixtures.backprop(["filters", "--checkpoint", cnn, "--out", svg]))
        #expect(filters.status == 0 && filters.stdout.contains("30 filters of 5×5"), "\(filters.stderr)")
    }

    @Test("a pickle converts straight to ONNX: the same bytes as ONNXExport of its checkpoint, and nothing else left")
    func pickleToONNX() throws {
        guard let ch07 = InteropFixtures.bookFile("ch07_params.pkl") else { return }
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (onnx, checkpoint) = (Self.path(directory, "ch07.onnx"), Self.path(directory, "ch07.safetensors"))
        let direct = try #require(try InteropFixtures.backprop(["convert", ch07, onnx]))
        #expect(direct.status == 0 && direct.stdout.contains("ONNX (opset 13) of the cnn network"), "\(direct.stderr)")
        let viaCheckpoint = try #require(try InteropFixtures.backprop(["convert", ch07, checkpoint]))
        #expect(viaCheckpoint.status == 0, "\(viaCheckpoint.stderr)")
        let expected = try ONNXExport.serializedModel(try Checkpoint.read(path: checkpoint))
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: onnx))) == expected)
        #expect(Self.contents(directory) == ["ch07.onnx", "ch07.safetensors"])
        let unreadable = try #require(try InteropFixtures.backprop(["convert", Self.path(directory, "missing.pkl"), onnx + "2.onnx"]))
        #expect(unreadable.status == 65 && unreadable.stderr.contains("missing.pkl"), "\(unreadable.stderr)")
    }

    @Test("bad input exits 65 with one line naming the file, and writes nothing")
    func badInput() throws {
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var evil = PickleBytes()
        evil.global("os", "system")
        evil.unicode("touch \(Self.path(directory, "pwned"))")
        evil.op(0x85); evil.op(0x52); evil.op(0x2E)
        let files: [(String, [UInt8], String)] = [
            ("evil.pkl", evil.bytes, "GLOBAL os.system is not allowed"),
            ("cut.pkl", [0x80, 3, 0x7D, 0x71], "truncated: BINPUT needs 1 more bytes"),
            ("huge.pkl", [0x80, 4, 0x8E] + PickleBytes.littleEndian(1 << 40, 8), "BINBYTES8 declares 1099511627776 bytes"),
            ("order.pkl", [0x80, 3, 0x75, 0x2E], "SETITEMS: no MARK before it"),
            ("lying.npy", NPYHeaderTests.file("{'descr': '<f4', 'fortran_order': False, 'shape': (100, 100), }\n", data: [0, 0, 0, 0]),
             "the header declares shape [100, 100]"),
            ("fake.npz", Array("not a zip at all".utf8), "not a zip archive"),
            ("shapes.npz", try NPZ.encode(["W1": StoredTensor(dtype: .f32, shape: [2, 2, 2], bytes: [UInt8](repeating: 0, count: 32)),
                                           "b1": StoredTensor(dtype: .f32, shape: [2], bytes: [UInt8](repeating: 0, count: 8))]),
             "1 weight matrices: a network needs W1 and W2 at least"),
        ]
        for (name, bytes, reason) in files {
            let input = Self.path(directory, name)
            try Data(bytes).write(to: URL(fileURLWithPath: input))
            let before = Self.contents(directory)
            let output = Self.path(directory, "out-\(name).safetensors")
            guard let result = try InteropFixtures.backprop(["convert", input, output]) else { return }
            #expect(result.status == 65, "\(name): \(result.status) \(result.stderr)")
            #expect(result.stderrLines.count == 1 && result.stderr.hasPrefix("backprop: \(input)") && result.stderr.contains(reason),
                    "\(name): \(result.stderr)")
            #expect(result.stdout.isEmpty)
            #expect(Self.contents(directory) == before, "\(name): files were written")
        }
        #expect(!FileManager.default.fileExists(atPath: Self.path(directory, "pwned")))
    }

    @Test("bad flags exit 64", arguments: [
        ["convert", "a.pkl", "b.safetensors", "--hidden", "100,x"],
        ["convert", "a.pkl", "b.safetensors", "--dropout", "1.5"],
        ["convert", "a.pkl", "b.safetensors", "--activation", "tanh"],
        ["convert", "a.pkl", "b.safetensors", "--model", "resnet"],
        ["convert", "a.txt", "b.safetensors"],
        ["convert", "a.pkl", "b.pkl"],
        ["convert", "a.pkl"],
    ])
    func badFlags(_ arguments: [String]) throws {
        guard let result = try InteropFixtures.backprop(arguments) else { return }
        #expect(result.status == 64, "\(arguments): \(result.status) \(result.stderr)")
    }

    @Test("safetensors → npz → safetensors keeps every tensor bit for bit")
    func roundTrip() throws {
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var spec = NetworkSpec(kind: .mlp, inputSize: 784, hiddenSizes: [100, 100], outputSize: 10, batchNorm: true)
        spec.dropoutRatio = nil
        let network = Network<Double>(spec: spec, seed: 7)
        for bn in network.layers.compactMap({ $0 as? BatchNormalization<Double> }) {
            bn.runningMean = bn.runningMean + 0.25
            bn.runningVariance = bn.runningVariance * 3
        }
        let (first, npz, second) = (Self.path(directory, "a.safetensors"), Self.path(directory, "a.npz"),
                                    Self.path(directory, "b.safetensors"))
        try Checkpoint.save(network, to: first)
        guard let toNPZ = try InteropFixtures.backprop(["convert", first, npz, "--compress"]),
              let back = try InteropFixtures.backprop(["convert", npz, second, "--model", "mlp", "--hidden", "100,100"]) else { return }
        #expect(toNPZ.status == 0 && back.status == 0, "\(toNPZ.stderr) \(back.stderr)")
        let (a, b) = (try Checkpoint.read(path: first), try Checkpoint.read(path: second))
        #expect(a.spec == b.spec && a.dtype == b.dtype)
        #expect(b.file.tensors.count == spec.tensorShapes.count)
        for (name, tensor) in a.file.tensors { #expect(b.file.tensors[name] == tensor, "\(name) changed") }
        #expect(Set(try NPZ.read(path: npz).keys) == Set(spec.tensorShapes.map(\.name)))
        // The same through the library, and a book pickle to .npz keeps its arrays exactly.
        guard let ch08 = InteropFixtures.bookFile("ch08_deep_convnet_params.pkl") else { return }
        let bookNPZ = Self.path(directory, "deep.npz")
        let summary = try Conversion.convert(input: ch08, output: bookNPZ)
        #expect(summary.tensorCount == 16)
        #expect(try NPZ.read(path: bookNPZ) == (try NumPyPickle.readArrays(path: ch08)))
    }
}
