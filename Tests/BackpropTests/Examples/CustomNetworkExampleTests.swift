import Foundation
import Testing

/// `Examples/CustomNetwork` (the `custom-network-example` executable, built with the tests): it trains
/// a network of its own layers on its own arrays, saves, loads and predicts, and says so. We run it and
/// read what it printed; and hold the README's "Use it as a library" sample to it.
struct CustomNetworkExampleTests {
    static let executable = CLIHarness.productURL("custom-network-example")
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func trainsSavesLoadsAndPredicts() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            Issue.record("custom-network-example is missing at \(Self.executable.path); build it with `swift build --build-tests`")
            return
        }
        try CLIHarness.withScratchDirectory("example") { scratch in
            // Its checkpoint goes to the temporary directory: ours, to see that it cleans up.
            let result = try CLIHarness.run([], environment: ["TMPDIR": scratch], timeout: 120, executable: Self.executable)
            #expect(result.status == 0 && result.stderr.isEmpty, "\(result)")
            #expect(CLIHarness.contents(of: scratch).isEmpty, "left behind: \(CLIHarness.contents(of: scratch))")

            let lines = result.stdout.split(separator: "\n").map(String.init)
            // "step 100: loss 0.052199632, accuracy 0.99"
            let steps = lines.filter { $0.hasPrefix("step ") }.map { line in
                let fields = line.split(whereSeparator: { " :,".contains($0) })
                return (step: Int(fields[1]), loss: Double(fields[3]), accuracy: Double(fields[5]))
            }
            #expect(steps.map(\.step) == [100, 200, 300], "\(result)")
            let losses = steps.compactMap(\.loss), accuracies = steps.compactMap(\.accuracy)
            #expect(losses.count == 3 && accuracies.count == 3, "\(result)")
            #expect(losses == losses.sorted(by: >), "the loss should fall: \(losses)")
            #expect((accuracies.last ?? 0) >= 0.95, "final training accuracy \(accuracies)")
            #expect(lines.contains("classes of (0.5, 0.5) and (-0.5, 0.5): [1, 0]"), "\(result)")
            #expect(lines.last == "predictions equal: true", "\(result)")
        }
    }

    /// The example stays the size the README promises, and the code shown in the README and in the
    /// library guide (DocC's UsingTheLibrary article) is the example's code, line for line.
    @Test(arguments: [("README.md", "## Use it as a library", 8),
                      ("Sources/Backprop/Backprop.docc/UsingTheLibrary.md", "## Overview", 25)])
    func documentedSampleIsTheExamplesCode(file: String, heading: String, minimumLines: Int) throws {
        let source = try String(contentsOf: Self.packageRoot.appendingPathComponent("Examples/CustomNetwork/main.swift"),
                                encoding: .utf8)
        let exampleLines = Set(source.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let code = exampleLines.filter { !$0.isEmpty && !$0.hasPrefix("//") }
        #expect(code.count <= 30, "the example has \(code.count) lines of code; the README says about 25")

        let document = try String(contentsOf: Self.packageRoot.appendingPathComponent(file), encoding: .utf8)
        guard let section = document.components(separatedBy: heading).dropFirst().first?
                  .components(separatedBy: "\n## ").first,
              let sample = section.components(separatedBy: "```swift\n").dropFirst()
                  .compactMap({ $0.components(separatedBy: "\n```").first })
                  .first(where: { $0.contains("import Backprop") }) else {
            Issue.record("\(file) has no \"\(heading)\" section with a swift block that imports Backprop")
            return
        }
        let sampleLines = sample.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(sampleLines.count >= minimumLines, "\(file)")
        for line in sampleLines where !line.isEmpty && !line.hasPrefix("//") && line != "…" {
            #expect(exampleLines.contains(line), "\(file) line not in Examples/CustomNetwork/main.swift: \(line)")
        }
    }
}
