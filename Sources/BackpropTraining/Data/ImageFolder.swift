import BackpropCore
import Foundation

/// A dataset of image files in class folders, the layout of PyTorch's `ImageFolder` and Keras'
/// `image_dataset_from_directory`: `DIR/train/<class>/*.{png,jpg,jpeg,pgm}` and `DIR/test/<class>/…`,
/// or only `DIR/<class>/…`, of which `ImageFolderOptions.testSplit` of each class is held out for
/// testing by a seeded shuffle (the same every run). Class names are the folder names, sorted; label k
/// is `classNames[k]`. Hidden files (`.DS_Store`) are ignored; any other file that is not a readable
/// image stops the load, naming it, unless `skipBadImages` is set.
///
/// Images are decoded once, on `Threads.count` threads, brought to one channel count and size
/// (`ImageFolderOptions`), and kept as bytes in two `ImageSet`s.
public struct ImageFolder: Sendable {
    /// The folder read.
    public let path: String
    /// The training images: `DIR/train`'s, or what the split left of each class.
    public let train: ImageSet
    /// The test images: `DIR/test`'s, or the `testSplit` held out of each class.
    public let test: ImageSet
    /// The class folders' names, sorted.
    public let classNames: [String]
    /// The images skipped as unreadable (with `skipBadImages`), in file order, each naming its file.
    public let skipped: [ImageFileError]

    /// One image file to read and the class it belongs to.
    struct Entry { var path: String, label: Int, isTest: Bool }

    /// Whether `path` is a folder of class folders (or of `train/` and `test/`) rather than an IDX
    /// dataset: a folder without an IDX training-images file that holds at least one folder.
    public static func isImageFolder(_ path: String) -> Bool {
        guard isDirectory(path) else { return false }
        let idx = DatasetDirectory.file(path, "train-images-idx3-ubyte")
        if FileManager.default.fileExists(atPath: idx) { return false }
        return !subfolders(path).isEmpty
    }

    /// Reads the folder at `path`. `progress` is called with (images decoded, images in all) as the
    /// images are decoded, from the decoding threads, one call at a time. Throws a `DatasetError` for
    /// an unusable layout and an `ImageFileError` naming the first unreadable image (unless skipped).
    public init(path: String, options: ImageFolderOptions = ImageFolderOptions(),
                progress: (@Sendable (Int, Int) -> Void)? = nil) throws {
        guard Self.isDirectory(path) else { throw DatasetError.missingFile(path: path) }
        let (classNames, entries) = try Self.entries(path)
        let decoded = Self.decode(entries, size: options.size, progress: progress)
        var images: [(entry: Entry, image: ImagePixels)] = []
        var skipped: [ImageFileError] = []
        for (entry, result) in zip(entries, decoded) {
            switch result {
            case .success(let image): images.append((entry, image))
            case .failure(let error):
                if !options.skipBadImages { throw error }
                skipped.append(error)
            }
        }
        try Self.checkSizes(images.map { ($0.entry.path, $0.image) })
        let channels = options.channels ?? (images.contains { $0.image.channels == 3 } ? 3 : 1)
        let isTest = try Self.split(images.map(\.entry), classNames: classNames, path: path, share: options.testSplit)
        self.path = path
        self.classNames = classNames
        self.skipped = skipped
        self.train = Self.imageSet(images.indices.filter { !isTest[$0] }.map { images[$0] }, channels: channels,
                                   classNames: classNames, path: path)
        self.test = Self.imageSet(images.indices.filter { isTest[$0] }.map { images[$0] }, channels: channels,
                                  classNames: classNames, path: path)
    }

    /// The class names and the files to read, class by class in sorted order: the `train/` and `test/`
    /// splits' when both exist, else the class folders', to be split later.
    private static func entries(_ path: String) throws -> ([String], [Entry]) {
        let trainFolder = (path as NSString).appendingPathComponent("train")
        let testFolder = (path as NSString).appendingPathComponent("test")
        let splitLayout = isDirectory(trainFolder) && isDirectory(testFolder)
        let root = splitLayout ? trainFolder : path
        let classNames = subfolders(root)
        guard !classNames.isEmpty else {
            throw DatasetError.imageFolder(path: root, problem: "holds no class folders (expected \(root)/<class>/*.png …)")
        }
        guard classNames.count <= 256 else {
            throw DatasetError.imageFolder(path: root, problem: "\(classNames.count) class folders; at most 256 classes are supported")
        }
        var entries: [Entry] = []
        for (label, name) in classNames.enumerated() {
            let files = imageFiles((root as NSString).appendingPathComponent(name))
            entries += files.map { Entry(path: $0, label: label, isTest: false) }
            guard splitLayout else { continue }
            let folder = (testFolder as NSString).appendingPathComponent(name)
            let tests = isDirectory(folder) ? imageFiles(folder) : []
            guard !tests.isEmpty else {
                throw DatasetError.imageFolder(path: folder, problem: "no test images for class \"\(name)\" (each class of "
                                                   + "\(trainFolder) needs a folder of test images)")
            }
            entries += tests.map { Entry(path: $0, label: label, isTest: true) }
        }
        if splitLayout, let extra = subfolders(testFolder).first(where: { !classNames.contains($0) }) {
            throw DatasetError.imageFolder(path: (testFolder as NSString).appendingPathComponent(extra),
                                           problem: "a class that \(trainFolder) does not have")
        }
        guard !entries.isEmpty else {
            throw DatasetError.imageFolder(path: path, problem: "holds no images (.png, .jpg, .jpeg, .pgm) in its class folders")
        }
        return (classNames, entries)
    }

