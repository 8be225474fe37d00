import Backprop
import BackpropInterop
import Foundation
import Testing

/// Each of the book's four pickles converts to a checkpoint whose network gives, on the first 1,000
/// Fashion-MNIST test images, the same class for every image as a NumPy forward pass of the same pickle
/// (Python/book_forward.py, written from the book's layer code), and probabilities within 1e-6 in float64.
@Suite("Interop: the book's pretrained weights")
struct BookWeightsTests {
    static let imageCount = 1_000

    /// The first `imageCount` Fashion-MNIST test images, or nil after recording where they were looked for.
    static func testImages() throws -> ImageSet? {
        let directory = DatasetDirectory.defaultPath
        func file(_ name: String) -> String {
            let plain = (directory as NSString).appendingPathComponent(name)
            return FileManager.default.fileExists(atPath: plain) ? plain : plain + ".gz"
        }
        let (images, labels) = (file("t10k-images-idx3-ubyte"), file("t10k-labels-idx1-ubyte"))
        guard FileManager.default.fileExists(atPath: images) else {
            Issue.record("Fashion-MNIST is missing at \(directory) (scripts/setup.sh installs dataset-fashion-mnist)")
            return nil
        }
        let set = try ImageSet(images: IDX.read(path: images), labels: IDX.read(path: labels), imagesPath: images, labelsPath: labels)
        return set.prefix(imageCount)
    }

    /// NumPy's probabilities (imageCount × 10) for `pickle`.
    static func numpyProbabilities(_ pickle: String, sigmoid: Bool, in directory: String) throws -> [Double]? {
        let out = (directory as NSString).appendingPathComponent("numpy.f64")
        let arguments = [pickle, "--data", DatasetDirectory.defaultPath, "--images", "\(imageCount)", "--out", out]
            + (sigmoid ? ["--activation", "sigmoid"] : [])
        guard try InteropFixtures.python("book_forward.py", arguments) != nil else { return nil }
        return try InteropFixtures.doubles(at: out)
    }

    /// Our probabilities (imageCount × 10) from the checkpoint at `path`.
    static func ourProbabilities<Scalar: TensorScalar>(_: Scalar.Type, checkpoint path: String, images: ImageSet) throws -> [Double] {
        let checkpoint = try Checkpoint.read(path: path)
        let network: Network<Scalar> = try checkpoint.makeNetwork()
        let x: Tensor<Scalar> = images.images(Array(0..<images.count), flatten: !checkpoint.spec.kind.isConvolutional)
        return softmax(network.predict(x)).scalars.map { Double($0) }
    }

    static func classes(_ probabilities: [Double]) -> [Int] {
        stride(from: 0, to: probabilities.count, by: 10).map { start in
            (0..<10).max { probabilities[start + $0] < probabilities[start + $1] }!
        }
    }

    @Test("converts and matches NumPy image by image (float64)", arguments: InteropFixtures.bookFiles)
    func matchesNumPy(_ file: String) throws {
        guard let pickle = InteropFixtures.bookFile(file), let images = try Self.testImages() else { return }
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sigmoid = file.hasPrefix("ch03")
        let output = (directory as NSString).appendingPathComponent("net.safetensors")
        let summary = try Conversion.convert(input: pickle, output: output,
                                             options: ConversionOptions(activation: sigmoid ? .sigmoid : nil, dtype: "float64"))
        let expectedKind: NetworkSpec.Kind = sigmoid ? .mlp : file.hasPrefix("ch07") ? .cnn : .deepCNN
        #expect(summary.spec?.kind == expectedKind)
        if expectedKind == .deepCNN { #expect(summary.spec?.dropoutRatio == 0.5) }
        let ours = try Self.ourProbabilities(Double.self, checkpoint: output, images: images)
        guard let theirs = try Self.numpyProbabilities(pickle, sigmoid: sigmoid, in: directory) else { return }
        try #require(theirs.count == ours.count)
        let (ourClasses, theirClasses) = (Self.classes(ours), Self.classes(theirs))
        let disagreements = zip(ourClasses, theirClasses).filter { $0 != $1 }.count
        #expect(disagreements == 0, "\(file): \(disagreements) of \(Self.imageCount) images classified differently")
        let worst = zip(ours, theirs).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-6, "\(file): probabilities differ by up to \(worst)")
        print("measured: \(file): \(disagreements) of \(Self.imageCount) classes differ, max |Δp| = \(worst)")
    }

    @Test("keeps the pickle's precision unless asked: ch03 is float32, ch07/ch08 float64")
    func nativePrecision() throws {
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (file, dtype) in [("ch03_sample_weight.pkl", "float32"), ("ch08_deep_convnet_params.pkl", "float64")] {
            guard let pickle = InteropFixtures.bookFile(file) else { return }
            let output = (directory as NSString).appendingPathComponent("\(file).safetensors")
            try Conversion.convert(input: pickle, output: output,
                                   options: ConversionOptions(activation: file.hasPrefix("ch03") ? .sigmoid : nil))
            let checkpoint = try Checkpoint.read(path: output)
            #expect(checkpoint.dtype == dtype)
            let pickled = try NumPyPickle.readArrays(path: pickle)
            for (name, tensor) in pickled { #expect(checkpoint.file.tensors[name] == tensor, "\(file): \(name) changed") }
        }
    }

    @Test("the float32 ch03 checkpoint agrees with NumPy's float64 pass except at near ties")
    func chapter3InFloat32() throws {
        guard let pickle = InteropFixtures.bookFile("ch03_sample_weight.pkl"), let images = try Self.testImages() else { return }
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = (directory as NSString).appendingPathComponent("ch03.safetensors")
        try Conversion.convert(input: pickle, output: output, options: ConversionOptions(activation: .sigmoid))
        let ours = try Self.ourProbabilities(Float.self, checkpoint: output, images: images)
        guard let theirs = try Self.numpyProbabilities(pickle, sigmoid: true, in: directory) else { return }
        let worst = zip(ours, theirs).map { abs($0 - $1) }.max()!
        #expect(worst <= 1e-5, "float32 probabilities differ from float64 by up to \(worst)")
        let differing = zip(Self.classes(ours), Self.classes(theirs)).filter { $0 != $1 }.count
        print("measured: ch03 float32: max |Δp| = \(worst), classes differ: \(differing)")
        for (i, (a, b)) in zip(Self.classes(ours), Self.classes(theirs)).enumerated() where a != b {
            let row = Array(theirs[(i * 10)..<(i * 10 + 10)]).sorted(by: >)
            #expect(row[0] - row[1] < 1e-4, "image \(i): class \(a) against NumPy's \(b)")
        }
    }
}
