import Backprop
import Foundation

extension LoadedData {
    /// (channels, height, width) of the training images (nil for the spiral).
    var imageShape: [Int]? { (train as? ImageSet)?.imageShape }

    /// The image shape when the data is an image folder (recorded in checkpoints for `predict`).
    var folderImageShape: [Int]? { isImageFolder ? imageShape : nil }

    /// Reads the image folder at `path` (`ImageFolder`), with a progress line on stderr unless `quiet`,
    /// and a count of skipped images (with --skip-bad-images) always.
    static func loadImageFolder(_ path: String, trainLimit: Int?, options: ImageFolderOptions, quiet: Bool) throws -> LoadedData {
        let progress: DecodeProgress? = quiet ? nil : DecodeProgress()
        var report: (@Sendable (Int, Int) -> Void)?
        if let progress { report = { done, total in progress.update(done, total) } }
        let folder: ImageFolder
        do {
            folder = try ImageFolder(path: path, options: options, progress: report)
        } catch {
            progress?.clear()
            throw error
        }
        progress?.clear()
        if !quiet {
            let shape = folder.train.imageShape.map(String.init).joined(separator: "×")
            printError("backprop: read \(folder.train.count + folder.test.count) images of \(shape) in \(folder.classNames.count) classes "
                       + "from \(path) (\(folder.train.count) for training, \(folder.test.count) for testing) in "
                       + String(format: "%.1f s", progress?.seconds ?? 0))
        }
        if let first = folder.skipped.first {
            printError("backprop: skipped \(folder.skipped.count) unreadable image(s) (--skip-bad-images); first: " + oneLine("\(first)"))
        }
        return LoadedData(train: limit(folder.train, trainLimit), test: folder.test, name: path, classNames: folder.classNames,
                          isImageFolder: true)
    }
}

/// The bar on stderr that counts decoded images ("decoding images 1200/5000"), redrawn in place at most
/// every 2% of them when stderr is a terminal (nothing otherwise), and cleared when the folder is read.
final class DecodeProgress: @unchecked Sendable {
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private let started = Date()
    private var shown = -1

    /// Seconds since the reading started.
    var seconds: Double { Date().timeIntervalSince(started) }

    func update(_ done: Int, _ total: Int) {
        guard isTerminal else { return }
        let step = Swift.max(1, total / 50)
        guard done == total || done / step != shown else { return }
        shown = done / step
        FileHandle.standardError.write(Data("\rdecoding images \(done)/\(total)".utf8))
    }

    func clear() {
        if shown >= 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        shown = -1
    }
}
