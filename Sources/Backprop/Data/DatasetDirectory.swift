import Foundation

/// A dataset in MNIST's layout: a directory holding `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
/// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each optionally gzip-compressed (`.gz`).
/// MNIST and Fashion-MNIST alike.
public struct DatasetDirectory: Sendable {
    /// Debian's `dataset-fashion-mnist` installs here.
    public static let defaultPath = "/usr/share/datasets/fashion-mnist"

    public let path: String
    public let train: ImageSet
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
    }

    /// The file for `name`, preferring the uncompressed one; the `.gz` name when neither exists.
    static func file(_ directory: String, _ name: String) -> String {
        let plain = (directory as NSString).appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: plain) { return plain }
        return plain + ".gz"
    }

    static func load(_ directory: String, _ split: String) throws -> ImageSet {
        let imagesPath = file(directory, "\(split)-images-idx3-ubyte")
        let labelsPath = file(directory, "\(split)-labels-idx1-ubyte")
        let images = try IDX.read(path: imagesPath)
        let labels = try IDX.read(path: labelsPath)
        return try ImageSet(images: images, labels: labels, imagesPath: imagesPath, labelsPath: labelsPath)
    }
}
