import BackpropCore

/// Labelled grayscale images kept as bytes, as they come from an IDX file; tensors are made per batch.
///
/// Images stay `UInt8` in memory (47 MB for MNIST's 60,000 training images instead of 188 MB as Float),
/// and `batch` converts just the rows it needs.
public struct ImageSet: Sendable {
    /// All pixels, image after image, row-major (count × rows × columns).
    public let pixels: [UInt8]
    /// One class index per image.
    public let labels: [UInt8]
    public let count: Int
    public let rows: Int
    public let columns: Int
    /// Number of classes labels range over.
    public let classes: Int
    /// The IDX files the set was read from (nil for sets made in memory), for error messages.
    public let imagesPath: String?
    public let labelsPath: String?

    /// Pixels per image.
    public var imageSize: Int { rows * columns }

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
        self.classes = classes
        self.imagesPath = imagesPath
        self.labelsPath = labelsPath
    }

    /// An image set from bytes already in memory (tests, synthetic data). Stops on inconsistent sizes.
    public init(pixels: [UInt8], labels: [UInt8], rows: Int, columns: Int, classes: Int = 10) {
        self.init(pixels: pixels, labels: labels, rows: rows, columns: columns, classes: classes, imagesPath: nil, labelsPath: nil)
    }

    private init(pixels: [UInt8], labels: [UInt8], rows: Int, columns: Int, classes: Int,
                 imagesPath: String?, labelsPath: String?) {
        precondition(rows > 0 && columns > 0 && pixels.count == labels.count * rows * columns,
                     "ImageSet: \(pixels.count) pixels for \(labels.count) images of \(rows)×\(columns)")
        precondition(labels.allSatisfy { Int($0) < classes }, "ImageSet: a label is ≥ \(classes)")
        self.pixels = pixels
        self.labels = labels
        self.count = labels.count
        self.rows = rows
        self.columns = columns
        self.classes = classes
        self.imagesPath = imagesPath
        self.labelsPath = labelsPath
    }

    /// The first `n` examples (all of them when n ≥ count).
    public func prefix(_ n: Int) -> ImageSet {
        let k = Swift.max(0, Swift.min(n, count))
        return ImageSet(pixels: Array(pixels[0..<(k * imageSize)]), labels: Array(labels[0..<k]),
                        rows: rows, columns: columns, classes: classes, imagesPath: imagesPath, labelsPath: labelsPath)
    }

    /// The images at `indices` as a tensor: (k, rows·columns) when `flatten`, else (k, 1, rows, columns)
    /// as the book's `flatten=False`; pixels divided by 255 when `normalize` (the book's
    /// `normalize=True`), else 0…255.
    public func images<Scalar: TensorScalar>(_ indices: [Int], flatten: Bool = true, normalize: Bool = true,
                                             as _: Scalar.Type = Scalar.self) -> Tensor<Scalar> {
        let shape = flatten ? [indices.count, imageSize] : [indices.count, 1, rows, columns]
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
