import BackpropCore

/// Random changes to training images, drawn afresh for every batch (`backprop train --augment crop=4,flip`):
/// PyTorch's `Compose([RandomCrop(size=(H, W), padding=P), RandomHorizontalFlip(p=0.5)])`.
///
/// - `crop=P`: the image is padded with P zeros on every side, to (H + 2P) × (W + 2P), and an H × W window
///   is cut at a random offset (top, left) ∈ [0, 2P]², each value equally likely;
/// - `flip`: with probability 1/2 the cropped image is mirrored left to right.
///
/// For a (C, H, W) image and offsets (i, j) the result is
/// `out[c][y][x] = in[c][y + i − P][x′ + j − P]` (0 outside the image), x′ = W − 1 − x when flipped, else x.
/// The offsets and the coin of example k of the batch of step t come from a `SeededGenerator` seeded by
/// (seed, t, k) alone (`generator(seed:iteration:position:)`): the same seed gives the same batches, a resumed
/// run the same ones as an uninterrupted run, and a data-parallel rank the ones the whole batch would have.
/// Only training batches are changed; evaluation sees the images as they are.
public struct ImageAugmentation: Codable, Sendable, Equatable, CustomStringConvertible {
    /// P of `crop=P`: zeros padded on each side before the random crop; nil for no crop.
    public var cropPadding: Int?
    /// Whether images are mirrored left to right with probability 1/2.
    public var horizontalFlip: Bool

    /// A crop with `cropPadding` zeros of padding (nil: none) and/or a random horizontal flip.
    public init(cropPadding: Int? = nil, horizontalFlip: Bool = false) {
        self.cropPadding = cropPadding
        self.horizontalFlip = horizontalFlip
    }

    /// Parses the flag's text, comma-separated parts `crop=P` and `flip` (e.g. `crop=4,flip`); a problem
    /// naming --augment when a part is neither (numbers out of range parse, and are named by `problems`).
    public static func parse(_ text: String) -> Result<ImageAugmentation, TrainingConfigurationError> {
        var result = ImageAugmentation()
        func refuse(_ why: String) -> Result<ImageAugmentation, TrainingConfigurationError> {
            .failure(TrainingConfigurationError(problems: ["--augment \(text): \(why); use crop=P and/or flip, e.g. crop=4,flip"]))
        }
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            if part == "flip" && !result.horizontalFlip {
                result.horizontalFlip = true
            } else if part.hasPrefix("crop="), result.cropPadding == nil {
                guard let padding = Int(part.dropFirst(5)) else { return refuse("crop needs a whole number of pixels, got \(part)") }
                result.cropPadding = padding
            } else {
                return refuse("unknown or repeated augmentation '\(part)'")
            }
        }
        return .success(result)
    }

    /// The flag's text, e.g. `crop=4,flip`.
    public var description: String {
        ((cropPadding.map { ["crop=\($0)"] } ?? []) + (horizontalFlip ? ["flip"] : [])).joined(separator: ",")
    }

    /// Every problem, each naming --augment (empty when valid).
    public var problems: [String] {
        if let padding = cropPadding, padding < 1 { return ["--augment \(self): crop padding must be at least 1 pixel, got \(padding)"] }
        return []
    }

    /// What refuses these changes on examples of shape `imageShape` ((C, H, W); nil: not images), naming
    /// --augment and `dataName`; nil when they apply.
    public func problem(imageShape: [Int]?, dataName: String) -> String? {
        guard let shape = imageShape, shape.count == 3 else {
            return "--augment \(self): \(dataName) is not image data (augmentation needs images of shape (C, H, W))"
        }
        if let padding = cropPadding, padding >= Swift.min(shape[1], shape[2]) {
            return "--augment \(self): crop padding must be smaller than the \(shape[1])×\(shape[2]) images of \(dataName)"
        }
        return nil
    }

    /// The generator of example `position` of the batch of step `iteration` of a run seeded `seed`.
    public static func generator(seed: UInt64, iteration: Int, position: Int) -> SeededGenerator {
        let mixed = (seed ^ 0x6A09_E667_F3BC_C908) &* 0x9E37_79B9_7F4A_7C15
            ^ UInt64(truncatingIfNeeded: iteration) &* 0xBF58_476D_1CE4_E5B9
            ^ UInt64(truncatingIfNeeded: position) &* 0x94D0_49BB_1331_11EB
        return SeededGenerator(seed: mixed)
    }

    /// The offsets (top, left) ∈ [0, 2P]² (both P without a crop) and the coin of one example, drawn
    /// from `generator` in that order.
    public func draw(_ generator: inout SeededGenerator) -> (top: Int, left: Int, flip: Bool) {
        let padding = cropPadding ?? 0
        var top = padding, left = padding
        if padding > 0 {
            top = generator.nextIndex(below: 2 * padding + 1)
            left = generator.nextIndex(below: 2 * padding + 1)
        }
        return (top, left, horizontalFlip && generator.next() & 1 == 1)
    }
}

