import BackpropCore

/// The settings for your own data (image folders, CSV tables): their problems and what they mean.
extension TrainingConfiguration {
    /// The largest side `--image-size` accepts.
    public static let maximumImageSide = 4096

    /// Problems with `--channels`, `--image-size` and `--test-split`, each naming its flag.
    func dataProblems() -> [String] {
        var result: [String] = []
        if let channels, channels != 1 && channels != 3 { result.append("--channels must be 1 or 3, got \(channels)") }
        if let imageSize, imageSize.count != 2 || imageSize.contains(where: { $0 < 1 || $0 > Self.maximumImageSide }) {
            result.append("--image-size must be H or HxW with sides from 1 to \(Self.maximumImageSide), got "
                          + imageSize.map(String.init).joined(separator: "x"))
        }
        if let testSplit, !(testSplit > 0 && testSplit < 1) { result.append("--test-split must be between 0 and 1, got \(testSplit)") }
        if testSplit != nil && testFile != nil { result.append("give --test-split or --test, not both") }
        return result
    }

    /// How an image folder is read for this run (`ImageFolder`).
    public var imageFolderOptions: ImageFolderOptions {
        ImageFolderOptions(channels: channels, size: imageSize.flatMap { $0.count == 2 ? ($0[0], $0[1]) : nil },
                           testSplit: testSplit ?? ImageFolderOptions.defaultTestSplit, skipBadImages: skipBadImages ?? false)
    }

    /// The input shape a spec of `kind` records for images of `imageShape`: nil for networks on rows and
    /// for one square channel (the book's networks, whose checkpoints never held one), else the shape.
    static func inputShape(_ kind: NetworkSpec.Kind, _ imageShape: [Int]?) -> [Int]? {
        guard kind.isConvolutional, let imageShape, imageShape.count == 3 else { return nil }
        return imageShape[0] == 1 && imageShape[1] == imageShape[2] ? nil : imageShape
    }
}
