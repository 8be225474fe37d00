import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// ImageSet: batches as tensors (flattened or not, normalised or not), labels, one-hot, prefix.
struct ImageSetTests {
    /// Three 2×2 images: [0, 255, 51, 1], [10, 20, 30, 40], [255, 255, 0, 0]; labels 3, 0, 9.
    let set = ImageSet(pixels: [0, 255, 51, 1, 10, 20, 30, 40, 255, 255, 0, 0], labels: [3, 0, 9], rows: 2, columns: 2)

    @Test func properties() {
        #expect(set.count == 3 && set.rows == 2 && set.columns == 2 && set.imageSize == 4 && set.classes == 10)
    }

    @Test func flattenedNormalizedFloat() {
        let x: Tensor<Float> = set.images([2, 0], flatten: true, normalize: true)
        #expect(x.shape == [2, 4])
        #expect(x.scalars[0] == 1.0 && x.scalars[1] == 1.0 && x.scalars[2] == 0 && x.scalars[3] == 0)
        #expect(x.scalars[4] == 0 && x.scalars[5] == 1.0)
        #expect(Swift.abs(x.scalars[6] - 0.2) < 1e-7, "51/255 = 0.2")
        #expect(Swift.abs(x.scalars[7] - 1 / 255) < 1e-9)
    }

    @Test func unnormalizedDoubleKeepsRawValues() {
        let x = set.images([1, 0, 1], normalize: false, as: Double.self)
        #expect(x.shape == [3, 4])
        #expect(x.scalars == [10, 20, 30, 40, 0, 255, 51, 1, 10, 20, 30, 40])
    }

