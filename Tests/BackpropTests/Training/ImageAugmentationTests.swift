import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// `ImageAugmentation`: a cropped and flipped batch equals the transformation done by hand (pad with zeros,
/// cut the window, mirror the rows); the same seed gives the same batches, another seed others.
struct ImageAugmentationTests {
    /// A batch (N, C, H, W) whose every element is distinct and non-zero.
    static func batch(_ n: Int, _ c: Int, _ h: Int, _ w: Int) -> Tensor<Float> {
        Tensor(shape: [n, c, h, w], scalars: (0..<(n * c * h * w)).map { Float($0 + 1) })
    }

    /// What `crop=padding` (and `flip`) do to one (C, H, W) image, the long way: a padded copy, a window cut
    /// from it, and each row reversed.
    static func byHand(_ image: [Float], c: Int, h: Int, w: Int, padding p: Int, top: Int, left: Int, flip: Bool) -> [Float] {
        var padded = [[[Float]]](repeating: [[Float]](repeating: [Float](repeating: 0, count: w + 2 * p), count: h + 2 * p),
                                 count: c)
        for ch in 0..<c {
            for y in 0..<h { for x in 0..<w { padded[ch][y + p][x + p] = image[(ch * h + y) * w + x] } }
        }
        var out: [Float] = []
        for ch in 0..<c {
            for y in 0..<h {
                let row = Array(padded[ch][top + y][left ..< left + w])
                out += flip ? row.reversed() : row
            }
        }
        return out
    }

    @Test(arguments: [ImageAugmentation(cropPadding: 2, horizontalFlip: true), ImageAugmentation(cropPadding: 1),
                      ImageAugmentation(horizontalFlip: true)])
    func aBatchEqualsTheTransformationByHand(_ augmentation: ImageAugmentation) {
        let (n, c, h, w) = (16, 2, 5, 6)
        let original = Self.batch(n, c, h, w)
        var x = original
        var augmenter = BatchAugmenter<Float>(augmentation, imageShape: [c, h, w], seed: 9)
        augmenter.apply(to: &x, iteration: 3, firstPosition: 4)
        var flips = 0, offsets = Set<[Int]>()
        for k in 0..<n {
            var generator = ImageAugmentation.generator(seed: 9, iteration: 3, position: 4 + k)
            let (top, left, flip) = augmentation.draw(&generator)
            flips += flip ? 1 : 0
            offsets.insert([top, left])
            let size = c * h * w
            let image = Array(original.scalars[k * size ..< (k + 1) * size])
            let expected = Self.byHand(image, c: c, h: h, w: w, padding: augmentation.cropPadding ?? 0, top: top, left: left, flip: flip)
            #expect(Array(x.scalars[k * size ..< (k + 1) * size]) == expected, "example \(k): top \(top) left \(left) flip \(flip)")
        }
        // The draws vary: some images flipped and some not, several crop windows.
        if augmentation.horizontalFlip { #expect(flips > 0 && flips < n, "\(flips) of \(n) flipped") }
        if let p = augmentation.cropPadding {
            #expect(offsets.count > 3 && offsets.allSatisfy { $0.allSatisfy { (0...(2 * p)).contains($0) } }, "\(offsets)")
        }
    }

    /// A hand-picked case: a 1×3×3 image cropped with padding 1 at offset (0, 2) and flipped.
    @Test func aWorkedExample() {
        // 1 2 3 / 4 5 6 / 7 8 9 padded by 1; window at top 0, left 2: rows (0 0 0), (2 3 0), (5 6 0); mirrored.
        let image: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        #expect(Self.byHand(image, c: 1, h: 3, w: 3, padding: 1, top: 0, left: 2, flip: true) == [0, 0, 0, 0, 3, 2, 0, 6, 5])
        #expect(Self.byHand(image, c: 1, h: 3, w: 3, padding: 1, top: 1, left: 1, flip: false) == image)
    }

    @Test func sameSeedSameBatchesOtherSeedOthers() {
        let augmentation = ImageAugmentation(cropPadding: 2, horizontalFlip: true)
        func augmented(seed: UInt64, iteration: Int) -> [Float] {
            var x = Self.batch(8, 1, 6, 6)
            var augmenter = BatchAugmenter<Float>(augmentation, imageShape: [1, 6, 6], seed: seed)
            augmenter.apply(to: &x, iteration: iteration)
            return x.scalars
        }
        #expect(augmented(seed: 1, iteration: 5) == augmented(seed: 1, iteration: 5))
        #expect(augmented(seed: 1, iteration: 5) != augmented(seed: 2, iteration: 5))
        #expect(augmented(seed: 1, iteration: 5) != augmented(seed: 1, iteration: 6))
        // Flattened rows (an MLP's (N, C·H·W) batch) are changed exactly as (N, C, H, W).
        var flat = Self.batch(8, 1, 6, 6).reshaped([8, 36])
        var augmenter = BatchAugmenter<Float>(augmentation, imageShape: [1, 6, 6], seed: 1)
        augmenter.apply(to: &flat, iteration: 5)
        #expect(flat.scalars == augmented(seed: 1, iteration: 5))
    }

    /// Trainers with augmentation and the same seed train identically; without it, differently.
    @Test func augmentedTrainingIsDeterministic() {
        var options = ResumeTests.options(.sgd, iterations: 6)
        options.augmentation = ImageAugmentation(cropPadding: 1, horizontalFlip: true)
        let a = ResumeTests.straight(.twoLayer, options), b = ResumeTests.straight(.twoLayer, options)
        #expect(a == b)
        options.augmentation = nil
        #expect(ResumeTests.straight(.twoLayer, options).parameters != a.parameters)
    }

    @Test func parsingAndProblems() throws {
        #expect(try ImageAugmentation.parse("crop=4,flip").get() == ImageAugmentation(cropPadding: 4, horizontalFlip: true))
        #expect(try ImageAugmentation.parse("flip").get() == ImageAugmentation(horizontalFlip: true))
        #expect(ImageAugmentation(cropPadding: 4, horizontalFlip: true).description == "crop=4,flip")
        for bad in ["blur", "crop", "crop=x", "flip,flip", "crop=1,crop=2", "", "flip,"] {
            guard case .failure(let error) = ImageAugmentation.parse(bad) else {
                Issue.record("\(bad) parsed")
                continue
            }
            #expect(error.problems.count == 1 && error.problems[0].hasPrefix("--augment"), "\(error)")
        }
        #expect(try ImageAugmentation.parse("crop=-1").get().problems.count == 1)
        #expect(try ImageAugmentation.parse("crop=0").get().problems.count == 1)
        #expect(ImageAugmentation(cropPadding: 3).problem(imageShape: nil, dataName: "synthetic")?.contains("not image data") == true)
        #expect(ImageAugmentation(cropPadding: 4).problem(imageShape: [1, 4, 4], dataName: "d") != nil)
        #expect(ImageAugmentation(cropPadding: 3).problem(imageShape: [1, 4, 4], dataName: "d") == nil)
        #expect(DataFixtures.quadrantTrain.imageShape == [1, 4, 4])
        #expect(DatasetSubset(DataFixtures.quadrantTrain, first: 10).imageShape == [1, 4, 4])
        #expect(SpiralDataset(pointsPerClass: 5, classes: 3, seed: 0).imageShape == nil)
    }
}