    /// Decodes every entry's file on `Threads.count` threads (resized to `size` when given), in order.
    static func decode(_ entries: [Entry], size: (height: Int, width: Int)?,
                       progress: (@Sendable (Int, Int) -> Void)?) -> [Result<ImagePixels, ImageFileError>] {
        let counter = DecodeCounter(total: entries.count, report: progress)
        var results = [Result<ImagePixels, ImageFileError>](repeating: .failure(.missingFile(path: "")), count: entries.count)
        results.withUnsafeMutableBufferPointer { out in
            let out = out
            parallelChunks(entries.count, grain: 1) { range in
                for i in range {
                    out[i] = Result {
                        let image = try ImageFile.readPixels(path: entries[i].path)
                        return size.map { image.resized(height: $0.height, width: $0.width) } ?? image
                    }.mapError { $0 as? ImageFileError ?? .unreadable(path: entries[i].path, reason: "\($0)") }
                    counter.increment()
                }
            }
        }
        return results
    }

    /// Refuses images that differ in size from the first (they are all resized when a size is given).
    private static func checkSizes(_ images: [(path: String, image: ImagePixels)]) throws {
        guard let first = images.first else { return }
        if let other = images.first(where: { $0.image.width != first.image.width || $0.image.height != first.image.height }) {
            throw DatasetError.imageSizeDiffers(path: other.path, rows: other.image.height, columns: other.image.width,
                                                firstPath: first.path, firstRows: first.image.height, firstColumns: first.image.width)
        }
    }

    /// Which images are test images: the `test/` folder's, or a `share` of each class's chosen by a
    /// shuffle with `ImageFolderOptions.splitSeed` (at least one test and one training image per class).
    private static func split(_ entries: [Entry], classNames: [String], path: String, share: Double) throws -> [Bool] {
        var isTest = entries.map(\.isTest)
        let splitLayout = entries.contains { $0.isTest }
        var rng = SeededGenerator(seed: ImageFolderOptions.splitSeed)
        for (label, name) in classNames.enumerated() {
            let members = entries.indices.filter { entries[$0].label == label }
            let folder = splitLayout ? "\(path)/train/\(name)" : (path as NSString).appendingPathComponent(name)
            if splitLayout {
                guard members.contains(where: { !isTest[$0] }) else {
                    throw DatasetError.imageFolder(path: folder, problem: "no readable training images for class \"\(name)\"")
                }
                guard members.contains(where: { isTest[$0] }) else {
                    throw DatasetError.imageFolder(path: "\(path)/test/\(name)", problem: "no readable test images for class \"\(name)\"")
                }
                continue
            }
            let testCount = Swift.max(1, Int((Double(members.count) * share).rounded()))
            guard members.count > testCount else {
                throw DatasetError.imageFolder(path: folder, problem: "\(members.count) readable image(s) of class \"\(name)\": too few "
                                                   + "to hold out \(Int(share * 100))% for testing and train on the rest")
            }
            for k in rng.permutation(members.count).prefix(testCount) { isTest[members[k]] = true }
        }
        return isTest
    }

    /// The images as one `ImageSet` of `channels` channels, planes after planes.
    private static func imageSet(_ images: [(entry: Entry, image: ImagePixels)], channels: Int, classNames: [String],
                                 path: String) -> ImageSet {
        let (rows, columns) = (images[0].image.height, images[0].image.width)
        var pixels: [UInt8] = []
        pixels.reserveCapacity(images.count * channels * rows * columns)
        for (_, image) in images { pixels += image.converted(toChannels: channels).planar }
        var set = ImageSet(pixels: pixels, labels: images.map { UInt8($0.entry.label) }, channels: channels, rows: rows,
                           columns: columns, classes: classNames.count, imagesPath: path, labelsPath: path)
        set.classNames = classNames
        return set
    }

    /// The non-hidden folders in `path`, sorted.
    static func subfolders(_ path: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { !$0.hasPrefix(".") && isDirectory((path as NSString).appendingPathComponent($0)) }.sorted()
    }

    /// The non-hidden files in `folder` (not in its subfolders), sorted, as paths.
    static func imageFiles(_ folder: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { (folder as NSString).appendingPathComponent($0) }
            .filter { !isDirectory($0) }
    }

    static func isDirectory(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }
}

/// Counts decoded images for `ImageFolder`'s progress callback, one call at a time.
private final class DecodeCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    let total: Int
    let report: (@Sendable (Int, Int) -> Void)?

    init(total: Int, report: (@Sendable (Int, Int) -> Void)?) {
        self.total = total
        self.report = report
    }

    func increment() {
        guard let report else { return }
        lock.withLock {
            done += 1
            report(done, total)
        }
    }
}
