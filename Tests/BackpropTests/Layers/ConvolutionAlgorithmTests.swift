import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// The fast algorithm (`ConvolutionImageByImage`) against the book's §7.4.3 code (`.book`): the same
/// out, dx, dW and db on every geometry, both backward ways (col2im and the unrolled gradient) and any
/// split of the batch into runs.
struct ConvolutionAlgorithmTests {
    typealias Check = LayerGradientCheck
    typealias Case = ConvolutionTests.Case

    /// Strides 1, 2 and 3, pads 0 to 2, filters 1×1, 2×3, 3×3 and 5×5, FN < C (the unrolled-gradient way
    /// at stride 1) and FN > C (col2im), a batch of one and of several, and at stride 1 images unrolled
    /// row-shifted (C·FW ≥ 16: the third and the last two) or not.
    static let cases: [Case] = [
        Case(x: [2, 3, 6, 6], w: [2, 3, 3, 3], stride: 1, pad: 1),
        Case(x: [3, 2, 6, 5], w: [4, 2, 3, 3], stride: 1, pad: 1),
        Case(x: [1, 4, 7, 7], w: [2, 4, 5, 5], stride: 1, pad: 2),
        Case(x: [1, 2, 7, 6], w: [5, 2, 5, 5], stride: 1, pad: 0),
        Case(x: [5, 3, 6, 6], w: [3, 3, 3, 3], stride: 1, pad: 0),
        Case(x: [2, 2, 8, 8], w: [5, 2, 5, 5], stride: 2, pad: 2),
        Case(x: [3, 3, 5, 7], w: [4, 3, 3, 3], stride: 2, pad: 1),
        Case(x: [4, 3, 9, 9], w: [2, 3, 3, 3], stride: 2, pad: 0),
        Case(x: [2, 3, 4, 5], w: [2, 3, 1, 1], stride: 1, pad: 0),
        Case(x: [2, 2, 4, 5], w: [3, 2, 1, 1], stride: 2, pad: 1),
        Case(x: [2, 2, 6, 5], w: [3, 2, 2, 3], stride: 1, pad: 0),
        Case(x: [2, 1, 7, 7], w: [2, 1, 3, 3], stride: 3, pad: 2),
        Case(x: [3, 8, 6, 5], w: [9, 8, 3, 3], stride: 1, pad: 1),
        Case(x: [2, 6, 7, 6], w: [4, 6, 2, 3], stride: 1, pad: 0),
    ]

    /// Forward and backward of one layer: out, dx, dW, db, and dW, db again from `backwardParameters`.
    static func run<T: TensorScalar>(_ conv: Convolution<T>, _ x: Tensor<T>,
                                     _ dout: Tensor<T>) -> [Tensor<T>] {
        let out = conv.forward(x)
        let dx = conv.backward(dout)
        let (dW, db) = (conv.weight.gradient, conv.bias.gradient)
        _ = conv.forward(x)
        conv.backwardParameters(dout)
        return [out, dx, dW, db, conv.weight.gradient, conv.bias.gradient]
    }

    static func layer<T: TensorScalar>(_ c: Case, _ type: T.Type, _ algorithm: LayerAlgorithm) -> Convolution<T> {
        Convolution(weight: Check.random(c.w, seed: 71).map { T($0) }, bias: Check.random([c.w[0]], seed: 72).map { T($0) },
                    stride: c.stride, pad: c.pad, algorithm: algorithm)
    }

    /// The fast layer's settings: runs 1/2/3, and at stride 1 both backward ways.
    static let settings: [(runs: Int?, unrolled: Bool?)] = [(nil, nil), (1, nil), (2, nil), (3, nil), (2, true), (3, false)]

    @Test(arguments: cases)
    func fastEqualsBookInDouble(_ c: Case) {
        let x = Check.random(c.x, seed: 73)
        let book = Self.layer(c, Double.self, .book)
        let dout = Check.random(book.forward(x).shape, seed: 74)
        let expected = Self.run(book, x, dout)
        for (runs, unrolled) in Self.settings {
            let fast = Self.layer(c, Double.self, .fast)
            fast.imageByImage.runsOverride = runs
            fast.imageByImage.unrolledGradientOverride = unrolled
            let got = Self.run(fast, x, dout)
            for (name, (a, b)) in zip(["out", "dx", "dW", "db", "dW (parameters only)", "db (parameters only)"], zip(got, expected)) {
                #expect(a.shape == b.shape && Check.relativeError(a, b) < 1e-12, "\(name), runs \(String(describing: runs))")
            }
        }
    }

