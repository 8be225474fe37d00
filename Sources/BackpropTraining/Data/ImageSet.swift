import BackpropCore

/// Labelled images kept as bytes — grayscale as they come from an IDX file, or with 1 or 3 channels from
/// an image folder (`ImageFolder`) or a program's own arrays — tensors are made per batch.
///
/// Images stay `UInt8` in memory (47 MB for MNIST's 60,000 training images instead of 188 MB as Float),
/// and `batch` converts just the rows it needs.
public struct ImageSet: Sendable {
    /// All pixels, image after image, each channel after channel, row-major (count × channels × rows × columns).
    public let pixels: [UInt8]
    /// One class index per image.
    public let labels: [UInt8]
    public let count: Int
    /// Height of each image, in pixels (28 for MNIST).
    public let rows: Int
    /// Width of each image, in pixels (28 for MNIST).
    public let columns: Int
    /// Channels per image: 1 (gray) or 3 (RGB).
    public let channels: Int
    /// Number of classes labels range over.
    public let classes: Int
    /// The name of each class (label k names `classNames[k]`), when known: an image folder's class folders.
    public var classNames: [String]?
    /// The images' IDX file (nil for sets made in memory), for error messages.
    public let imagesPath: String?
    /// The labels' IDX file (nil for sets made in memory), for error messages.
    public let labelsPath: String?

    /// Values per image (channels × rows × columns).
    public var imageSize: Int { channels * rows * columns }

    /// (channels, rows, columns): the shape of one image as a convolutional network takes it.
    public var imageShape: [Int] { [channels, rows, columns] }

