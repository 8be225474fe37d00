/// How `ImageFolder` reads a folder of images: the channels and size every image is brought to, the
/// share of each class held out for testing when the folder has no `test/` split, and whether
/// unreadable images are skipped.
public struct ImageFolderOptions: Sendable, Equatable {
    /// 1 (gray: color turned to gray by luma 0.299 R + 0.587 G + 0.114 B) or 3 (RGB: gray repeated);
    /// nil for what the images are (3 when any image is in color, else 1).
    public var channels: Int?
    /// (height, width) every image is resized to (area averaging when shrinking, bilinear when growing);
    /// nil: every image must already have the size of the first.
    public var size: (height: Int, width: Int)? {
        get { sizeValues.map { ($0[0], $0[1]) } }
        set { sizeValues = newValue.map { [$0.height, $0.width] } }
    }
    /// The share of each class's images held out for testing (0 < split < 1) when the folder has class
    /// folders only (no `train/` and `test/`); split by a shuffle with a fixed seed, the same every run.
    public var testSplit: Double
    /// Skip images that cannot be read (counted in `ImageFolder.skipped`) instead of refusing the folder.
    public var skipBadImages: Bool

    private var sizeValues: [Int]?

    /// Options: the images' own channels and size, 10% held out for testing, bad images refused.
    public init(channels: Int? = nil, size: (height: Int, width: Int)? = nil, testSplit: Double = 0.1, skipBadImages: Bool = false) {
        self.channels = channels
        self.testSplit = testSplit
        self.skipBadImages = skipBadImages
        self.size = size
    }

    /// The test split's share when none is given: 10%.
    public static let defaultTestSplit = 0.1

    /// The seed of the shuffle that splits off test images: fixed, so that `train` and `evaluate` agree.
    static let splitSeed: UInt64 = 0x5EED
}
