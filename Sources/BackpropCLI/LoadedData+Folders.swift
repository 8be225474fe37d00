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
        let folder = try ImageFolder(path: path, options: options, progress: report)
        progress?.finish()
        if let first = folder.skipped.first {
            printError("backprop: skipped \(folder.skipped.count) unreadable image(s) (--skip-bad-images); first: " + oneLine("\(first)"))
        }
        return LoadedData(train: limit(folder.train, trainLimit), test: folder.test, name: path, classNames: folder.classNames,
                          isImageFolder: true)
    }
}

/// The line on stderr that counts decoded images ("backprop: decoding images 1200/5000"), redrawn at
/// most every 2% of them.
final class DecodeProgress: @unchecked Sendable {
    private var shown = -1
    private var total = 0

    func update(_ done: Int, _ total: Int) {
        self.total = total
        let step = Swift.max(1, total / 50)
        guard done == total || done / step != shown else { return }
        shown = done / step
        FileHandle.standardError.write(Data("\rbackprop: decoding images \(done)/\(total)".utf8))
    }

    func finish() {
        if shown >= 0 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
