import Backprop
import Foundation
import Testing

/// Where the interop tests find their files and how they run Python and the `backprop` executable.
enum InteropFixtures {
    /// Tests/BackpropInteropTests/Python: the NumPy side of the checks.
    static let pythonDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python").path

    /// The book's four pickles: `$BOOK_WEIGHTS`, else `shared/book-weights` in a folder above this file
    /// (the repository sits beside `shared/` on the project's machines), else /work/shared/book-weights.
    static let bookWeights: String = {
        let fileManager = FileManager.default
        if let path = ProcessInfo.processInfo.environment["BOOK_WEIGHTS"], !path.isEmpty { return path }
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("shared/book-weights").path
            if fileManager.fileExists(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        return "/work/shared/book-weights"
    }()

    static let bookFiles = ["ch03_sample_weight.pkl", "ch07_params.pkl", "ch07_params_2022.pkl", "ch08_deep_convnet_params.pkl"]

    /// The path of one of the book's files, or nil after recording a failure that says where it was looked for.
    static func bookFile(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        let path = (bookWeights as NSString).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: path) else {
            let files = bookFiles.joined(separator: ", ")
            Issue.record("the book's weights are missing: \(path) (set BOOK_WEIGHTS to the folder holding \(files))",
                         sourceLocation: sourceLocation)
            return nil
        }
        return path
    }

    /// A fresh empty folder under the temporary directory.
    static func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-interop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
    }

    /// Runs `executable` with `arguments`, stdout and stderr to files (never a full pipe).
    static func run(_ executable: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-interop-io-\(UUID().uuidString)")
        let (out, err) = (base.appendingPathExtension("out"), base.appendingPathExtension("err"))
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Runs one of the Python scripts; nil (after recording why) when python3 or NumPy is missing or it fails.
    static func python(_ script: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Run? {
        let probe = try run("/usr/bin/env", ["python3", "-c", "import numpy"])
        guard probe.status == 0 else {
            Issue.record("python3 with NumPy is needed for this check (scripts/setup.sh installs it): \(probe.stderr)",
                         sourceLocation: sourceLocation)
            return nil
        }
        let result = try run("/usr/bin/env", ["python3", (pythonDirectory as NSString).appendingPathComponent(script)] + arguments)
        guard result.status == 0 else {
            Issue.record("\(script) \(arguments.joined(separator: " ")) failed (\(result.status)):\n\(result.stdout)\n\(result.stderr)",
                         sourceLocation: sourceLocation)
            return nil
        }
        return result
    }

    /// The `backprop` executable SwiftPM builds next to the test bundle.
    static let executable: String = {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.deletingLastPathComponent()
        var candidates = [here.appendingPathComponent("backprop")]
        for argument in CommandLine.arguments.dropFirst() where argument.hasSuffix(".xctest") {
            candidates.append(URL(fileURLWithPath: argument).deletingLastPathComponent().appendingPathComponent("backprop"))
        }
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("backprop"))
        return (candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]).path
    }()

    /// Runs `backprop` (recording a failure when it was not built).
    static func backprop(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Run? {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            Issue.record("the backprop executable is missing at \(executable); build it with `swift build --build-tests`",
                         sourceLocation: sourceLocation)
            return nil
        }
        return try run(executable, arguments)
    }

    /// Little-endian doubles from a file the Python side wrote.
    static func doubles(at path: String) throws -> [Double] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return data.withUnsafeBytes { raw in (0..<(data.count / 8)).map { raw.loadUnaligned(fromByteOffset: $0 * 8, as: Double.self) } }
    }
}

/// Builds pickle bytes opcode by opcode, for hostile and hand-made files.
struct PickleBytes {
    var bytes: [UInt8] = [0x80, 3]  // PROTO 3

    init(protocol version: UInt8 = 3) { bytes = [0x80, version] }

    mutating func op(_ code: UInt8, _ argument: [UInt8] = []) { bytes += [code] + argument }
    mutating func unicode(_ text: String) { op(0x8C, [UInt8(text.utf8.count)] + Array(text.utf8)) }  // SHORT_BINUNICODE
    mutating func global(_ module: String, _ name: String) { op(0x63, Array("\(module)\n\(name)\n".utf8)) }  // GLOBAL
    mutating func int(_ value: UInt8) { op(0x4B, [value]) }  // BININT1
    static func littleEndian(_ value: UInt64, _ size: Int) -> [UInt8] { (0..<size).map { UInt8((value >> (8 * UInt64($0))) & 0xFF) } }
}
