import Foundation
import Testing

/// `Examples/ImageFolder` (the `image-folder-example` executable, built with the tests): it writes a folder
/// of colored shapes, reads it with `ImageFolder`, trains SimpleConvNet on it and names a test image's class.
struct ImageFolderExampleTests {
    static let executable = CLIHarness.productURL("image-folder-example")

    @Test func trainsOnAFolderOfImages() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            Issue.record("image-folder-example is missing at \(Self.executable.path); build it with `swift build --build-tests`")
            return
        }
        try CLIHarness.withScratchDirectory("image-folder-example") { scratch in
            let result = try CLIHarness.run([], environment: ["TMPDIR": scratch], timeout: 180, executable: Self.executable)
            #expect(result.status == 0 && result.stderr.isEmpty, "\(result)")
            #expect(CLIHarness.contents(of: scratch).isEmpty, "left behind: \(CLIHarness.contents(of: scratch))")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "classes [\"green-ring\", \"green-square\", \"red-ring\", \"red-square\"], "
                    + "180 training and 60 test images of [3, 16, 16]", "\(result)")
            // "epoch 10: loss 0.123, test accuracy 0.917"
            let accuracies = lines.filter { $0.hasPrefix("epoch") }.compactMap { Double($0.split(separator: " ").last ?? "") }
            #expect(accuracies.count == 10 && (accuracies.last ?? 0) >= 0.7, "\(result)")
            #expect(lines.last?.hasPrefix("first test image: ") == true, "\(result)")
        }
    }
}
