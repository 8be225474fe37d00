import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Shared helpers for the dataset, checkpoint and trainer tests (Data/ and Checkpoints/).
/// Everything lives in this namespace so that it cannot clash with other test files' helpers.
enum DataFixtures {
    /// Runs `body` with a fresh, empty directory under the system temporary directory, removed afterwards.
    static func withScratchDirectory<T>(_ label: String = "scratch", _ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("backprop-\(label)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    /// `directory/name`.
    static func join(_ directory: String, _ name: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }

    /// Writes raw bytes to `path` (not atomically; for hand-made hostile files).
    static func writeBytes(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static func readBytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Deterministic pseudo-random bytes below `bound` (small bounds compress well, 256 hardly at all).
    static func bytes(_ count: Int, seed: UInt64, below bound: Int = 256) -> [UInt8] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in UInt8(rng.nextIndex(below: bound)) }
    }

    /// Calls `body`, which must throw a `DatasetError` satisfying `matches`; and the error's one-line
    /// description must name every path in `paths`.
    static func expectDatasetError(_ paths: [String], _ what: String,
                                   sourceLocation: SourceLocation = #_sourceLocation,
                                   matches: (DatasetError) -> Bool, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("\(what): no error thrown", sourceLocation: sourceLocation)
        } catch let error as DatasetError {
            #expect(matches(error), "\(what): unexpected error \(error) (\(String(reflecting: error)))",
                    sourceLocation: sourceLocation)
            for path in paths {
                #expect(error.description.contains(path), "\(what): description \"\(error.description)\" does not name \(path)",
                        sourceLocation: sourceLocation)
            }
            #expect(!error.description.contains("\n"), "\(what): description is not one line", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(what): threw \(type(of: error)) \(error), expected a DatasetError", sourceLocation: sourceLocation)
        }
    }

    /// Calls `body`, which must throw exactly `expected`; its description must contain `path`.
    static func expectCheckpointError(_ expected: CheckpointError, path: String, _ what: String = "",
                                      sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
        expectCheckpointError(path: path, what.isEmpty ? "\(expected)" : what, sourceLocation: sourceLocation,
                              matches: { $0 == expected }, body)
    }

    /// Calls `body`, which must throw a `CheckpointError` satisfying `matches`, naming `path` in its description.
    static func expectCheckpointError(path: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                                      matches: (CheckpointError) -> Bool, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("\(what): no error thrown", sourceLocation: sourceLocation)
        } catch let error as CheckpointError {
            #expect(matches(error), "\(what): unexpected error \(String(reflecting: error))", sourceLocation: sourceLocation)
            #expect(error.description.contains(path), "\(what): description \"\(error.description)\" does not name \(path)",
                    sourceLocation: sourceLocation)
            #expect(!error.description.contains("\n"), "\(what): description is not one line", sourceLocation: sourceLocation)
        } catch {
            Issue.record("\(what): threw \(type(of: error)) \(error), expected a CheckpointError", sourceLocation: sourceLocation)
        }
    }

    // MARK: - Synthetic, learnable image set

    /// `count` 4×4 images in 4 classes: background noise 0..<100, and the 2×2 quadrant of the image's
    /// class brightened by 150. The class is the brightest quadrant, so a small network learns it.
    static func quadrantSet(count: Int, seed: UInt64) -> ImageSet {
        var rng = SeededGenerator(seed: seed)
        var pixels: [UInt8] = []
        var labels: [UInt8] = []
        for _ in 0..<count {
            let cls = rng.nextIndex(below: 4)
            var image = (0..<16).map { _ in UInt8(rng.nextIndex(below: 100)) }
            for r in 0..<2 {
                for c in 0..<2 { image[(r + 2 * (cls / 2)) * 4 + c + 2 * (cls % 2)] += 150 }
            }
            pixels += image
            labels.append(UInt8(cls))
        }
        return ImageSet(pixels: pixels, labels: labels, rows: 4, columns: 4, classes: 4)
    }

    static let quadrantTrain = quadrantSet(count: 300, seed: 11)
    static let quadrantTest = quadrantSet(count: 100, seed: 12)

    // MARK: - Bit-exact comparisons

    /// Every parameter's raw bytes, by name (bit-exact comparison, NaN-safe).
    static func parameterBytes<S: TensorScalar>(_ network: Network<S>) -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for p in network.parameters { result[p.name] = StoredTensor(p.value).bytes }
        return result
    }

    /// Batch-norm running statistics' raw bytes, keyed running_mean<i>/running_var<i>.
    static func runningStatBytes<S: TensorScalar>(_ network: Network<S>) -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        for bn in network.layers.compactMap({ $0 as? BatchNormalization<S> }) {
            let suffix = bn.gamma.name.dropFirst("gamma".count)
            result["running_mean\(suffix)"] = StoredTensor(bn.runningMean).bytes
            result["running_var\(suffix)"] = StoredTensor(bn.runningVariance).bytes
        }
        return result
    }

    /// A history without wall-clock seconds, as bit patterns (so that NaN compares equal to NaN).
    static func historyBits(_ history: [EpochRecord]) -> [[UInt64]] {
        history.map { [$0.epoch.bitPattern, UInt64($0.iteration), $0.loss.bitPattern,
                       $0.trainAccuracy.bitPattern, $0.testAccuracy.bitPattern] }
    }

    // MARK: - Python

    /// Runs `python3 -c script args…`; returns the exit status and stdout+stderr. nil if python3 cannot start.
    static func runPython(_ script: String, _ arguments: [String] = []) -> (status: Int32, output: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static let pythonAvailable: Bool = runPython("import sys; sys.exit(0)")?.status == 0
    static let pythonHasSafetensors: Bool =
        runPython("import numpy, safetensors.numpy; import sys; sys.exit(0)")?.status == 0
}