    @Test func unflattenedShape() {
        let x = set.images([0, 1], flatten: false, as: Float.self)
        #expect(x.shape == [2, 1, 2, 2])
        #expect(x.scalars[1] == 1.0)
        let mnistLike = ImageSet(pixels: DataFixtures.bytes(5 * 784, seed: 3), labels: [0, 1, 2, 3, 4], rows: 28, columns: 28)
        let k: [Int] = [4, 2, 0]
        #expect(mnistLike.images(k, flatten: true, as: Float.self).shape == [3, 784])
        #expect(mnistLike.images(k, flatten: false, as: Float.self).shape == [3, 1, 28, 28])
        #expect(mnistLike.images(k, flatten: false, as: Float.self).scalars
                == mnistLike.images(k, flatten: true, as: Float.self).scalars)
        #expect(mnistLike.images([], as: Double.self).shape == [0, 784])
    }

    /// The book's `normalize=True` is `x.astype(np.float32); x /= 255.0`: a true division. Every byte
    /// value must give exactly Float(v) / 255 (and Double(v) / 255 for Double), not a multiplication by a
    /// rounded 1/255, which is off by one ulp for about half the byte values.
    @Test func normalizeIsExactDivisionBy255() {
        let all = ImageSet(pixels: (0...255).map { UInt8($0) }, labels: [0], rows: 16, columns: 16)
        let f: Tensor<Float> = all.images([0])
        let d: Tensor<Double> = all.images([0])
        let badFloat = (0...255).filter { f.scalars[$0] != Float($0) / 255 }
        let badDouble = (0...255).filter { d.scalars[$0] != Double($0) / 255 }
        #expect(badFloat.isEmpty, "Float: \(badFloat.count) byte values differ from v/255, e.g. \(badFloat.prefix(5))")
        #expect(badDouble.isEmpty, "Double: \(badDouble.count) byte values differ from v/255, e.g. \(badDouble.prefix(5))")
        #expect(f.scalars[255] == 1 && d.scalars[255] == 1 && f.scalars[0] == 0)
    }

    /// A batch gathered from scattered images (the converting loop prefetches two images ahead, and
    /// Double goes through a table of the 256 quotients): every pixel of every image equals its byte / 255.
    /// A batch of 11 images converts on one thread; one of 100 in runs on separate threads (two on a
    /// 2-core machine such as CI's: `ImageSet.gatherGrain`), each run at its own place in the batch.
    @Test(arguments: [11, 100])
    func gatheredBatchEqualsPerPixelDivision(batch: Int) {
        let images = 40, size = 28 * 28
        let pixels = DataFixtures.bytes(images * size, seed: 8)
        let set = ImageSet(pixels: pixels, labels: [UInt8](repeating: 1, count: images), rows: 28, columns: 28)
        let scattered = [39, 0, 17, 17, 5, 38, 1, 22, 9, 30, 2]
        let order = (0..<batch).map { k in (scattered[k % scattered.count] + 3 * (k / scattered.count)) % images }
        let f: Tensor<Float> = set.images(order)
        let d: Tensor<Double> = set.images(order)
        let raw: Tensor<Double> = set.images(order, normalize: false)
        #expect(f.shape == [batch, size] && d.shape == [batch, size])
        var badF = 0, badD = 0, badRaw = 0
        for (k, i) in order.enumerated() {
            for j in 0..<size {
                let byte = pixels[i * size + j]
                if f.scalars[k * size + j] != Float(byte) / 255 { badF += 1 }
                if d.scalars[k * size + j] != Double(byte) / 255 { badD += 1 }
                if raw.scalars[k * size + j] != Double(byte) { badRaw += 1 }
            }
        }
        #expect(badF == 0 && badD == 0 && badRaw == 0)
    }

    /// No images: an empty batch, not a crash.
    @Test func emptyBatch() {
        let set = ImageSet(pixels: [UInt8](repeating: 7, count: 2 * 4), labels: [0, 1], rows: 2, columns: 2)
        let x: Tensor<Float> = set.images([])
        #expect(x.shape == [0, 4] && x.count == 0)
    }

    @Test func labelsAsIndicesAndOneHot() {
        let t: Tensor<Float> = set.labels([2, 0, 1])
        #expect(t.shape == [3] && t.scalars == [9, 3, 0])
        let h = set.labels([2, 0, 1, 2], oneHot: true, as: Double.self)
        #expect(h.shape == [4, 10])
        for (row, label) in [9, 3, 0, 9].enumerated() {
            let expected = (0..<10).map { $0 == label ? 1.0 : 0.0 }
            #expect(Array(h.scalars[(row * 10)..<(row * 10 + 10)]) == expected, "row \(row)")
        }
        let three = ImageSet(pixels: [1, 2], labels: [2, 1], rows: 1, columns: 1, classes: 3)
        let h3 = three.labels([0, 1], oneHot: true, as: Float.self)
        #expect(h3.shape == [2, 3] && h3.scalars == [0, 0, 1, 0, 1, 0])
    }

    @Test func prefix() {
        let two = set.prefix(2)
        #expect(two.count == 2 && two.rows == 2 && two.columns == 2 && two.classes == 10)
        #expect(two.pixels == [0, 255, 51, 1, 10, 20, 30, 40] && two.labels == [3, 0])
        let all = set.prefix(100)
        #expect(all.count == 3 && all.pixels == set.pixels && all.labels == set.labels)
        #expect(set.prefix(0).count == 0 && set.prefix(0).pixels.isEmpty)
        #expect(set.prefix(-4).count == 0)
        let custom = ImageSet(pixels: [1, 2, 3], labels: [0, 1, 2], rows: 1, columns: 1, classes: 3).prefix(2)
        #expect(custom.classes == 3 && custom.labels == [0, 1])
    }

    @Test func fromIDXArrays() throws {
        let images = IDXArray(dimensions: [2, 1, 3], bytes: [1, 2, 3, 4, 5, 6])
        let labels = IDXArray(dimensions: [2], bytes: [2, 1])
        let s = try ImageSet(images: images, labels: labels, imagesPath: "i", labelsPath: "l", classes: 3)
        #expect(s.count == 2 && s.rows == 1 && s.columns == 3 && s.classes == 3 && s.pixels == [1, 2, 3, 4, 5, 6])
        #expect(throws: DatasetError.labelOutOfRange(path: "l", index: 0, label: 2, classes: 2)) {
            try ImageSet(images: images, labels: labels, imagesPath: "i", labelsPath: "l", classes: 2)
        }
    }
}
