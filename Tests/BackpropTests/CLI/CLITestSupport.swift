import Backprop
import Foundation
import Testing

/// Shared helpers for the end-to-end tests of the `backprop` executable. Everything lives in this
/// namespace so that it cannot clash with other test files' helpers.
enum CLIHarness {
    /// What one run of the executable did.
    struct Result: CustomStringConvertible {
        var arguments: [String]
        /// Exit status, or the signal number when `signaled`.
        var status: Int32
        /// The process was killed by a signal (a crash, or our timeout).
        var signaled: Bool
        var timedOut: Bool
        var stdout: String
        var stderr: String
        /// The executable's file name (`backprop`, or an example's).
        var program = "backprop"

        /// The non-empty lines of stderr.
        var stderrLines: [String] { stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

        var description: String {
            "\(([program] + arguments).joined(separator: " ")) → \(signaled ? "signal" : "status") \(status)"
                + (timedOut ? " (timed out)" : "")
                + "\n--- stdout ---\n\(stdout.prefix(2000))\n--- stderr ---\n\(stderr.prefix(2000))"
        }
    }

    /// The `backprop` executable SwiftPM builds next to the test bundle (e.g. `.build/debug/backprop`
    /// beside `.build/debug/BackpropPackageTests.xctest`).
    static let executableURL: URL = productURL("backprop")

    /// The executable product `name` that SwiftPM builds next to the test bundle.
    static func productURL(_ name: String) -> URL {
        var candidates: [URL] = []
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        candidates.append(argv0.deletingLastPathComponent().appendingPathComponent(name))
        // On macOS the runner is xctest and the bundle path is an argument; on Linux argv[0] is the
        // .xctest file itself. Also try the bundle's folder.
        for argument in CommandLine.arguments.dropFirst() where argument.hasSuffix(".xctest") {
            candidates.append(URL(fileURLWithPath: argument).deletingLastPathComponent().appendingPathComponent(name))
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent(name))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    /// Fails the current test (with a clear message) when the executable was not built.
    static func requireExecutable(sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: executableURL.path) else {
            Issue.record("""
                the backprop executable is missing at \(executableURL.path) (argv[0] = \(CommandLine.arguments[0])); \
                build it with `swift build --build-tests` (swift test builds it too)
                """, sourceLocation: sourceLocation)
            return false
        }
        return true
    }