    /// An image set from IDX arrays of images (N, rows, columns) and labels (N,). Throws a
    /// `DatasetError` naming the files when they disagree or a label is out of range.
    public init(images: IDXArray, labels: IDXArray, imagesPath: String, labelsPath: String, classes: Int = 10) throws {
        guard images.dimensions.count == 3 else {
            throw DatasetError.unexpectedRank(path: imagesPath, expected: 3, found: images.dimensions.count)
        }
        guard labels.dimensions.count == 1 else {
            throw DatasetError.unexpectedRank(path: labelsPath, expected: 1, found: labels.dimensions.count)
        }
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw DatasetError.countMismatch(images: imagesPath, imageCount: images.dimensions[0],
                                             labels: labelsPath, labelCount: labels.dimensions[0])
        }
        guard images.dimensions[0] > 0 else { throw DatasetError.emptyDataset(path: imagesPath) }
        guard images.dimensions[1] > 0, images.dimensions[2] > 0 else {
            throw DatasetError.emptyImages(path: imagesPath, rows: images.dimensions[1], columns: images.dimensions[2])
        }
        if let i = labels.bytes.firstIndex(where: { Int($0) >= classes }) {
            throw DatasetError.labelOutOfRange(path: labelsPath, index: i, label: Int(labels.bytes[i]), classes: classes)
        }
        self.pixels = images.bytes
        self.labels = labels.bytes
        self.count = images.dimensions[0]
        self.rows = images.dimensions[1]
        self.columns = images.dimensions[2]
        self.channels = 1
        self.classes = classes
        self.imagesPath = imagesPath
        self.labelsPath = labelsPath
    }

    /// An image set from bytes already in memory (your own arrays, tests, synthetic data): `pixels` holds
    /// `labels.count` images of `channels` × `rows` × `columns` bytes (0 black … 255 white; each channel's
    /// plane after the other), `labels` their classes in 0..<`classes`, `classNames` optionally one name
    /// per class. Stops on inconsistent sizes.
    public init(pixels: [UInt8], labels: [UInt8], channels: Int = 1, rows: Int, columns: Int, classes: Int = 10,
                classNames: [String]? = nil) {
        self.init(pixels: pixels, labels: labels, channels: channels, rows: rows, columns: columns, classes: classes,
                  imagesPath: nil, labelsPath: nil)
        precondition(classNames == nil || classNames?.count == classes, "ImageSet: \(classNames?.count ?? 0) names for \(classes) classes")
        self.classNames = classNames
    }

    /// An image set read from files: `imagesPath` names where the images came from in messages.
    package init(pixels: [UInt8], labels: [UInt8], channels: Int, rows: Int, columns: Int, classes: Int,
                 imagesPath: String?, labelsPath: String?) {
        precondition(rows > 0 && columns > 0 && channels > 0 && pixels.count == labels.count * channels * rows * columns,
                     "ImageSet: \(pixels.count) pixels for \(labels.count) images of \(channels)×\(rows)×\(columns)")
        precondition(labels.allSatisfy { Int($0) < classes }, "ImageSet: a label is ≥ \(classes)")
        self.pixels = pixels
        self.labels = labels
        self.count = labels.count
        self.rows = rows
        self.columns = columns
        self.channels = channels
        self.classes = classes
        self.imagesPath = imagesPath
        self.labelsPath = labelsPath
    }

    /// The first `n` examples (all of them when n ≥ count).
    public func prefix(_ n: Int) -> ImageSet {
        let k = Swift.max(0, Swift.min(n, count))
        var set = ImageSet(pixels: Array(pixels[0..<(k * imageSize)]), labels: Array(labels[0..<k]), channels: channels,
                           rows: rows, columns: columns, classes: classes, imagesPath: imagesPath, labelsPath: labelsPath)
        set.classNames = classNames
        return set
    }

    /// The images at `indices` as a tensor: (k, channels·rows·columns) when `flatten`, else
    /// (k, channels, rows, columns) as the book's `flatten=False`; pixels divided by 255 when `normalize` (the book's
    /// `normalize=True`), else 0…255.
    public func images<Scalar: TensorScalar>(_ indices: [Int], flatten: Bool = true, normalize: Bool = true,
                                             as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        let shape = flatten ? [indices.count, imageSize] : [indices.count, channels, rows, columns]
        return Tensor(shape: shape) { out in writeImages(indices, normalize: normalize, to: out) }
    }

    /// Pixels converted per thread at least, when a batch is shared among threads: 100 Fashion-MNIST
    /// images make two runs of 50.
    static let gatherGrain = 1 << 15

    /// The pixels of the images at `indices`, one image after another, as numbers into `out`. Runs of
    /// images are converted on separate threads (`parallelChunks`), each writing only its own images:
    /// the conversion is bound by the stores of each core, and on 2 threads TwoLayerNet's step took
    /// 0.89–0.97× the time (alternating in blocks of 10 steps, six runs).
    func writeImages<Scalar: TensorScalar>(_ indices: [Int], normalize: Bool, to out: UnsafeMutableBufferPointer<Scalar>) {
        let size = imageSize
        let divisor: Scalar = normalize ? 255 : 1
        precondition(out.count == indices.count * size, "ImageSet: \(out.count) elements for \(indices.count) images")
        for i in indices {
            precondition(i >= 0 && i < count, "ImageSet.images: index \(i) out of range 0..<\(count)")
        }
        guard size > 0, !indices.isEmpty else { return }
        pixels.withUnsafeBufferPointer { src in
            indices.withUnsafeBufferPointer { offsets in
                let (src, dst) = (src.baseAddress!, out.baseAddress!)
                parallelChunks(offsets.count, grain: Swift.max(1, Self.gatherGrain / size)) { run in
                    Scalar.gatherImages(src, indices: UnsafeBufferPointer(rebasing: offsets[run]), size: size,
                                        divisor: divisor, dst + run.lowerBound * size)
                }
            }
        }
    }

    /// The labels at `indices` as class indices (k,), or one-hot (k, classes) when `oneHot`.
    public func labels<Scalar: TensorScalar>(_ indices: [Int], oneHot: Bool = false,
                                             as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        if !oneHot { return Tensor(integers: indices.map { Int(labels[$0]) }) }
        var t = Tensor<Scalar>.zeros([indices.count, classes])
        for (k, i) in indices.enumerated() { t.scalars[k * classes + Int(labels[i])] = 1 }
        return t
    }
}
