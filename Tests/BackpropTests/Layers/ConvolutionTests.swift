import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct ConvolutionTests {
    typealias Check = LayerGradientCheck

    /// A convolution by its definition: out[n, f, oy, ox] = b[f] + Σ_{c, ky, kx} W[f, c, ky, kx] ·
    /// x[n, c, oy·stride + ky − pad, ox·stride + kx − pad] (0 outside the image).
    static func reference(_ x: Tensor<Double>, _ w: Tensor<Double>, _ b: Tensor<Double>,
                          stride: Int, pad: Int) -> Tensor<Double> {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (fn, fh, fw) = (w.shape[0], w.shape[2], w.shape[3])
        let oh = (h + 2 * pad - fh) / stride + 1, ow = (wd + 2 * pad - fw) / stride + 1
        var out = Tensor<Double>.zeros([n, fn, oh, ow])
        for i in 0..<n {
            for f in 0..<fn {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var s = b[f]
                        for ch in 0..<c {
                            for ky in 0..<fh {
                                for kx in 0..<fw {
                                    let iy = oy * stride + ky - pad, ix = ox * stride + kx - pad
                                    guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
                                    s += w[f, ch, ky, kx] * x[i, ch, iy, ix]
                                }
                            }
                        }
                        out[i, f, oy, ox] = s
                    }
                }
            }
        }
        return out
    }

    /// Input shape, filter shape (FN, C, FH, FW), stride, pad.
    struct Case: Sendable, CustomTestStringConvertible {
        var x: [Int], w: [Int], stride: Int, pad: Int
        var testDescription: String { "x \(x), W \(w), stride \(stride), pad \(pad)" }
    }

    static let cases: [Case] = [
        Case(x: [2, 3, 5, 7], w: [4, 3, 3, 3], stride: 2, pad: 1),
        Case(x: [2, 2, 6, 5], w: [3, 2, 2, 3], stride: 1, pad: 0),
        Case(x: [2, 1, 7, 7], w: [2, 1, 3, 3], stride: 3, pad: 2),
        Case(x: [2, 3, 4, 5], w: [5, 3, 1, 1], stride: 1, pad: 1),
    ]

    static func layer(_ c: Case, seed: UInt64, algorithm: LayerAlgorithm = .fast) -> Convolution<Double> {
        Convolution(weight: Check.random(c.w, seed: seed), bias: Check.random([c.w[0]], seed: seed + 1),
                    stride: c.stride, pad: c.pad, algorithm: algorithm)
    }

    @Test func forwardOnAHandComputedExample() {
        // x = 1…9; filter 0 adds the diagonal of each 2×2 window, filter 1 weighs it by [[1, 2], [3, 4]].
        let x = Tensor<Double>(shape: [1, 1, 3, 3], scalars: (1...9).map(Double.init))
        let w = Tensor<Double>(shape: [2, 1, 2, 2], scalars: [1, 0, 0, 1, /**/ 1, 2, 3, 4])
        let conv = Convolution(weight: w, bias: Tensor([0.5, -1]))
        #expect(conv.forward(x) == Tensor(shape: [1, 2, 2, 2], scalars: [6.5, 8.5, 12.5, 14.5, /**/ 36, 46, 66, 76]))
    }

    @Test func forwardAndBackwardWithPaddingStrideAndTwoChannels() {
        // Channel 0 holds 1…9, channel 1 ones. Padded by 1, the 2×2 windows at stride 2 start at padded
        // (0,0), (0,2), (2,0), (2,2), so every pixel lies in exactly one window.
        let x = Tensor<Double>(shape: [1, 2, 3, 3], scalars: (1...9).map(Double.init) + Array(repeating: 1, count: 9))
        let w = Tensor<Double>(shape: [1, 2, 2, 2], scalars: [1, 1, 1, 1, /**/ 1, 0, 0, -1])
        let conv = Convolution(weight: w, bias: Tensor([0.25]), stride: 2, pad: 1)
        // Channel 0 sums the windows (1, 5, 11, 28); channel 1 gives −1, −1, −1, 0.
        #expect(conv.forward(x) == Tensor(shape: [1, 1, 2, 2], scalars: [0.25, 4.25, 10.25, 28.25]))

        let dx = conv.backward(.ones([1, 1, 2, 2]))
        #expect(conv.bias.gradient == Tensor([4]))
        // dW = Σ over windows of the window: channel 0 [0+0+0+5, 0+0+4+6, 0+2+0+8, 1+3+7+9].
        #expect(conv.weight.gradient == Tensor(shape: [1, 2, 2, 2], scalars: [5, 10, 10, 20, /**/ 1, 2, 2, 4]))
        // Each pixel gets the weight at its place in its window.
        #expect(dx == Tensor(shape: [1, 2, 3, 3], scalars: Array(repeating: 1, count: 9) + [-1, 0, -1, 0, 1, 0, -1, 0, -1]))
    }

    @Test(arguments: cases, LayerAlgorithm.allCases)
    func forwardMatchesTheDefinition(_ c: Case, _ algorithm: LayerAlgorithm) {
        let conv = Self.layer(c, seed: 1, algorithm: algorithm)
        let x = Check.random(c.x, seed: 3)
        let y = conv.forward(x)
        let expected = Self.reference(x, conv.weight.value, conv.bias.value, stride: c.stride, pad: c.pad)
        #expect(y.shape == expected.shape)
        #expect(Check.relativeError(y, expected) < 1e-14)
    }

    @Test(arguments: cases, LayerAlgorithm.allCases)
    func backwardMatchesNumericalGradient(_ c: Case, _ algorithm: LayerAlgorithm) {
        let conv = Self.layer(c, seed: 11, algorithm: algorithm)
        let x = Check.random(c.x, seed: 13)
        let outShape = conv.forward(x).shape
        let weights = Check.random(outShape, seed: 14)   // L = Σ weights·forward(x), so dout = weights
        let loss = { (conv.forward($0) * weights).sum() }

        _ = conv.forward(x)
        let dx = conv.backward(weights)
        let dW = conv.weight.gradient, db = conv.bias.gradient
        #expect(dx.shape == c.x && dW.shape == c.w && db.shape == [c.w[0]])

        #expect(Check.relativeError(dx, numericalGradient(of: loss, at: x)) < Check.tolerance)
        let numericW = Check.numericalGradient(of: conv.weight) { loss(x) }
        #expect(Check.relativeError(dW, numericW) < Check.tolerance)
        let numericB = Check.numericalGradient(of: conv.bias) { loss(x) }
        #expect(Check.relativeError(db, numericB) < Check.tolerance)
    }

    /// Backward's two ways to [∂W | ∂b] — A·Bᵀ with doutₙ as it is, or A·B with doutₙ transposed first
    /// (taken where OpenBLAS has small-matrix kernels) — agree, on every case and with the batch split
    /// into runs, and the transposed way matches the numerical gradient.
    @Test(arguments: cases)
    func transposedDoutGivesTheSameGradients(_ c: Case) {
        let x = Check.random(c.x, seed: 41)
        let plain = Self.layer(c, seed: 42), transposed = Self.layer(c, seed: 42)
        plain.imageByImage.transposedGradientOverride = false
        transposed.imageByImage.transposedGradientOverride = true
        transposed.imageByImage.runsOverride = 2
        let y = plain.forward(x)
        #expect(transposed.forward(x) == y)
        let dout = Check.random(y.shape, seed: 43)
        #expect(transposed.backward(dout) == plain.backward(dout))
        #expect(Check.relativeError(transposed.weight.gradient, plain.weight.gradient) < 1e-14)
        #expect(Check.relativeError(transposed.bias.gradient, plain.bias.gradient) < 1e-14)
        let loss = { (transposed.forward($0) * dout).sum() }
        _ = transposed.forward(x)
        _ = transposed.backward(dout)
        let dW = transposed.weight.gradient
        #expect(Check.relativeError(dW, Check.numericalGradient(of: transposed.weight) { loss(x) }) < Check.tolerance)
    }

    /// Stride-1 cases with square filters, where backward may unroll dout instead of running col2im:
    /// pad 0 (dout padded by FH − 1), pad 1, pad FH − 1 (dout not padded), and filters fewer than, as many
    /// as and more than the channels.
    static let unrolledGradientCases: [Case] = [
        Case(x: [3, 2, 6, 5], w: [3, 2, 3, 3], stride: 1, pad: 0),
        Case(x: [3, 3, 5, 6], w: [3, 3, 3, 3], stride: 1, pad: 1),
        Case(x: [3, 4, 5, 4], w: [2, 4, 3, 3], stride: 1, pad: 2),
        Case(x: [2, 2, 6, 6], w: [5, 2, 2, 2], stride: 1, pad: 1),
        Case(x: [2, 3, 4, 4], w: [4, 3, 1, 1], stride: 1, pad: 0),
    ]

    /// Backward through the unrolled dout (`gradientWindow`) and through col2im give the same dx, ∂W and
    /// ∂b up to rounding, with the batch whole or split into runs and ∂W's product either way round, and
    /// the unrolled way matches the numerical gradients.
    @Test(arguments: unrolledGradientCases)
    func unrolledGradientAgreesWithCol2im(_ c: Case) {
        let x = Check.random(c.x, seed: 51)
        let viaCol2im = Self.layer(c, seed: 52)
        viaCol2im.imageByImage.unrolledGradientOverride = false
        let y = viaCol2im.forward(x)
        let dout = Check.random(y.shape, seed: 53)
        let dx = viaCol2im.backward(dout)
        for (runs, transposed) in [(1, false), (1, true), (2, false), (3, true)] {
            let unrolled = Self.layer(c, seed: 52)
            unrolled.imageByImage.unrolledGradientOverride = true
            unrolled.imageByImage.runsOverride = runs
            unrolled.imageByImage.transposedGradientOverride = transposed
            #expect(unrolled.forward(x) == y)
            #expect(Check.relativeError(unrolled.backward(dout), dx) < 1e-13)
            #expect(Check.relativeError(unrolled.weight.gradient, viaCol2im.weight.gradient) < 1e-13)
            #expect(Check.relativeError(unrolled.bias.gradient, viaCol2im.bias.gradient) < 1e-13)
            #expect(unrolled.imageByImage.unrolledGradient.gradientWorkspace.count > 0)
        }
        let unrolled = Self.layer(c, seed: 52)
        unrolled.imageByImage.unrolledGradientOverride = true
        let loss = { (unrolled.forward($0) * dout).sum() }
        _ = unrolled.forward(x)
        let dxUnrolled = unrolled.backward(dout)
        #expect(Check.relativeError(dxUnrolled, numericalGradient(of: loss, at: x)) < Check.tolerance)
        let numericW = Check.numericalGradient(of: unrolled.weight) { loss(x) }
        #expect(Check.relativeError(unrolled.weight.gradient, numericW) < Check.tolerance)
        let numericB = Check.numericalGradient(of: unrolled.bias) { loss(x) }
        #expect(Check.relativeError(unrolled.bias.gradient, numericB) < Check.tolerance)
    }

    /// The unrolled-gradient way exists only at stride 1 with a square filter and pad < FH, and is taken
    /// by default only where the unrolled dout is no larger than col.
    @Test func unrolledGradientAppliesOnlyWhereItCan() {
        func window(_ x: [Int], _ w: [Int], stride: Int, pad: Int) -> (SlidingWindow, SlidingWindow?) {
            let g = SlidingWindow(inputShape: x, windowHeight: w[2], windowWidth: w[3], stride: stride, pad: pad, operation: "test")
            return (g, ConvolutionUnrolledGradient<Float>.gradientWindow(g, filterHeight: w[2], filterWidth: w[3], filters: w[0]))
        }
        #expect(window([1, 3, 8, 8], [4, 3, 3, 3], stride: 2, pad: 1).1 == nil)
        #expect(window([1, 3, 8, 8], [4, 3, 3, 2], stride: 1, pad: 1).1 == nil)
        #expect(window([1, 3, 8, 8], [4, 3, 3, 3], stride: 1, pad: 3).1 == nil)
        // DeepConvNet's layers: 16 → 16 at 28×28 and 32 → 32 at 14×14 with pad 2 take it; 16 → 32 does not.
        let (same, sameGradient) = window([100, 16, 28, 28], [16, 16, 3, 3], stride: 1, pad: 1)
        #expect(sameGradient.map { [$0.channels, $0.height, $0.pad, $0.outHeight, $0.outWidth] } == [16, 28, 1, 28, 28])
        #expect(sameGradient.map { ConvolutionUnrolledGradient<Float>.prefersUnrolledGradient(same, $0) } == true)
        let (wide, wideGradient) = window([100, 32, 14, 14], [32, 32, 3, 3], stride: 1, pad: 2)
        #expect(wideGradient.map { [$0.height, $0.pad, $0.outHeight] } == [16, 0, 14])
        #expect(wideGradient.map { ConvolutionUnrolledGradient<Float>.prefersUnrolledGradient(wide, $0) } == true)
        let (doubling, doublingGradient) = window([100, 16, 14, 14], [32, 16, 3, 3], stride: 1, pad: 1)
        #expect(doublingGradient.map { ConvolutionUnrolledGradient<Float>.prefersUnrolledGradient(doubling, $0) } == false)
    }

    @Test func simpleConvNetShapes() {
        // §7.5: (N, 1, 28, 28) → conv 30 filters 5×5 → (N, 30, 24, 24) → pool 2×2 stride 2 → (N, 30, 12, 12).
        let x = Tensor<Float>.zeros([3, 1, 28, 28])
        let conv = Convolution(weight: Tensor<Float>.zeros([30, 1, 5, 5]), bias: .zeros([30]))
        let y = conv.forward(x)
        #expect(y.shape == [3, 30, 24, 24])
        let pool = Pooling<Float>(poolHeight: 2, poolWidth: 2, stride: 2)
        let z = pool.forward(y)
        #expect(z.shape == [3, 30, 12, 12])
        #expect(pool.backward(.ones(z.shape)).shape == y.shape)
        #expect(conv.backward(.ones(y.shape)).shape == x.shape)
        // Padding 2 keeps 28×28, stride 2 halves it.
        let same = Convolution(weight: Tensor<Float>.zeros([4, 1, 5, 5]), bias: .zeros([4]), stride: 1, pad: 2)
        #expect(same.forward(x).shape == [3, 4, 28, 28])
        let strided = Convolution(weight: Tensor<Float>.zeros([4, 1, 4, 4]), bias: .zeros([4]), stride: 2, pad: 1)
        #expect(strided.forward(x).shape == [3, 4, 14, 14])
    }

    @Test func splittingTheBatchAmongThreadsChangesOnlyTheSummationOrder() {
        // The batch split into runs (one per thread) gives the same output and dx, image by image, and
        // ∂W, ∂b summed from the runs' partials — equal up to rounding, and the same bits every time.
        let c = Case(x: [5, 3, 6, 6], w: [4, 3, 3, 3], stride: 1, pad: 1)
        let x = Check.random(c.x, seed: 21)
        let whole = Self.layer(c, seed: 22)
        whole.imageByImage.runsOverride = 1
        let y = whole.forward(x)
        let dout = Check.random(y.shape, seed: 24)
        let dx = whole.backward(dout)
        for runs in [2, 3, 5, 8] {
            let split = Self.layer(c, seed: 22)
            split.imageByImage.runsOverride = runs
            #expect(split.forward(x) == y)
            #expect(split.backward(dout) == dx)
            #expect(Check.relativeError(split.weight.gradient, whole.weight.gradient) < 1e-14)
            #expect(Check.relativeError(split.bias.gradient, whole.bias.gradient) < 1e-14)
            let again = Self.layer(c, seed: 22)
            again.imageByImage.runsOverride = runs
            _ = again.forward(x)
            _ = again.backward(dout)
            #expect(again.weight.gradient == split.weight.gradient && again.bias.gradient == split.bias.gradient)
        }
    }

    @Test func buffersAreReusedAndBatchesOfAnotherSizeStillWork() {
        let c = Case(x: [3, 2, 5, 5], w: [3, 2, 3, 3], stride: 1, pad: 1)
        let conv = Self.layer(c, seed: 31)
        let x1 = Check.random(c.x, seed: 32), x2 = Check.random(c.x, seed: 33)
        let dout = Check.random([3, 3, 5, 5], seed: 34)
        _ = conv.forward(x1)
        _ = conv.backward(dout)
        let workspaceAddress = conv.imageByImage.workspace.base
        // A second batch of the same shape: same scratch, and results as from a fresh layer.
        let y2 = conv.forward(x2)
        let dx2 = conv.backward(dout)
        #expect(conv.imageByImage.workspace.base == workspaceAddress, "workspace was reallocated")
        let fresh = Self.layer(c, seed: 31)
        #expect(y2 == fresh.forward(x2))
        #expect(dx2 == fresh.backward(dout))
        #expect(conv.weight.gradient == fresh.weight.gradient && conv.bias.gradient == fresh.bias.gradient)
        // A smaller batch (the last batch of an epoch) and back.
        let x3 = Check.random([2, 2, 5, 5], seed: 35)
        let dout3 = Check.random([2, 3, 5, 5], seed: 36)
        let y3 = conv.forward(x3)
        #expect(Check.relativeError(y3, Self.reference(x3, conv.weight.value, conv.bias.value, stride: 1, pad: 1)) < 1e-14)
        let dx3 = conv.backward(dout3)
        let fresh3 = Self.layer(c, seed: 31)
        _ = fresh3.forward(x3)
        #expect(dx3 == fresh3.backward(dout3))
        #expect(conv.weight.gradient == fresh3.weight.gradient)
        #expect(conv.forward(x2) == y2)
    }

    @Test func floatMatchesDouble() {
        let c = Case(x: [2, 3, 7, 6], w: [4, 3, 3, 2], stride: 2, pad: 1)
        let x = Check.random(c.x, seed: 41), w = Check.random(c.w, seed: 42), b = Check.random([4], seed: 43)
        let d = Convolution(weight: w, bias: b, stride: 2, pad: 1)
        let f = Convolution(weight: w.map(Float.init), bias: b.map(Float.init), stride: 2, pad: 1)
        let yd = d.forward(x), yf = f.forward(x.map(Float.init))
        #expect(Check.relativeError(yf.map(Double.init), yd) < 1e-6)
        let dout = Check.random(yd.shape, seed: 44)
        let dxd = d.backward(dout), dxf = f.backward(dout.map(Float.init))
        #expect(Check.relativeError(dxf.map(Double.init), dxd) < 1e-6)
        #expect(Check.relativeError(f.weight.gradient.map(Double.init), d.weight.gradient) < 1e-6)
        #expect(Check.relativeError(f.bias.gradient.map(Double.init), d.bias.gradient) < 1e-6)
    }

    @Test(arguments: LayerAlgorithm.allCases)
    func doesNotMutateItsInputsOrParameters(_ algorithm: LayerAlgorithm) {
        let c = Case(x: [2, 2, 5, 5], w: [3, 2, 3, 3], stride: 2, pad: 1)
        let conv = Self.layer(c, seed: 51, algorithm: algorithm)
        let w = conv.weight.value, b = conv.bias.value
        let x = Check.random(c.x, seed: 52)
        let xCopy = x
        let y = conv.forward(x)
        let dout = Check.random(y.shape, seed: 53)
        let doutCopy = dout
        _ = conv.backward(dout)
        #expect(x == xCopy, "forward must not mutate x")
        #expect(dout == doutCopy, "backward must not mutate dout")
        #expect(conv.weight.value == w && conv.bias.value == b)
        #expect(conv.x == x)
    }

    @Test func parametersAreNamedAsTheBook() {
        let conv = Convolution(weight: Tensor<Float>.zeros([30, 1, 5, 5]), bias: .zeros([30]))
        #expect(conv.parameters.map(\.name) == ["W", "b"])
        #expect(conv.parameters[0] === conv.weight && conv.parameters[1] === conv.bias)
        #expect(conv.weight.decays && !conv.bias.decays)
        #expect(conv.weight.gradient.shape == [30, 1, 5, 5] && conv.bias.gradient.shape == [30])
        #expect(conv.stride == 1 && conv.pad == 0)
    }

    @Test func anEmptyBatchGivesEmptyResults() {
        let conv = Self.layer(Case(x: [0, 2, 5, 5], w: [3, 2, 3, 3], stride: 1, pad: 0), seed: 61)
        let y = conv.forward(.zeros([0, 2, 5, 5]))
        #expect(y.shape == [0, 3, 3, 3])
        #expect(conv.backward(y).shape == [0, 2, 5, 5])
        #expect(conv.weight.gradient == .zeros([3, 2, 3, 3]) && conv.bias.gradient == .zeros([3]))
    }

    @Test func rejectsChannelsThatDoNotMatchW() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let conv = Convolution(weight: Tensor<Double>.zeros([4, 3, 3, 3]), bias: .zeros([4]))
            _ = conv.forward(.zeros([2, 2, 8, 8]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("[2, 2, 8, 8]") && message.contains("[4, 3, 3, 3]"), "\(message)")
    }

    @Test func rejectsAFilterLargerThanThePaddedInput() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let conv = Convolution(weight: Tensor<Double>.zeros([2, 1, 5, 5]), bias: .zeros([2]), pad: 1)
            _ = conv.forward(.zeros([1, 1, 2, 2]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("[1, 1, 2, 2]") && message.contains("[2, 1, 5, 5]") && message.contains("empty"),
                "\(message)")
    }

    @Test func rejectsBiasOfTheWrongShape() async {
        await #expect(processExitsWith: .failure) {
            _ = Convolution(weight: Tensor<Double>.zeros([4, 3, 3, 3]), bias: .zeros([3]))
        }
    }

    @Test func rejectsBackwardBeforeForward() async {
        await #expect(processExitsWith: .failure) {
            let conv = Convolution(weight: Tensor<Double>.zeros([4, 3, 3, 3]), bias: .zeros([4]))
            _ = conv.backward(.zeros([1, 4, 1, 1]))
        }
    }

    @Test func rejectsDoutOfTheWrongShape() async {
        await #expect(processExitsWith: .failure) {
            let conv = Convolution(weight: Tensor<Double>.zeros([4, 1, 3, 3]), bias: .zeros([4]))
            _ = conv.forward(.zeros([1, 1, 5, 5]))
            _ = conv.backward(.zeros([1, 4, 3, 2]))
        }
    }
}
