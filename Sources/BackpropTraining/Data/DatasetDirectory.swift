import BackpropCore
import Foundation

/// A dataset in MNIST's layout: a directory holding `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each optionally gzip-compressed (`.gz`), also
/// spelt `train-images.idx3-ubyte` or in upper case (see `file(_:_:)`). MNIST and Fashion-MNIST alike.
/// Loading checks the four files against each other (`DatasetCheck.splits`).
public struct DatasetDirectory: Sendable {
    /// Debian's `dataset-fashion-mnist` installs here.
    public static let defaultPath = "/usr/share/datasets/fashion-mnist"

    /// The directory read.
    public let path: String
    /// The training images and labels (`train-*` files; MNIST's 60,000).
    public let train: ImageSet
    /// The test images and labels (`t10k-*` files; MNIST's 10,000).
    public let test: ImageSet

    /// Which directory to use: the explicit one, else `$BACKPROP_DATA`, else `defaultPath`.
    public static func resolve(_ explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let fromEnvironment = environment["BACKPROP_DATA"], !fromEnvironment.isEmpty { return fromEnvironment }
        return defaultPath
    }

    /// Loads both splits. Throws a `DatasetError` naming the file on any problem.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw DatasetError.missingFile(path: path)
        }
        self.path = path
        self.train = try Self.load(path, "train")
        self.test = try Self.load(path, "t10k")
        try DatasetCheck.splits(train: train, test: test)
    }

    /// The file for `name` (e.g. `train-images-idx3-ubyte`) in `directory`, as MNIST is commonly
    /// distributed: `name` or `name.gz`, with a dot before `idx` (`train-images.idx3-ubyte`, as on
    /// Kaggle), in upper case, or inside a folder of that name (Kaggle's unzipped archives). The exact
    /// plain name is preferred, then the exact `.gz`, then the other spellings in sorted order; the
    /// `.gz` name when none exists.
    static func file(_ directory: String, _ name: String) -> String {
        file(directory, name, lookInFolders: true)
    }

    private static func file(_ directory: String, _ name: String, lookInFolders: Bool) -> String {
        let plain = (directory as NSString).appendingPathComponent(name)
        if isFile(plain) { return plain }
        if isFile(plain + ".gz") { return plain + ".gz" }
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        let matching = entries.filter { canonicalName($0) == name }
        // Uncompressed spellings first, then compressed ones.
        for entry in matching.sorted(by: { ($0.lowercased().hasSuffix(".gz") ? 1 : 0) < ($1.lowercased().hasSuffix(".gz") ? 1 : 0) }) {
            let path = (directory as NSString).appendingPathComponent(entry)
            if isFile(path) { return path }
            if lookInFolders, isDirectory(path) {
                let inner = file(path, name, lookInFolders: false)
                if isFile(inner) { return inner }
            }
        }
        return plain + ".gz"
    }

    /// `entry` lower-cased, without `.gz`, with the dot of `.idx3-ubyte` made a dash.
    static func canonicalName(_ entry: String) -> String {
        var name = entry.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        return name.replacingOccurrences(of: ".idx", with: "-idx")
    }

    private static func isFile(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && !folder.boolValue
    }

    private static func isDirectory(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }

    static func load(_ directory: String, _ split: String) throws -> ImageSet {
        let imagesPath = file(directory, "\(split)-images-idx3-ubyte")
        let labelsPath = file(directory, "\(split)-labels-idx1-ubyte")
        let images = try IDX.read(path: imagesPath)
        let labels = try IDX.read(path: labelsPath)
        return try ImageSet(images: images, labels: labels, imagesPath: imagesPath, labelsPath: labelsPath)
    }
}