    /// The environment the executable runs in: ours without `BACKPROP_DATA` (so that no test can
    /// reach a system dataset by accident), plus `extra`.
    static func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "BACKPROP_DATA")
        environment.merge(extra) { _, new in new }
        return environment
    }

    /// A started process whose stdout and stderr go to files (never a terminal, never a full pipe).
    final class Running {
        let process = Process()
        let arguments: [String]
        let outURL: URL
        let errURL: URL
        let started = Date()

        init(_ arguments: [String], environment extra: [String: String] = [:], directory: String? = nil,
             executable: URL = CLIHarness.executableURL) throws {
            self.arguments = arguments
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-cli-io-\(UUID().uuidString)")
            outURL = base.appendingPathExtension("out")
            errURL = base.appendingPathExtension("err")
            _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
            process.executableURL = executable
            process.arguments = arguments
            process.environment = CLIHarness.environment(extra)
            if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            process.standardInput = FileHandle.nullDevice
            let out = try FileHandle(forWritingTo: outURL)
            let err = try FileHandle(forWritingTo: errURL)
            defer {
                // The child has its own copies once it is running.
                try? out.close()
                try? err.close()
            }
            process.standardOutput = out
            process.standardError = err
            try process.run()
        }

        /// What has reached stderr so far.
        var stderrSoFar: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

        /// Waits until `condition` holds or the process ends or `timeout` seconds pass; true if it held.
        func wait(until condition: () -> Bool, timeout: Double) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if condition() { return true }
                if !process.isRunning { return condition() }
                usleep(5_000)
            }
            return condition()
        }

        /// Waits for the process to end (killing it after `timeout` seconds) and collects its output.
        func finish(timeout: Double) -> Result {
            let deadline = started.addingTimeInterval(timeout)
            var timedOut = false
            while process.isRunning {
                if Date() > deadline {
                    timedOut = true
                    process.terminate()
                    let killDeadline = Date().addingTimeInterval(2)
                    while process.isRunning && Date() < killDeadline { usleep(10_000) }
                    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                    break
                }
                usleep(5_000)
            }
            process.waitUntilExit()
            let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
            let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
            return Result(arguments: arguments, status: process.terminationStatus,
                          signaled: process.terminationReason == .uncaughtSignal, timedOut: timedOut,
                          stdout: out, stderr: err, program: process.executableURL?.lastPathComponent ?? "backprop")
        }
    }

    /// Runs `backprop arguments…` to completion (at most `timeout` seconds) and returns what it did.
    /// Records an issue when it timed out or died from a signal (a crash).
    static func run(_ arguments: [String], environment extra: [String: String] = [:], timeout: Double = 30,
                    executable: URL = executableURL, sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let running = try Running(arguments, environment: extra, executable: executable)
        let result = running.finish(timeout: timeout)
        if result.timedOut {
            Issue.record("timed out after \(timeout) s: \(result)", sourceLocation: sourceLocation)
        } else if result.signaled {
            Issue.record("killed by signal \(result.status) (a crash?): \(result)", sourceLocation: sourceLocation)
        }
        return result
    }

    /// Expects status 0 and returns the result.
    @discardableResult
    static func runOK(_ arguments: [String], environment extra: [String: String] = [:], timeout: Double = 30,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> Result {
        let result = try run(arguments, environment: extra, timeout: timeout, sourceLocation: sourceLocation)
        #expect(result.status == 0 && !result.signaled, "expected success: \(result)", sourceLocation: sourceLocation)
        return result
    }

    /// Parses stdout as exactly one JSON object on one line (nothing else on stdout).
    static func jsonObject(_ result: Result, sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any]? {
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        // One line, then the final newline.
        guard lines.count == 2, lines[1].isEmpty else {
            Issue.record("stdout is not exactly one line: \(result)", sourceLocation: sourceLocation)
            return nil
        }
        return jsonObject(String(lines[0]), what: "stdout of \(result.arguments)", sourceLocation: sourceLocation)
    }

    static func jsonObject(_ text: String, what: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String: Any]? {
        guard let dictionary = parseJSON(text) as? [String: Any] else {
            Issue.record("\(what) is not a JSON object: \(text.prefix(500))", sourceLocation: sourceLocation)
            return nil
        }
        return dictionary
    }

    /// A JSON document as plain Swift values: `[String: Any]`, `[Any]`, `String`, `Double`, `Bool`, `NSNull`.
    /// Parsed with `JSONDecoder`: on Linux, `JSONSerialization` reads some doubles a few ulps off
    /// (e.g. 1.8389777541160583 as 1.838977754116059), which would break exact comparisons.
    static func parseJSON(_ text: String) -> Any? {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))?.plain
    }

    indirect enum JSONValue: Decodable {
        case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([JSONValue].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: JSONValue].self))
            }
        }

        var plain: Any {
            switch self {
            case .null: NSNull()
            case .bool(let value): value
            case .number(let value): value
            case .string(let value): value
            case .array(let values): values.map(\.plain)
            case .object(let values): values.mapValues(\.plain)
            }
        }
    }

    /// A JSON number (not a Bool, not a string).
    static func number(_ value: Any?) -> Double? {
        guard let value, !(value is Bool) else { return nil }
        return value as? Double
    }

    /// A JSON integer (a number with no fractional part).
    static func integer(_ value: Any?) -> Int? {
        guard let d = number(value), d == d.rounded(), Swift.abs(d) < 1e15 else { return nil }
        return Int(d)
    }

    /// Whether a parsed value is a JSON true/false.
    static func isBool(_ value: Any) -> Bool { value is Bool }

    /// Expects a failed run: `status`, no crash, and (when `oneLine`) exactly one stderr line that
    /// starts with "backprop: " and contains every string in `mentions`.
    static func expectFailure(_ result: Result, status: Int32, oneLine: Bool, mentions: [String] = [],
                              sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!result.signaled && !result.timedOut, "died from a signal: \(result)", sourceLocation: sourceLocation)
        #expect(result.status == status, "expected exit status \(status): \(result)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Stack dump")
                && !result.stderr.contains("Illegal instruction"), "crash output: \(result)", sourceLocation: sourceLocation)
        if oneLine {
            let lines = result.stderrLines
            #expect(lines.count == 1, "expected exactly one stderr line: \(result)", sourceLocation: sourceLocation)
            #expect(lines.first?.hasPrefix("backprop: ") == true, "stderr line should start with \"backprop: \": \(result)",
                    sourceLocation: sourceLocation)
        }
        for text in mentions {
            #expect(result.stderr.contains(text), "stderr should mention \(text): \(result)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Scratch space and a tiny MNIST-format dataset

    /// Runs `body` with a fresh, empty directory under the system temporary directory, removed afterwards.
    static func withScratchDirectory<T>(_ label: String, _ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("backprop-cli-\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    static func join(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    static func contents(of directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    /// A tiny deterministic generator (SplitMix64), independent of the library's (also the fuzz tests').
    struct Mixer: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// `count` learnable 28×28 images: dim noise, plus a bright horizontal bar at rows 4+2k…5+2k for
    /// class k (0…9). Returns the pixels (image after image) and the labels.
    static func barImages(count: Int, seed: UInt64) -> (pixels: [UInt8], labels: [UInt8]) {
        var rng = Mixer(state: seed)
        var pixels: [UInt8] = []
        var labels: [UInt8] = []
        pixels.reserveCapacity(count * 784)
        for i in 0..<count {
            let label = (i + rng.below(10)) % 10
            var image = (0..<784).map { _ in UInt8(rng.below(60)) }
            for row in (4 + 2 * label)...(5 + 2 * label) {
                for column in 2..<26 { image[row * 28 + column] = UInt8(180 + rng.below(76)) }
            }
            pixels += image
            labels.append(UInt8(label))
        }
        return (pixels, labels)
    }

    static let trainImagesName = "train-images-idx3-ubyte"
    static let trainLabelsName = "train-labels-idx1-ubyte"
    static let testImagesName = "t10k-images-idx3-ubyte"
    static let testLabelsName = "t10k-labels-idx1-ubyte"

    /// Writes an MNIST-format directory (200 training, 50 test images unless told) at `directory`.
    static func writeTinyDataset(at directory: String, train: Int = 200, test: Int = 50, seed: UInt64 = 1,
                                 compressed: Bool = false) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let suffix = compressed ? ".gz" : ""
        for (split, n, s) in [("train", train, seed), ("t10k", test, seed &+ 1000)] {
            let (pixels, labels) = barImages(count: n, seed: s)
            try IDX.write(IDXArray(dimensions: [n, 28, 28], bytes: pixels),
                          to: join(directory, "\(split)-images-idx3-ubyte" + suffix), compressed: compressed)
            try IDX.write(IDXArray(dimensions: [n], bytes: labels),
                          to: join(directory, "\(split)-labels-idx1-ubyte" + suffix), compressed: compressed)
        }
    }

    /// Tensors of a safetensors file by name (bytes, dtype, shape).
    static func tensors(_ path: String) throws -> [String: StoredTensor] {
        try SafetensorsFile.read(path: path).tensors
    }

    /// Names of tensors whose bytes differ between two tensor maps (or exist in only one).
    static func differingTensors(_ a: [String: StoredTensor], _ b: [String: StoredTensor]) -> [String] {
        Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }
    }
}
