import Backprop
import Foundation
import Testing

/// Image folders the tests write: a Fashion-MNIST subset as PNG or JPEG class folders (with the same
/// images as IDX files), and colored shapes whose class needs color and shape.
enum ImageFolderFixtures {
    /// The first `train` training and `test` test images of Debian's Fashion-MNIST, or nil (with a recorded
    /// issue) when the dataset is not installed.
    static func fashionSubset(train: Int, test: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> (ImageSet, ImageSet)? {
        guard FileManager.default.fileExists(atPath: DatasetDirectory.defaultPath) else {
            Issue.record("Fashion-MNIST is not installed at \(DatasetDirectory.defaultPath) (scripts/setup.sh)",
                         sourceLocation: sourceLocation)
            return nil
        }
        let directory = try DatasetDirectory(path: DatasetDirectory.defaultPath)
        return (directory.train.prefix(train), directory.test.prefix(test))
    }

    /// Writes `set`'s images under `folder/<class>/<index>.<format>`, class folders named `names` (default
    /// "c0", "c1", … which sort as the labels for up to 10 classes), file names zero-padded so that
    /// they sort in `set`'s order. `format` is "png" or "jpg".
    static func write(_ set: ImageSet, to folder: String, format: String = "png", names: [String]? = nil) throws {
        let names = names ?? (0..<set.classes).map { "c\($0)" }
        for name in names {
            try FileManager.default.createDirectory(atPath: join(folder, name), withIntermediateDirectories: true)
        }
        for i in 0..<set.count {
            let image = interleaved(set, i)
            let bytes = format == "png" ? try ImageFile.encodePNG(image) : try ImageFile.encodeJPEG(image, quality: 95)
            let file = join(join(folder, names[Int(set.labels[i])]), String(format: "%05d.%@", i, format))
            try Data(bytes).write(to: URL(fileURLWithPath: file))
        }
    }

    /// Writes `set` as an MNIST-format IDX directory (one channel only) at `folder`, split `split`
    /// ("train" or "t10k").
    static func writeIDX(_ set: ImageSet, to folder: String, split: String) throws {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try IDX.write(IDXArray(dimensions: [set.count, set.rows, set.columns], bytes: set.pixels),
                      to: join(folder, "\(split)-images-idx3-ubyte"))
        try IDX.write(IDXArray(dimensions: [set.count], bytes: set.labels), to: join(folder, "\(split)-labels-idx1-ubyte"))
    }

    /// Image i of `set` with its channels interleaved (as image files hold them).
    static func interleaved(_ set: ImageSet, _ i: Int) -> ImagePixels {
        let area = set.rows * set.columns, c = set.channels
        let planes = Array(set.pixels[(i * set.imageSize)..<((i + 1) * set.imageSize)])
        var samples = [UInt8](repeating: 0, count: planes.count)
        for p in 0..<area { for k in 0..<c { samples[p * c + k] = planes[k * area + p] } }
        return ImagePixels(width: set.columns, height: set.rows, channels: c, samples: samples)
    }

    /// `count` 32×32 RGB images of 4 classes: a filled square or a ring (shape), red (200, 0, 0) or green
    /// (0, 102, 0) (color), on dim noise, at a random place and size. The two colors have the same luma
    /// (59.8 and 59.9), so in gray only the shape tells classes apart: at most about half are right.
    /// Class = 2 · shape + color.
    static func coloredShapes(count: Int, seed: UInt64) -> ImageSet {
        var rng = SeededGenerator(seed: seed)
        let side = 32, area = side * side
        var pixels: [UInt8] = [], labels: [UInt8] = []
        for i in 0..<count {
            let label = i % 4, ring = label >= 2, green = label % 2 == 1
            var planes = (0..<(3 * area)).map { _ in UInt8(rng.nextIndex(below: 40)) }
            let radius = 6 + rng.nextIndex(below: 5)
            let cx = radius + 1 + rng.nextIndex(below: side - 2 * radius - 2), cy = radius + 1 + rng.nextIndex(below: side - 2 * radius - 2)
            for y in 0..<side {
                for x in 0..<side {
                    let (dx, dy) = (Double(x - cx), Double(y - cy))
                    let distance = (dx * dx + dy * dy).squareRoot()
                    let inside = ring ? (distance <= Double(radius) && distance >= Double(radius) - 2.5)
                                      : (abs(x - cx) <= radius * 3 / 4 && abs(y - cy) <= radius * 3 / 4)
                    guard inside else { continue }
                    planes[y * side + x] = green ? 0 : 200
                    planes[area + y * side + x] = green ? 102 : 0
                    planes[2 * area + y * side + x] = 0
                }
            }
            pixels += planes
            labels.append(UInt8(label))
        }
        return ImageSet(pixels: pixels, labels: labels, channels: 3, rows: side, columns: side, classes: 4)
    }

    static func join(_ directory: String, _ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
}