/// Applies an `ImageAugmentation` to training batches in place, with one image of scratch memory
/// reused from batch to batch: nothing is allocated per step once the first batch is done.
package struct BatchAugmenter<Scalar: TensorScalar> {
    let augmentation: ImageAugmentation
    /// (C, H, W) of one example.
    let imageShape: [Int]
    let seed: UInt64
    private var scratch: [Scalar] = []

    package init(_ augmentation: ImageAugmentation, imageShape: [Int], seed: UInt64) {
        precondition(imageShape.count == 3, "BatchAugmenter: image shape must be (C, H, W), got \(imageShape)")
        precondition(augmentation.problem(imageShape: imageShape, dataName: "the data") == nil && augmentation.problems.isEmpty,
                     "BatchAugmenter: \(augmentation) does not fit images of shape \(imageShape)")
        self.augmentation = augmentation
        self.imageShape = imageShape
        self.seed = seed
    }

    /// Changes every example of `batch` — (N, C, H, W) or (N, C·H·W) — as `ImageAugmentation` describes;
    /// example k is example `firstPosition + k` of step `iteration`'s batch.
    package mutating func apply(to batch: inout Tensor<Scalar>, iteration: Int, firstPosition: Int = 0) {
        let (channels, height, width) = (imageShape[0], imageShape[1], imageShape[2])
        let size = channels * height * width
        precondition(batch.shape.first.map { $0 * size == batch.count } ?? false,
                     "BatchAugmenter: batch of shape \(batch.shape) is not made of images of shape \(imageShape)")
        if scratch.count != size { scratch = Array(repeating: 0, count: size) }
        let examples = batch.shape[0], augmentation = augmentation, seed = seed
        scratch.withUnsafeMutableBufferPointer { source in
            batch.withUnsafeMutableBufferPointer { all in
                for k in 0..<examples {
                    var generator = ImageAugmentation.generator(seed: seed, iteration: iteration, position: firstPosition + k)
                    let (top, left, flip) = augmentation.draw(&generator)
                    let image = UnsafeMutableBufferPointer(rebasing: all[k * size ..< (k + 1) * size])
                    source.baseAddress!.update(from: image.baseAddress!, count: size)
                    Self.crop(source, into: image, shape: (channels, height, width), padding: augmentation.cropPadding ?? 0,
                              top: top, left: left, flip: flip)
                }
            }
        }
    }

    /// `out[c][y][x] = image[c][y + top − padding][x′ + left − padding]` (0 outside), x′ = W − 1 − x when
    /// `flip`, else x. The elements are moved as their bits (`UInt32` for Float, `UInt64` for Double), so
    /// that the loops are specialised even where the trainer's generic code is not; zero bits are 0.0.
    private static func crop(_ image: UnsafeMutableBufferPointer<Scalar>, into out: UnsafeMutableBufferPointer<Scalar>,
                             shape: (channels: Int, height: Int, width: Int), padding: Int, top: Int, left: Int, flip: Bool) {
        let window = CropWindow(shape: shape, padding: padding, top: top, left: left, flip: flip)
        let (source, target) = (UnsafeMutableRawPointer(image.baseAddress!), UnsafeMutableRawPointer(out.baseAddress!))
        switch MemoryLayout<Scalar>.stride {
        case 4: window.copy(source.assumingMemoryBound(to: UInt32.self), into: target.assumingMemoryBound(to: UInt32.self))
        case 8: window.copy(source.assumingMemoryBound(to: UInt64.self), into: target.assumingMemoryBound(to: UInt64.self))
        default: window.copy(image.baseAddress!, into: out.baseAddress!)
        }
    }
}

/// One example's crop window and flip, applied row by row: zeros where the window leaves the image and
/// a copy (reversed when flipped) of the part inside.
private struct CropWindow {
    let channels: Int, height: Int, width: Int, padding: Int, top: Int, flip: Bool
    /// out[x] = row[x + shift], or row[W − 1 − x + shift] when flipped.
    let shift: Int
    /// The x whose source column is inside the image: [max(0, −shift), min(W, W − shift)) unflipped,
    /// [max(0, shift), min(W, W + shift)) flipped.
    let first: Int, end: Int

    init(shape: (channels: Int, height: Int, width: Int), padding: Int, top: Int, left: Int, flip: Bool) {
        (channels, height, width) = shape
        (self.padding, self.top, self.flip) = (padding, top, flip)
        shift = left - padding
        first = Swift.max(0, flip ? shift : -shift)
        end = Swift.min(width, flip ? width + shift : width - shift)
    }

    func copy<Element: BinaryInteger>(_ source: UnsafeMutablePointer<Element>, into target: UnsafeMutablePointer<Element>) {
        copy(source, into: target, zero: 0)
    }

    func copy<Element>(_ source: UnsafeMutablePointer<Element>, into target: UnsafeMutablePointer<Element>) where Element: TensorScalar {
        copy(source, into: target, zero: 0)
    }

    @inline(__always)
    private func copy<Element>(_ source: UnsafeMutablePointer<Element>, into target: UnsafeMutablePointer<Element>, zero: Element) {
        for c in 0..<channels {
            for y in 0..<height {
                let row = y + top - padding, start = target + (c * height + y) * width
                guard row >= 0 && row < height, first < end else {
                    start.update(repeating: zero, count: width)
                    continue
                }
                let inRow = source + (c * height + row) * width
                start.update(repeating: zero, count: first)
                if flip {
                    for x in first..<end { start[x] = inRow[width - 1 - x + shift] }
                } else {
                    (start + first).update(from: inRow + first + shift, count: end - first)
                }
                (start + end).update(repeating: zero, count: width - end)
            }
        }
    }
}

/// Datasets whose examples are images: `LabeledDataset.imageShape` reads their shape.
public protocol ImageExamples {
    /// (C, H, W) of every example, e.g. (1, 28, 28).
    var exampleImageShape: [Int] { get }
}

extension ImageSet: ImageExamples {
    /// (channels, rows, columns).
    public var exampleImageShape: [Int] { imageShape }
}

extension LabeledDataset {
    /// (C, H, W) of the examples when they are images (an `ImageExamples` dataset, or a subset of one);
    /// nil otherwise (e.g. the spiral's points).
    public var imageShape: [Int]? {
        if let images = self as? any ImageExamples { return images.exampleImageShape }
        if let subset = self as? DatasetSubset { return subset.base.imageShape }
        return nil
    }
}
