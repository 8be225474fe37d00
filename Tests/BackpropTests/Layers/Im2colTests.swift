import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct Im2colTests {
    typealias Check = LayerGradientCheck

    /// im2col by its definition, element by element: row (n, oy, ox), column (c, ky, kx) holds
    /// x[n, c, oy·stride + ky − pad, ox·stride + kx − pad], or 0 outside the image.
    static func reference(_ x: Tensor<Double>, _ fh: Int, _ fw: Int, stride: Int, pad: Int) -> Tensor<Double> {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let oh = (h + 2 * pad - fh) / stride + 1, ow = (w + 2 * pad - fw) / stride + 1
        var col = Tensor<Double>.zeros([n * oh * ow, c * fh * fw])
        for i in 0..<n {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    for ch in 0..<c {
                        for ky in 0..<fh {
                            for kx in 0..<fw {
                                let iy = oy * stride + ky - pad, ix = ox * stride + kx - pad
                                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                                col[(i * oh + oy) * ow + ox, (ch * fh + ky) * fw + kx] = x[i, ch, iy, ix]
                            }
                        }
                    }
                }
            }
        }
        return col
    }

    /// The sum of the elementwise products, in Double.
    static func dot(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
        zip(a.scalars, b.scalars).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// One im2col configuration: input shape, filter, stride, pad.
    struct Case: Sendable, CustomTestStringConvertible {
        var shape: [Int], fh: Int, fw: Int, stride: Int, pad: Int
        var testDescription: String { "x \(shape), \(fh)×\(fw), stride \(stride), pad \(pad)" }
    }

    static let cases: [Case] = [
        Case(shape: [2, 3, 5, 7], fh: 3, fw: 3, stride: 2, pad: 1),
        Case(shape: [2, 2, 6, 5], fh: 2, fw: 3, stride: 1, pad: 0),
        Case(shape: [1, 1, 7, 7], fh: 3, fw: 3, stride: 3, pad: 2),
        Case(shape: [3, 2, 4, 3], fh: 5, fw: 4, stride: 1, pad: 2),   // windows wider than the image
        Case(shape: [2, 1, 2, 2], fh: 1, fw: 1, stride: 1, pad: 3),   // runs entirely in the padding
        Case(shape: [2, 2, 3, 2], fh: 3, fw: 4, stride: 1, pad: 1),   // filter columns that never meet the image
        Case(shape: [2, 2, 9, 8], fh: 3, fw: 2, stride: 2, pad: 2),
        Case(shape: [40, 3, 12, 12], fh: 3, fw: 3, stride: 1, pad: 1), // large enough to run in parallel
    ]

    @Test func theBooksShapes() {
        // §7.4.3: x1 (1, 3, 7, 7) with a 5×5 filter → (9, 75); x2 (10, 3, 7, 7) → (90, 75).
        let x1 = Check.random([1, 3, 7, 7], seed: 1)
        #expect(im2col(x1, filterHeight: 5, filterWidth: 5, stride: 1, pad: 0).shape == [9, 75])
        let x2 = Check.random([10, 3, 7, 7], seed: 2)
        #expect(im2col(x2, filterHeight: 5, filterWidth: 5, stride: 1, pad: 0).shape == [90, 75])
    }

    @Test func handComputedWithPadOneAndStrideTwo() {
        // Channel 0 holds 1…9, channel 1 holds 11…19. Padded by 1 the planes are 5×5; the 2×2 windows
        // at stride 2 start at padded (0,0), (0,2), (2,0), (2,2).
        let x = Tensor<Double>(shape: [1, 2, 3, 3], scalars: (1...9).map(Double.init) + (11...19).map(Double.init))
        let col = im2col(x, filterHeight: 2, filterWidth: 2, stride: 2, pad: 1)
        #expect(col == Tensor([
            [0, 0, 0, 1, /**/ 0, 0, 0, 11],
            [0, 0, 2, 3, /**/ 0, 0, 12, 13],
            [0, 4, 0, 7, /**/ 0, 14, 0, 17],
            [5, 6, 8, 9, /**/ 15, 16, 18, 19],
        ]))
    }

    @Test func handComputedRectangularFilterOverABatch() {
        // Two images [[1, 2, 3], [4, 5, 6]] and its negative; a 1×2 filter at stride 1: rows per image
        // are the windows (0,0), (0,1), (1,0), (1,1).
        let x = Tensor<Double>(shape: [2, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6])
        let col = im2col(x, filterHeight: 1, filterWidth: 2)
        #expect(col == Tensor([[1, 2], [2, 3], [4, 5], [5, 6], [-1, -2], [-2, -3], [-4, -5], [-5, -6]]))
    }

    @Test(arguments: cases)
    func matchesTheDefinition(_ c: Case) {
        let x = Check.random(c.shape, seed: 3)
        let col = im2col(x, filterHeight: c.fh, filterWidth: c.fw, stride: c.stride, pad: c.pad)
        #expect(col == Self.reference(x, c.fh, c.fw, stride: c.stride, pad: c.pad))
        // Float copies the same values.
        let colF = im2col(x.map(Float.init), filterHeight: c.fh, filterWidth: c.fw, stride: c.stride, pad: c.pad)
        #expect(colF == col.map(Float.init))
    }

    @Test func col2imAddsUpOverlappingWindows() {
        // col of ones: each pixel gets the number of windows that cover it.
        let ones3 = col2im(Tensor<Double>.ones([4, 4]), inputShape: [1, 1, 3, 3], filterHeight: 2, filterWidth: 2)
        #expect(ones3 == Tensor(shape: [1, 1, 3, 3], scalars: [1, 2, 1, 2, 4, 2, 1, 2, 1]))
        // 3×3 filter, pad 1, stride 1 on 3×3: along each axis the pixels are covered by 2, 3, 2 windows.
        let padded = col2im(Tensor<Double>.ones([9, 9]), inputShape: [1, 1, 3, 3], filterHeight: 3, filterWidth: 3,
                            stride: 1, pad: 1)
        #expect(padded == Tensor(shape: [1, 1, 3, 3], scalars: [4, 6, 4, 6, 9, 6, 4, 6, 4]))
        // 2×2, pad 1, stride 2 on 3×3 (as above): every pixel in exactly one window; padding dropped.
        let tiled = col2im(Tensor<Double>.ones([4, 4]), inputShape: [1, 1, 3, 3], filterHeight: 2, filterWidth: 2,
                           stride: 2, pad: 1)
        #expect(tiled == .ones([1, 1, 3, 3]))
    }

    @Test func col2imPutsValuesBackWhereIm2colTookThem() {
        // Non-overlapping windows (2×2 at stride 2, no padding): col2im inverts im2col exactly.
        let x = Check.random([2, 3, 4, 6], seed: 4)
        let col = im2col(x, filterHeight: 2, filterWidth: 2, stride: 2)
        #expect(col2im(col, inputShape: x.shape, filterHeight: 2, filterWidth: 2, stride: 2) == x)
        let xf = x.map(Float.init)
        let colF = im2col(xf, filterHeight: 2, filterWidth: 2, stride: 2)
        #expect(col2im(colF, inputShape: x.shape, filterHeight: 2, filterWidth: 2, stride: 2) == xf)
    }

    @Test(arguments: cases)
    func col2imIsTheAdjointOfIm2col(_ c: Case) {
        // ⟨im2col(x), y⟩ = ⟨x, col2im(y)⟩ for any x and y.
        let x = Check.random(c.shape, seed: 5)
        let colShape = im2col(x, filterHeight: c.fh, filterWidth: c.fw, stride: c.stride, pad: c.pad).shape
        let y = Check.random(colShape, seed: 6)
        let lhs = Self.dot(im2col(x, filterHeight: c.fh, filterWidth: c.fw, stride: c.stride, pad: c.pad), y)
        let back = col2im(y, inputShape: c.shape, filterHeight: c.fh, filterWidth: c.fw, stride: c.stride, pad: c.pad)
        #expect(back.shape == c.shape)
        let rhs = Self.dot(x, back)
        #expect(abs(lhs - rhs) <= 1e-12 * Swift.max(1, abs(lhs)), "\(lhs) vs \(rhs)")
        // And col2im by its definition: the transpose of referenceIm2col's linear map, probed per element.
        if x.count <= 300 {
            var expected = Tensor<Double>.zeros(c.shape)
            for i in 0..<x.count {
                var e = Tensor<Double>.zeros(c.shape)
                e.scalars[i] = 1
                expected.scalars[i] = Self.dot(Self.reference(e, c.fh, c.fw, stride: c.stride, pad: c.pad), y)
            }
            #expect(Check.relativeError(back, expected) < 1e-14)
        }
    }

    @Test(arguments: cases)
    func transposedLayoutIsTheBooksColTransposedImageByImage(_ c: Case) {
        // Convolution's internal layout: image n's block (blockRows, OH·OW) holds the book's col rows of
        // image n transposed, in its first C·FH·FW rows; the rows after those are not touched.
        let x = Check.random(c.shape, seed: 10)
        let book = im2col(x, filterHeight: c.fh, filterWidth: c.fw, stride: c.stride, pad: c.pad)
        let n = c.shape[0], k = book.shape[1], p = book.shape[0] / n
        let expected = book.reshaped([n, p, k]).permuted([0, 2, 1])
        let g = SlidingWindow(inputShape: c.shape, windowHeight: c.fh, windowWidth: c.fw, stride: c.stride, pad: c.pad,
                              operation: "test")
        let (got, spare) = Self.transposed(x, g, n: n, k: k, p: p)
        #expect(got == expected)
        #expect(spare.scalars.allSatisfy { $0.isNaN }, "rows past C·FH·FW were written")
        let (gotF, spareF) = Self.transposed(x.map(Float.init), g, n: n, k: k, p: p)
        #expect(gotF == expected.map(Float.init))
        #expect(spareF.scalars.allSatisfy { $0.isNaN }, "rows past C·FH·FW were written")
        // Its col2im is the book's col2im of the same values.
        let y = Check.random(book.shape, seed: 11)
        let yT = y.reshaped([n, p, k]).permuted([0, 2, 1])
        var dx = Tensor<Double>(repeating: .nan, shape: c.shape)
        yT.withUnsafeBufferPointer { py in
            dx.withUnsafeMutableBufferPointer { pdx in
                col2imTransposedImages(py.baseAddress!, pdx.baseAddress!, g, images: n, blockRows: k)
            }
        }
        let reference = col2im(y, inputShape: c.shape, filterHeight: c.fh, filterWidth: c.fw, stride: c.stride, pad: c.pad)
        #expect(Check.relativeError(dx, reference) < 1e-15)
    }

    /// The transposed unrolling of x into blocks of K + 2 rows prefilled with NaN: the (N, K, P) part and
    /// the two spare rows of every block.
    static func transposed<T: TensorScalar>(_ x: Tensor<T>, _ g: SlidingWindow, n: Int, k: Int,
                                            p: Int) -> (Tensor<T>, Tensor<T>) {
        var blocks = Tensor<T>(repeating: .nan, shape: [n, k + 2, p])
        x.withUnsafeBufferPointer { px in
            blocks.withUnsafeMutableBufferPointer { pb in
                im2colTransposedImages(px.baseAddress!, pb.baseAddress!, g, images: n, blockRows: k + 2)
            }
        }
        var main: [T] = [], spare: [T] = []
        for i in 0..<n {
            let start: Int = i * (k + 2) * p, split: Int = start + k * p, end: Int = start + (k + 2) * p
            main += blocks.scalars[start..<split]
            spare += blocks.scalars[split..<end]
        }
        return (Tensor(shape: [n, k, p], scalars: main), Tensor(shape: [n, 2, p], scalars: spare))
    }

    /// The stride-1 one-image kernels through a zero-padded copy: `im2colTransposedPadded` of each image
    /// is the book's col rows of that image transposed, with one scratch for every image (its border is
    /// never written), and `col2imTransposedPadded` is the book's col2im of those rows.
    @Test(arguments: cases.filter { $0.stride == 1 })
    func paddedKernelsAreTheBooksColTransposedAndCol2im(_ c: Case) {
        let x = Check.random(c.shape, seed: 12)
        let book = im2col(x, filterHeight: c.fh, filterWidth: c.fw, stride: c.stride, pad: c.pad)
        let n = c.shape[0], k = book.shape[1], p = book.shape[0] / n
        let g = SlidingWindow(inputShape: c.shape, windowHeight: c.fh, windowWidth: c.fw, stride: c.stride, pad: c.pad,
                              operation: "test")
        let expected = book.reshaped([n, p, k]).permuted([0, 2, 1])
        #expect(Self.paddedUnrolling(x, g, n: n, k: k, p: p) == expected)
        #expect(Self.paddedUnrolling(x.map(Float.init), g, n: n, k: k, p: p) == expected.map(Float.init))
        let y = Check.random(book.shape, seed: 13)
        let yT = y.reshaped([n, p, k]).permuted([0, 2, 1])
        let reference = col2im(y, inputShape: c.shape, filterHeight: c.fh, filterWidth: c.fw, stride: c.stride, pad: c.pad)
        #expect(Check.relativeError(Self.paddedCol2im(yT, g, n: n, k: k, p: p), reference) < 1e-15)
        let dxF = Self.paddedCol2im(yT.map(Float.init), g, n: n, k: k, p: p)
        #expect(Check.relativeError(dxF.map(Double.init), reference) < 1e-6)
    }

    /// `im2colTransposedPadded` image by image into (N, K, P), through one zeroed scratch.
    static func paddedUnrolling<T: TensorScalar>(_ x: Tensor<T>, _ g: SlidingWindow, n: Int, k: Int, p: Int) -> Tensor<T> {
        var blocks = Tensor<T>(repeating: .nan, shape: [n, k, p])
        var padded = Tensor<T>.zeros([paddedImageSize(g)])
        x.withUnsafeBufferPointer { px in
            blocks.withUnsafeMutableBufferPointer { pb in
                padded.withUnsafeMutableBufferPointer { pp in
                    for i in 0..<n {
                        im2colTransposedPadded(px.baseAddress! + i * g.imageSize, pb.baseAddress! + i * k * p, g,
                                               padded: pp.baseAddress!)
                    }
                }
            }
        }
        return blocks
    }

    /// `col2imTransposedPadded` of (N, K, P) blocks image by image, through one scratch full of NaN.
    static func paddedCol2im<T: TensorScalar>(_ yT: Tensor<T>, _ g: SlidingWindow, n: Int, k: Int, p: Int) -> Tensor<T> {
        var dx = Tensor<T>(repeating: .nan, shape: [g.batch, g.channels, g.height, g.width])
        var padded = Tensor<T>(repeating: .nan, shape: [paddedImageSize(g)])
        yT.withUnsafeBufferPointer { py in
            dx.withUnsafeMutableBufferPointer { pdx in
                padded.withUnsafeMutableBufferPointer { pp in
                    for i in 0..<n {
                        col2imTransposedPadded(py.baseAddress! + i * k * p, pdx.baseAddress! + i * g.imageSize, g,
                                               padded: pp.baseAddress!)
                    }
                }
            }
        }
        return dx
    }

    /// The kernels behind `im2col` and `col2im` on a run of images in the middle of a batch write exactly
    /// those images' rows of col (those images of x), and `fillElements` fills.
    @Test func bookLayoutKernelsOnARunOfImages() {
        let x = Check.random([4, 2, 5, 6], seed: 14)
        let g = SlidingWindow(inputShape: x.shape, windowHeight: 3, windowWidth: 3, stride: 1, pad: 1, operation: "test")
        let col = im2col(x, filterHeight: 3, filterWidth: 3, stride: 1, pad: 1)
        let rows = g.outPositions * g.rowLength
        var part = Tensor<Double>(repeating: .nan, shape: [2 * g.outPositions, g.rowLength])
        var back = Tensor<Double>(repeating: .nan, shape: [2, 2, 5, 6])
        x.withUnsafeBufferPointer { px in
            part.withUnsafeMutableBufferPointer { pp in im2colImages(px.baseAddress! + g.imageSize, pp.baseAddress!, g, images: 2) }
        }
        col.withUnsafeBufferPointer { pc in
            back.withUnsafeMutableBufferPointer { pb in col2imImages(pc.baseAddress! + rows, pb.baseAddress!, g, images: 2) }
        }
        #expect(part.scalars == Array(col.scalars[rows..<(3 * rows)]))
        let full = col2im(col, inputShape: x.shape, filterHeight: 3, filterWidth: 3, stride: 1, pad: 1)
        #expect(back.scalars == Array(full.scalars[g.imageSize..<(3 * g.imageSize)]))
        var filled = Tensor<Float>.zeros([37])
        filled.withUnsafeMutableBufferPointer { fillElements($0.baseAddress! + 1, count: 35, with: 2.5) }
        #expect(filled.scalars == [0] + Array(repeating: 2.5, count: 35) + [0])
    }

    @Test func intoReusesTheBufferAndOverwritesEveryElement() {
        let x = Check.random([3, 2, 5, 5], seed: 7)
        let expected = im2col(x, filterHeight: 3, filterWidth: 3, stride: 2, pad: 1)
        // A buffer of the right shape full of NaN: the result must replace all of it, padding included.
        var col = Tensor<Double>(repeating: .nan, shape: expected.shape)
        let before = col.withUnsafeBufferPointer { $0.baseAddress }
        im2col(x, filterHeight: 3, filterWidth: 3, stride: 2, pad: 1, into: &col)
        #expect(col == expected)
        #expect(col.withUnsafeBufferPointer { $0.baseAddress } == before, "the buffer was reallocated")
        // A buffer of another shape is replaced.
        var wrong = Tensor<Double>.zeros([2, 2])
        im2col(x, filterHeight: 3, filterWidth: 3, stride: 2, pad: 1, into: &wrong)
        #expect(wrong == expected)

        var dx = Tensor<Double>(repeating: .nan, shape: x.shape)
        let dxBefore = dx.withUnsafeBufferPointer { $0.baseAddress }
        col2im(expected, inputShape: x.shape, filterHeight: 3, filterWidth: 3, stride: 2, pad: 1, into: &dx)
        #expect(dx == col2im(expected, inputShape: x.shape, filterHeight: 3, filterWidth: 3, stride: 2, pad: 1))
        #expect(dx.withUnsafeBufferPointer { $0.baseAddress } == dxBefore, "the buffer was reallocated")
    }

    @Test func aFilterThatDoesNotFitGivesNoRows() {
        let x = Check.random([2, 1, 2, 2], seed: 8)
        let col = im2col(x, filterHeight: 3, filterWidth: 3)
        #expect(col.shape == [0, 9])
        #expect(col2im(col, inputShape: x.shape, filterHeight: 3, filterWidth: 3) == .zeros(x.shape))
    }

    @Test func doesNotMutateItsInputs() {
        let x = Check.random([2, 2, 4, 4], seed: 9)
        let copy = x
        let col = im2col(x, filterHeight: 3, filterWidth: 3, pad: 1)
        let colCopy = col
        _ = col2im(col, inputShape: x.shape, filterHeight: 3, filterWidth: 3, pad: 1)
        #expect(x == copy && col == colCopy)
    }

    @Test func rejectsAnInputThatIsNotFourDimensional() async {
        await #expect(processExitsWith: .failure) {
            _ = im2col(Tensor<Double>.zeros([3, 5, 5]), filterHeight: 2, filterWidth: 2)
        }
    }

    @Test func col2imRejectsAColOfTheWrongShape() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = col2im(Tensor<Double>.zeros([4, 5]), inputShape: [1, 1, 3, 3], filterHeight: 2, filterWidth: 2)
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("[4, 5]") && message.contains("[4, 4]"), "\(message)")
    }
}
