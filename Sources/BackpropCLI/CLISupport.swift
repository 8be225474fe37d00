import ArgumentParser
import Backprop
import Foundation

/// Exit statuses beyond 0 (success) and 64 (usage error, ArgumentParser's default for validation).
enum ExitStatus {
    /// A usage error: a flag out of range, e.g. a network too large for --max-parameters (EX_USAGE).
    static let usage: Int32 = 64
    /// Bad input data: a dataset, checkpoint or image file that is missing or malformed (EX_DATAERR).
    static let badData: Int32 = 65
    /// An output file cannot be created: its folder is missing or not writable, or it is a folder
    /// (EX_CANTCREAT).
    static let cannotCreate: Int32 = 73
    /// The run itself failed (e.g. the result could not be written).
    static let failure: Int32 = 1
}

/// Prints one line to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// `message` as one line of at most `limit` characters: newlines become spaces, and the middle of a
/// longer message (e.g. a 100 MB value quoted from a hostile file) becomes "…".
func oneLine(_ message: String, limit: Int = 400) -> String {
    let flat = message.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
    guard flat.count > limit else { return flat }
    return String(flat.prefix(limit * 3 / 4)) + " … " + String(flat.suffix(limit / 4))
}

/// Runs `body`, turning the library's typed errors into one clear line on stderr and an exit status.
/// Every line names the file or flag at fault; no Foundation "The operation could not be completed" text.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as DatasetError {
        printError("backprop: " + oneLine("\(error)"))
        throw ExitCode(ExitStatus.badData)
    } catch let error as CheckpointError {
        printError("backprop: " + oneLine("\(error)"))
        throw ExitCode(ExitStatus.badData)
    } catch let error as ImageFileError {
        printError("backprop: " + oneLine("\(error)"))
        throw ExitCode(ExitStatus.badData)
    } catch let error as FileWriteError {
        printError("backprop: " + oneLine("\(error)"))
        throw ExitCode(ExitStatus.cannotCreate)
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch {
        printError("backprop: " + oneLine(describe(error)))
        throw ExitCode(ExitStatus.failure)
    }
}

/// One line for an error no `catch` above knows: a typed error's own description (they name their
/// file), or for a Foundation error the file it carries and the system's reason (`fileErrorReason`).
func describe(_ error: any Error) -> String {
    if !(type(of: error) is NSError.Type), !(error is CocoaError) { return "\(error)" }
    let ns = error as NSError
    let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
    return (path.map { "\($0): " } ?? "") + fileErrorReason(error, path: path)
}

/// Refuses, before any work, output paths that could never be written: for each (flag, path) whose
/// path has a problem (`OutputPath.problem`), one line "backprop: PATH: cannot write: PROBLEM (FLAG)"
/// and exit status 73.
func checkOutputPaths(_ outputs: [(flag: String, path: String?)]) throws {
    for (flag, path) in outputs {
        guard let path, let problem = OutputPath.problem(path) else { continue }
        let error = FileWriteError.cannotCreate(path: path, reason: problem)
        printError("backprop: " + oneLine("\(error)" + (flag.isEmpty ? "" : " (\(flag))")))
        throw ExitCode(ExitStatus.cannotCreate)
    }
}

/// `value` as JSON on one line, keys sorted (Doubles in Swift's shortest round-trip form, as
/// JSONEncoder writes them).
func jsonLine<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

/// Set from a signal handler; polled between training steps.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false
    private var source: DispatchSourceSignal?

    var isSet: Bool { lock.withLock { stopped } }

    /// Catches SIGINT (Ctrl-C): the first one sets the flag (training stops after the current batch);
    /// a second one exits at once.
    func catchInterrupt() {
        signal(SIGINT, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [weak self] in
            guard let self else { return }
            let already = self.lock.withLock { () -> Bool in
                defer { self.stopped = true }
                return self.stopped
            }
            if already { exit(130) }
            printError("\nbackprop: interrupted; stopping after this batch (Ctrl-C again to quit now)")
        }
        source.resume()
        self.source = source
    }
}

/// Where the data comes from: `synthetic` for the spiral, a folder of class folders of images
/// (`ImageFolder`, see LoadedData+Folders.swift), else an MNIST-format directory.
struct LoadedData {
    let train: any LabeledDataset
    let test: any LabeledDataset
    /// A short description for messages and metadata.
    let name: String
    /// Class names when the dataset is known (Fashion-MNIST, an image folder's class folders).
    let classNames: [String]?
    /// Read from a folder of class folders of images.
    var isImageFolder = false
    /// A CSV table's standardisation (stored in checkpoints).
    var featureScaling: FeatureScaling?

    static let fashionClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                                    "Sneaker", "Bag", "Ankle boot"]

    static func load(_ option: String?, trainLimit: Int?, seed: UInt64, options: DataOptions = DataOptions(),
                     quiet: Bool = true) throws -> LoadedData {
        if let option, ImageFolder.isImageFolder(option) {
            return try loadImageFolder(option, trainLimit: trainLimit, options: options.folder, quiet: quiet)
        }
        if let option, option.lowercased().hasSuffix(".csv") {
            return try loadTable(option, trainLimit: trainLimit, options: options)
        }
        if option == "synthetic" {
            let train = SpiralDataset(pointsPerClass: 300, classes: 3, seed: seed)
            let test = SpiralDataset(pointsPerClass: 100, classes: 3, seed: seed &+ 1)
            return LoadedData(train: limit(train, trainLimit), test: test, name: "synthetic", classNames: nil)
        }
        let path = DatasetDirectory.resolve(option)
        if option == nil && !FileManager.default.fileExists(atPath: path) {
            let hint = " (install Debian's dataset-fashion-mnist with scripts/setup.sh, or pass --data DIR)"
            throw DatasetError.missingFile(path: path + hint)
        }
        let directory = try DatasetDirectory(path: path)
        let names = path.lowercased().contains("fashion") ? fashionClassNames : nil
        return LoadedData(train: limit(directory.train, trainLimit), test: directory.test, name: path, classNames: names)
    }

    /// Checks both splits against the network `spec` describes before any step runs (`DatasetCheck`):
    /// a dataset that does not fit is a `DatasetError` naming its file, never a trap in a layer.
    /// `model` is the checkpoint the network comes from, if any.
    func check(fits spec: NetworkSpec, model: String? = nil) throws {
        try DatasetCheck.check(train, fits: spec, name: name, model: model)
        try DatasetCheck.check(test, fits: spec, name: name, model: model)
    }

    /// What a checkpoint records about the data: its name, the class names when known, and the shape
    /// (C, H, W) of an image folder's images.
    func metadata() throws -> [String: String] {
        var result = ["data": name]
        if let folderImageShape { result["image_shape"] = "[" + folderImageShape.map(String.init).joined(separator: ",") + "]" }
        if let scaling = featureScaling {
            result["feature_scaling"] = String(decoding: try JSONEncoder().encode(scaling), as: UTF8.self)
        }
        if let classNames, let text = String(data: try JSONSerialization.data(withJSONObject: classNames), encoding: .utf8) {
            result["class_names"] = text
        }
        return result
    }

    static func limit(_ set: ImageSet, _ n: Int?) -> any LabeledDataset {
        guard let n else { return set }
        return set.prefix(n)
    }

    private static func limit(_ set: SpiralDataset, _ n: Int?) -> any LabeledDataset {
        guard let n, n < set.count else { return set }
        return set.prefix(n)
    }
}
