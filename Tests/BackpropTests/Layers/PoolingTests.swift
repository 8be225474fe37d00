import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct PoolingTests {
    typealias Check = LayerGradientCheck

    /// Input shape, window, stride, pad.
    struct Case: Sendable, CustomTestStringConvertible {
        var x: [Int], ph: Int, pw: Int, stride: Int, pad: Int
        var testDescription: String { "x \(x), \(ph)×\(pw), stride \(stride), pad \(pad)" }
    }

    static let cases: [Case] = [
        Case(x: [2, 3, 5, 7], ph: 3, pw: 2, stride: 2, pad: 1),
        Case(x: [2, 2, 6, 6], ph: 2, pw: 2, stride: 2, pad: 0),
        Case(x: [2, 2, 5, 5], ph: 3, pw: 3, stride: 1, pad: 1),   // overlapping windows
        Case(x: [1, 3, 7, 4], ph: 2, pw: 3, stride: 3, pad: 2),
        Case(x: [2, 2, 15, 17], ph: 2, pw: 2, stride: 2, pad: 1),  // rows of ≥ 8 windows: the vector loop
    ]

    static let modes: [PoolingMode] = [.max, .average]

    /// The book's Pooling (§7.4.4) on our im2col: col = im2col(x).reshape(-1, ph·pw), out = max (or mean)
    /// along rows, reshaped (N, OH, OW, C) and transposed to (N, C, OH, OW). Backward as its `backward`:
    /// dout transposed to (N, OH, OW, C), put at each row's argmax (or spread over the row), col2im.
    static func reference(_ x: Tensor<Double>, _ dout: Tensor<Double>, _ c: Case,
                          _ mode: PoolingMode) -> (out: Tensor<Double>, dx: Tensor<Double>) {
        let (n, ch) = (x.shape[0], x.shape[1])
        let oh = (x.shape[2] + 2 * c.pad - c.ph) / c.stride + 1, ow = (x.shape[3] + 2 * c.pad - c.pw) / c.stride + 1
        let size = c.ph * c.pw
        let col = im2col(x, filterHeight: c.ph, filterWidth: c.pw, stride: c.stride, pad: c.pad).reshaped([-1, size])
        let reduced = mode == .max ? col.max(axis: 1) : col.mean(axis: 1)
        let out = reduced.reshaped([n, oh, ow, ch]).permuted([0, 3, 1, 2])
        let d = dout.permuted([0, 2, 3, 1]).flattened()
        var dmax = Tensor<Double>.zeros([col.shape[0], size])
        let argMax = col.argmax(axis: 1)
        for i in 0..<col.shape[0] {
            if mode == .max {
                dmax[i, argMax.scalars[i]] = d.scalars[i]
            } else {
                for j in 0..<size { dmax[i, j] = d.scalars[i] / Double(size) }
            }
        }
        let dcol = dmax.reshaped([n * oh * ow, ch * size])
        let dx = col2im(dcol, inputShape: x.shape, filterHeight: c.ph, filterWidth: c.pw, stride: c.stride, pad: c.pad)
        return (out, dx)
    }

    /// A 4×4 plane whose 2×2 maxima sit in different corners of their windows.
    static let plane = Tensor<Double>(shape: [1, 1, 4, 4], scalars: [
        1, 9, 2, 3,
        4, 0, -1, 8,
        -5, -2, 7, 6,
        3, -4, 5, -3,
    ])

    @Test func maxPoolingOnAHandComputedExample() {
        let pool = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2)
        #expect(pool.forward(Self.plane) == Tensor(shape: [1, 1, 2, 2], scalars: [9, 8, 3, 7]))
        let dx = pool.backward(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
        #expect(dx == Tensor(shape: [1, 1, 4, 4], scalars: [
            0, 1, 0, 0,
            0, 0, 0, 2,
            0, 0, 4, 0,
            3, 0, 0, 0,
        ]))
    }

    @Test func averagePoolingOnAHandComputedExample() {
        let pool = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2, mode: .average)
        // (1+9+4+0)/4, (2+3−1+8)/4, (−5−2+3−4)/4, (7+6+5−3)/4.
        #expect(pool.forward(Self.plane) == Tensor(shape: [1, 1, 2, 2], scalars: [3.5, 3, -2, 3.75]))
        let dx = pool.backward(Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4]))
        #expect(dx == Tensor(shape: [1, 1, 4, 4], scalars: [
            0.25, 0.25, 0.5, 0.5,
            0.25, 0.25, 0.5, 0.5,
            0.75, 0.75, 1, 1,
            0.75, 0.75, 1, 1,
        ]))
    }

    @Test func overlappingWindowsAddUpTheirGradients() {
        // 2×2 at stride 1 over [[1, 5, 2], [3, 4, 0], [6, −1, 2]]: maxima 5 (twice), 6, 4.
        let x = Tensor<Double>(shape: [1, 1, 3, 3], scalars: [1, 5, 2, 3, 4, 0, 6, -1, 2])
        let pool = Pooling<Double>(poolHeight: 2, poolWidth: 2)
        #expect(pool.forward(x) == Tensor(shape: [1, 1, 2, 2], scalars: [5, 5, 6, 4]))
        #expect(pool.backward(.ones([1, 1, 2, 2])) == Tensor(shape: [1, 1, 3, 3], scalars: [0, 2, 0, 0, 1, 0, 1, 0, 0]))
        let average = Pooling<Double>(poolHeight: 2, poolWidth: 2, mode: .average)
        #expect(average.forward(x) == Tensor(shape: [1, 1, 2, 2], scalars: [3.25, 2.75, 3, 1.25]))
        #expect(average.backward(.ones([1, 1, 2, 2]))
                == Tensor(shape: [1, 1, 3, 3], scalars: [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25]))
    }

    @Test func tiesGoToTheFirstElementOfTheWindow() {
        // As NumPy's argmax: the first maximum in row-major window order takes the whole gradient.
        let x = Tensor<Double>(shape: [1, 1, 2, 4], scalars: [3, 3, 2, 5, 3, 3, 5, 1])
        let pool = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2)
        #expect(pool.forward(x) == Tensor(shape: [1, 1, 1, 2], scalars: [3, 5]))
        #expect(pool.backward(Tensor(shape: [1, 1, 1, 2], scalars: [7, 8]))
                == Tensor(shape: [1, 1, 2, 4], scalars: [7, 0, 0, 8, 0, 0, 0, 0]))
    }

    @Test(arguments: [(2, 2), (3, 3), (2, 3), (1, 1)])
    func tiesGoToTheFirstElementForEveryWindowSize(_ window: (Int, Int)) {
        // A constant plane: every window is one big tie, so each window's top-left cell wins.
        let (ph, pw) = window
        let pool = Pooling<Double>(poolHeight: ph, poolWidth: pw, stride: 3)
        let x = Tensor<Double>.full([1, 2, 9, 9], 1.5)
        let y = pool.forward(x)
        #expect(y == .full([1, 2, 3, 3], 1.5))
        let dout = Check.random(y.shape, seed: 3)
        var expected = Tensor<Double>.zeros(x.shape)
        for c in 0..<2 {
            for oy in 0..<3 {
                for ox in 0..<3 { expected[0, c, oy * 3, ox * 3] = dout[0, c, oy, ox] }
            }
        }
        #expect(pool.backward(dout) == expected)
    }

    @Test(arguments: [(2, 2), (3, 3), (2, 3)])
    func nanWinsAsInNumPy(_ window: (Int, Int)) {
        // np.max gives NaN when a window holds one, and np.argmax points at the first NaN; windows of
        // the same plane without a NaN are unaffected.
        let (ph, pw) = window
        var x = Check.random([1, 1, ph, 2 * pw], seed: 4)
        x[0, 0, ph - 1, 0] = .nan
        x[0, 0, ph - 1, pw - 1] = .nan
        let pool = Pooling<Double>(poolHeight: ph, poolWidth: pw, stride: pw)
        let y = pool.forward(x)
        #expect(y[0, 0, 0, 0].isNaN)
        let right = (0..<ph).flatMap { r in (pw..<(2 * pw)).map { x[0, 0, r, $0] } }
        #expect(y[0, 0, 0, 1] == right.max())
        let dx = pool.backward(Tensor(shape: [1, 1, 1, 2], scalars: [5, 7]))
        #expect(dx[0, 0, ph - 1, 0] == 5)                  // the first NaN in row-major order
        #expect(dx.sum() == 12)
        let f = Pooling<Float>(poolHeight: ph, poolWidth: pw, stride: pw).forward(x.map(Float.init))
        #expect(f[0, 0, 0, 0].isNaN && f[0, 0, 0, 1] == Float(right.max()!))
    }

    @Test func infinitiesAreOrdinaryValues() {
        // Planes with an infinity take the exact loop; the results are as for any other values.
        let x = Tensor<Double>(shape: [1, 1, 2, 4], scalars: [1, -.infinity, 2, .infinity, -.infinity, 3, -1, 0])
        for stride in [1, 2] {
            let pool = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: stride)
            let y = pool.forward(x)
            let c = Case(x: x.shape, ph: 2, pw: 2, stride: stride, pad: 0)
            let dout = Tensor<Double>.ones(y.shape)
            let expected = Self.reference(x, dout, c, .max)
            #expect(y == expected.out)
            #expect(pool.backward(dout) == expected.dx)
        }
    }

    @Test func paddingCellsCountAsZeros() {
        // Padded by 1, each 2×2 window at stride 2 holds one pixel and three padding zeros.
        let negative = Tensor<Double>(shape: [1, 1, 2, 2], scalars: [-1, -2, -3, -4])
        let pool = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2, pad: 1)
        #expect(pool.forward(negative) == .zeros([1, 1, 2, 2]))       // the padding's 0 is the max
        #expect(pool.backward(.ones([1, 1, 2, 2])) == .zeros([1, 1, 2, 2]))   // and its gradient is dropped
        let positive = Tensor<Double>(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
        #expect(pool.forward(positive) == positive)
        #expect(pool.backward(Tensor(shape: [1, 1, 2, 2], scalars: [5, 6, 7, 8]))
                == Tensor(shape: [1, 1, 2, 2], scalars: [5, 6, 7, 8]))

        let average = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2, pad: 1, mode: .average)
        #expect(average.forward(negative) == Tensor(shape: [1, 1, 2, 2], scalars: [-0.25, -0.5, -0.75, -1]))
        #expect(average.backward(.ones([1, 1, 2, 2])) == .full([1, 1, 2, 2], 0.25))
    }

    @Test(arguments: cases, modes)
    func matchesTheBooksIm2colPooling(_ c: Case, _ mode: PoolingMode) {
        let x = Check.random(c.x, seed: 1)
        let pool = Pooling<Double>(poolHeight: c.ph, poolWidth: c.pw, stride: c.stride, pad: c.pad, mode: mode)
        let y = pool.forward(x)
        let dout = Check.random(y.shape, seed: 2)
        let expected = Self.reference(x, dout, c, mode)
        #expect(y.shape == expected.out.shape)
        #expect(Check.relativeError(y, expected.out) < 1e-14)
        #expect(Check.relativeError(pool.backward(dout), expected.dx) < 1e-14)
    }

    @Test(arguments: cases, modes)
    func backwardMatchesNumericalGradient(_ c: Case, _ mode: PoolingMode) {
        // Normal deviates: no ties within a window (and none near the padding's 0), so max is differentiable.
        let x = Check.random(c.x, seed: 11)
        let pool = Pooling<Double>(poolHeight: c.ph, poolWidth: c.pw, stride: c.stride, pad: c.pad, mode: mode)
        let weights = Check.random(pool.forward(x).shape, seed: 12)
        let loss = { (pool.forward($0) * weights).sum() }
        _ = pool.forward(x)
        let dx = pool.backward(weights)
        #expect(dx.shape == c.x)
        #expect(Check.relativeError(dx, numericalGradient(of: loss, at: x)) < Check.tolerance)
    }

    @Test func simpleConvNetPoolingShapesAndTheParallelPath() {
        // (N, 30, 24, 24) → 2×2 stride 2 → (N, 30, 12, 12); 60 planes are enough to split across threads.
        let c = Case(x: [2, 30, 24, 24], ph: 2, pw: 2, stride: 2, pad: 0)
        let x = Check.random(c.x, seed: 21)
        for mode in Self.modes {
            let pool = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2, mode: mode)
            let y = pool.forward(x)
            #expect(y.shape == [2, 30, 12, 12])
            let dout = Check.random(y.shape, seed: 22)
            let expected = Self.reference(x, dout, c, mode)
            #expect(y == expected.out)
            #expect(pool.backward(dout) == expected.dx)
        }
    }

    @Test(arguments: modes)
    func floatMatchesDouble(_ mode: PoolingMode) {
        let x = Check.random([2, 3, 7, 6], seed: 31)
        let d = Pooling<Double>(poolHeight: 3, poolWidth: 2, stride: 2, pad: 1, mode: mode)
        let f = Pooling<Float>(poolHeight: 3, poolWidth: 2, stride: 2, pad: 1, mode: mode)
        let yd = d.forward(x), yf = f.forward(x.map(Float.init))
        #expect(Check.relativeError(yf.map(Double.init), yd) < 1e-6)
        let dout = Check.random(yd.shape, seed: 32)
        let dxd = d.backward(dout), dxf = f.backward(dout.map(Float.init))
        #expect(Check.relativeError(dxf.map(Double.init), dxd) < 1e-6)
    }

    @Test(arguments: modes, [0, 1])
    func floatAndDoubleAgreeOnTheVectorLoop(_ mode: PoolingMode, _ pad: Int) {
        // 2×2 stride 2 with 10 windows per row: one group of eight and a shifted, overlapping second group.
        let x = Check.random([3, 4, 12, 20], seed: 61)
        let d = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2, pad: pad, mode: mode)
        let f = Pooling<Float>(poolHeight: 2, poolWidth: 2, stride: 2, pad: pad, mode: mode)
        let yd = d.forward(x), yf = f.forward(x.map(Float.init))
        let c = Case(x: x.shape, ph: 2, pw: 2, stride: 2, pad: pad)
        let dout = Check.random(yd.shape, seed: 62)
        let expected = Self.reference(x, dout, c, mode)
        #expect(Check.relativeError(yd, expected.out) < 1e-15)
        #expect(Check.relativeError(d.backward(dout), expected.dx) < 1e-15)
        #expect(Check.relativeError(yf.map(Double.init), yd) < 1e-6)
        let dxf = f.backward(dout.map(Float.init))
        #expect(Check.relativeError(dxf.map(Double.init), expected.dx) < 1e-6)
        if mode == .max {
            #expect(yf == yd.map(Float.init))    // max copies values: exactly the same choices
            #expect(f.maxPositions == d.maxPositions)
        }
    }

    @Test(arguments: modes)
    func doesNotMutateItsInputs(_ mode: PoolingMode) {
        let x = Check.random([2, 2, 5, 5], seed: 41)
        let xCopy = x
        let pool = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 1, pad: 1, mode: mode)
        let y = pool.forward(x)
        let dout = Check.random(y.shape, seed: 42)
        let doutCopy = dout
        _ = pool.backward(dout)
        #expect(x == xCopy, "forward must not mutate x")
        #expect(dout == doutCopy, "backward must not mutate dout")
    }

    @Test func aSecondBatchDoesNotSeeTheFirst() {
        // argMax is reused between batches: a batch of another size, then the first again.
        let pool = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2)
        let c = Case(x: [3, 2, 4, 4], ph: 2, pw: 2, stride: 2, pad: 0)
        let x1 = Check.random(c.x, seed: 51), x2 = Check.random([1, 2, 4, 4], seed: 52)
        let d1 = Check.random([3, 2, 2, 2], seed: 53), d2 = Check.random([1, 2, 2, 2], seed: 54)
        _ = pool.forward(x1)
        _ = pool.backward(d1)
        #expect(pool.forward(x2) == Self.reference(x2, d2, c, .max).out)
        #expect(pool.backward(d2) == Self.reference(x2, d2, c, .max).dx)
        _ = pool.forward(x1)
        #expect(pool.backward(d1) == Self.reference(x1, d1, c, .max).dx)
    }

    @Test func defaultsAreTheBooks() {
        let pool = Pooling<Float>(poolHeight: 2, poolWidth: 2)
        #expect(pool.stride == 1 && pool.pad == 0 && pool.mode == .max)
        #expect(pool.parameters.isEmpty)
    }

    @Test func rejectsAWindowLargerThanThePaddedInput() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Pooling<Double>(poolHeight: 3, poolWidth: 3).forward(.zeros([1, 1, 2, 2]))
        }
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("[1, 1, 2, 2]") && message.contains("empty"), "\(message)")
    }

    @Test func rejectsAnInputThatIsNotFourDimensional() async {
        await #expect(processExitsWith: .failure) {
            _ = Pooling<Double>(poolHeight: 2, poolWidth: 2).forward(.zeros([4, 4]))
        }
    }

    @Test func rejectsBackwardBeforeForward() async {
        await #expect(processExitsWith: .failure) {
            _ = Pooling<Double>(poolHeight: 2, poolWidth: 2).backward(.zeros([1, 1, 1, 1]))
        }
    }

    @Test func rejectsDoutOfTheWrongShape() async {
        await #expect(processExitsWith: .failure) {
            let pool = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2)
            _ = pool.forward(.zeros([1, 1, 4, 4]))
            _ = pool.backward(.zeros([1, 1, 4, 4]))
        }
    }

    /// Pooling writes each batch into reused buffers; outputs and dx a caller kept from earlier
    /// batches (three in a row: the two alternating output buffers and one more) never change.
    @Test func reusedBuffersNeverChangeWhatACallerKept() {
        let pool = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2)
        var kept: [(Tensor<Double>, [Double], Tensor<Double>, [Double])] = []
        for k in 0..<3 {
            let x = Tensor<Double>(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4].map { $0 + 10 * Double(k) })
            let y = pool.forward(x)
            let dx = pool.backward(Tensor(shape: [1, 1, 1, 1], scalars: [Double(k + 1)]))
            kept.append((y, y.scalars, dx, dx.scalars))
        }
        for (k, (y, ys, dx, dxs)) in kept.enumerated() {
            #expect(y.scalars == ys && y.scalars == [4 + 10 * Double(k)])
            #expect(dx.scalars == dxs && dx.scalars == [0, 0, 0, Double(k + 1)])
        }
    }
}