    @Test(arguments: cases)
    func fastEqualsBookInFloat(_ c: Case) {
        let x = Check.random(c.x, seed: 75).map(Float.init)
        let book = Self.layer(c, Float.self, .book)
        let dout = Check.random(book.forward(x).shape, seed: 76).map(Float.init)
        let expected = Self.run(book, x, dout)
        for (runs, unrolled) in Self.settings {
            let fast = Self.layer(c, Float.self, .fast)
            fast.imageByImage.runsOverride = runs
            fast.imageByImage.unrolledGradientOverride = unrolled
            for (a, b) in zip(Self.run(fast, x, dout), expected) {
                #expect(a.shape == b.shape && Check.relativeError(a.map(Double.init), b.map(Double.init)) < 1e-5)
            }
        }
    }

    /// The fast kernel returns dW and db through the buffers the layer passes, the parameters' own: the
    /// next backward writes into the same memory, gradients a caller still holds are never changed under
    /// it (it gets fresh buffers instead), and doubling dout doubles dW and db exactly — for both backward
    /// ways and for `backwardParameters`.
    @Test(arguments: [cases[0], cases[1], cases[6]])
    func gradientsGoIntoTheParametersBuffers(_ c: Case) {
        let address = { (t: Tensor<Float>) in t.withUnsafeBufferPointer { $0.baseAddress } }
        for unrolled in [true, false] {
            for inputGradient in [true, false] {
                let conv = Self.layer(c, Float.self, .fast)
                conv.imageByImage.unrolledGradientOverride = unrolled
                let x = Check.random(c.x, seed: 75).map { Float($0) }
                let dout = Check.random(conv.forward(x).shape, seed: 76).map { Float($0) }
                let step = { (d: Tensor<Float>) in
                    _ = conv.forward(x)
                    if inputGradient { _ = conv.backward(d) } else { conv.backwardParameters(d) }
                }
                step(dout)
                let (dW, db) = (address(conv.weight.gradient), address(conv.bias.gradient))
                step(dout)
                #expect(address(conv.weight.gradient) == dW && address(conv.bias.gradient) == db)
                let (heldW, heldB) = (conv.weight.gradient, conv.bias.gradient)
                let (valuesW, valuesB) = (heldW.scalars, heldB.scalars)
                step(dout * 2)
                #expect(heldW.scalars == valuesW && heldB.scalars == valuesB)
                #expect(conv.weight.gradient == heldW * 2 && conv.bias.gradient == heldB * 2)
            }
        }
    }

    @Test func theBookKeepsColAndColW() {
        // §7.4.3's shapes: x (10, 3, 7, 7), W (2, 3, 5, 5) → col (90, 75), col_W (75, 2), out (10, 2, 3, 3).
        let c = Case(x: [10, 3, 7, 7], w: [2, 3, 5, 5], stride: 1, pad: 0)
        let book = Self.layer(c, Double.self, .book), fast = Self.layer(c, Double.self, .fast)
        let x = Check.random(c.x, seed: 77)
        #expect(book.forward(x).shape == [10, 2, 3, 3])
        #expect(book.col == im2col(x, filterHeight: 5, filterWidth: 5))
        #expect(book.colW == book.weight.value.reshaped([2, 75]).transposed())
        #expect(book.x == x && book.algorithm == .book)
        _ = fast.forward(x)
        #expect(fast.col == nil && fast.colW == nil && fast.x == x && fast.algorithm == .fast)
    }

    @Test func theBookHandlesAnEmptyBatch() {
        let book = Self.layer(Case(x: [0, 2, 5, 5], w: [3, 2, 3, 3], stride: 1, pad: 1), Double.self, .book)
        let y = book.forward(.zeros([0, 2, 5, 5]))
        #expect(y.shape == [0, 3, 5, 5])
        #expect(book.backward(y).shape == [0, 2, 5, 5])
        #expect(book.weight.gradient == .zeros([3, 2, 3, 3]) && book.bias.gradient == .zeros([3]))
    }

    @Test func theBookRejectsDoutOfTheWrongShape() async {
        await #expect(processExitsWith: .failure) {
            let conv = Convolution(weight: Tensor<Double>.zeros([4, 1, 3, 3]), bias: .zeros([4]), algorithm: .book)
            _ = conv.forward(.zeros([1, 1, 5, 5]))
            _ = conv.backward(.zeros([1, 4, 3, 2]))
        }
    }
}
