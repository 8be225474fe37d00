import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// `Pooling(algorithm: .fast)` held to `Pooling(algorithm: .book)`, the book's §7.4.4 code (im2col,
/// argmax/max along rows, transpose; dmax scatter, col2im), in Float and Double.
struct PoolingAlgorithmTests {
    typealias Check = LayerGradientCheck

    /// Input shape, window, stride, pad.
    struct Case: Sendable, CustomTestStringConvertible {
        var x: [Int], ph: Int, pw: Int, stride: Int, pad: Int
        var testDescription: String { "x \(x), \(ph)×\(pw), stride \(stride), pad \(pad)" }
    }

    static let cases: [Case] = [
        Case(x: [2, 3, 6, 6], ph: 2, pw: 2, stride: 2, pad: 0),     // 2×2 stride 2, rows of < 8 windows
        Case(x: [3, 4, 12, 20], ph: 2, pw: 2, stride: 2, pad: 0),   // the vector loop (10 windows a row)
        Case(x: [1, 2, 16, 17], ph: 2, pw: 2, stride: 2, pad: 1),   // vector loop over a padded plane
        Case(x: [2, 30, 24, 24], ph: 2, pw: 2, stride: 2, pad: 0),  // SimpleConvNet's, parallel planes
        Case(x: [2, 3, 7, 7], ph: 2, pw: 2, stride: 2, pad: 0),     // odd size: the last row/column unused
        Case(x: [2, 3, 9, 9], ph: 3, pw: 3, stride: 1, pad: 0),
        Case(x: [1, 5, 9, 11], ph: 3, pw: 3, stride: 2, pad: 0),
        Case(x: [3, 2, 8, 7], ph: 3, pw: 3, stride: 2, pad: 1),
        Case(x: [2, 2, 5, 5], ph: 3, pw: 3, stride: 1, pad: 2),
        Case(x: [2, 3, 5, 6], ph: 2, pw: 2, stride: 1, pad: 0),
        Case(x: [1, 1, 5, 5], ph: 2, pw: 2, stride: 1, pad: 1),
        Case(x: [2, 3, 7, 4], ph: 2, pw: 3, stride: 3, pad: 2),     // the general loop
        Case(x: [2, 2, 10, 9], ph: 4, pw: 4, stride: 2, pad: 1),
        Case(x: [1, 3, 4, 4], ph: 1, pw: 1, stride: 1, pad: 0),
    ]

    /// What the elements are: normal deviates, a few repeated values (ties in most windows, and zeros
    /// tying with the padding), or those with NaNs and infinities scattered in.
    enum Data: String, CaseIterable, Sendable { case random, ties, nonFinite }

    static func input<T: TensorScalar>(_ shape: [Int], _ data: Data, as _: T.Type) -> Tensor<T> {
        var x = Check.random(shape, seed: 71)
        if data != .random { x = x.map { Swift.max(-2, Swift.min(2, $0.rounded())) } }
        if data == .nonFinite {
            let special: [Double] = [.nan, .infinity, -.infinity, .nan]
            for k in stride(from: 0, to: x.count, by: 7) { x.scalars[k] = special[(k / 7) % 4] }
        }
        return x.map { T($0) }
    }

    /// Equal element for element, NaN matching NaN.
    static func same<T: TensorScalar>(_ a: Tensor<T>, _ b: Tensor<T>) -> Bool {
        a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    static func pools<T: TensorScalar>(_ c: Case, _ mode: PoolingMode, _: T.Type) -> (fast: Pooling<T>, book: Pooling<T>) {
        (Pooling<T>(poolHeight: c.ph, poolWidth: c.pw, stride: c.stride, pad: c.pad, mode: mode),
         Pooling<T>(poolHeight: c.ph, poolWidth: c.pw, stride: c.stride, pad: c.pad, mode: mode, algorithm: .book))
    }

    /// The book's arg_max (a column of col per (n, oy, ox, c) row) as the fast path's plane offsets
    /// in (n, c, oy, ox) order, −1 for a padding cell.
    static func planeOffsets(_ argMax: Tensor<Int>, _ c: Case) -> [Int32] {
        let (n, ch, h, w) = (c.x[0], c.x[1], c.x[2], c.x[3])
        let oh = (h + 2 * c.pad - c.ph) / c.stride + 1, ow = (w + 2 * c.pad - c.pw) / c.stride + 1
        var offsets = [Int32](repeating: 0, count: n * ch * oh * ow)
        for i in 0..<n { for k in 0..<ch { for oy in 0..<oh { for ox in 0..<ow {
            let column = argMax.scalars[((i * oh + oy) * ow + ox) * ch + k]
            let iy = oy * c.stride + column / c.pw - c.pad, ix = ox * c.stride + column % c.pw - c.pad
            offsets[((i * ch + k) * oh + oy) * ow + ox] = iy >= 0 && iy < h && ix >= 0 && ix < w ? Int32(iy * w + ix) : -1
        } } } }
        return offsets
    }

    /// Max pooling: the same out and dx bit for bit, and the same window element chosen as maximum,
    /// on random data, on data full of ties (both take the first maximum in row-major window order,
    /// padding cells included) and with NaN and ±∞ (a NaN wins, the first NaN; out is NaN there in both).
    func maxPoolingMatches<T: TensorScalar>(_ c: Case, _ data: Data, _ type: T.Type) {
        let (fast, book) = Self.pools(c, .max, T.self)
        let x = Self.input(c.x, data, as: T.self)
        let (yFast, yBook) = (fast.forward(x), book.forward(x))
        #expect(Self.same(yFast, yBook))
        #expect(fast.maxPositions == Self.planeOffsets(book.argMax!, c))
        let dout = Check.random(yBook.shape, seed: 72).map { T($0) }
        #expect(fast.backward(dout) == book.backward(dout))
    }

    @Test(arguments: cases, Data.allCases)
    func maxPoolingFastEqualsBookInDouble(_ c: Case, _ data: Data) { maxPoolingMatches(c, data, Double.self) }

    @Test(arguments: cases, Data.allCases)
    func maxPoolingFastEqualsBookInFloat(_ c: Case, _ data: Data) { maxPoolingMatches(c, data, Float.self) }

    /// Average pooling: the book's mean along rows sums in Double (see `sumContiguous`), the fast loop in
    /// the element type, both in row-major window order, so Double agrees bit for bit on these windows
    /// (under 32 cells) and Float to rounding. dx adds the same shares in the same order in both.
    @Test(arguments: cases)
    func averagePoolingFastEqualsBook(_ c: Case) {
        let (fast, book) = Self.pools(c, .average, Double.self)
        let x = Self.input(c.x, .random, as: Double.self)
        let y = fast.forward(x)
        #expect(y == book.forward(x))
        let dout = Check.random(y.shape, seed: 73)
        #expect(fast.backward(dout) == book.backward(dout))

        let (fastF, bookF) = Self.pools(c, .average, Float.self)
        let xf = x.map(Float.init), doutF = dout.map(Float.init)
        #expect(Check.relativeError(fastF.forward(xf).map(Double.init), bookF.forward(xf).map(Double.init)) < 1e-6)
        #expect(Check.relativeError(fastF.backward(doutF).map(Double.init), bookF.backward(doutF).map(Double.init)) < 1e-6)
    }

    /// The cases small enough for a numerical gradient (two forwards per element of x).
    static let smallCases = cases.filter { $0.x.reduce(1, *) <= 400 }

    @Test(arguments: smallCases, [PoolingMode.max, .average])
    func bookBackwardMatchesNumericalGradient(_ c: Case, _ mode: PoolingMode) {
        // Normal deviates: no ties within a window (and none near the padding's 0), so max is differentiable.
        let x = Check.random(c.x, seed: 74)
        let pool = Pooling<Double>(poolHeight: c.ph, poolWidth: c.pw, stride: c.stride, pad: c.pad, mode: mode,
                                   algorithm: .book)
        let weights = Check.random(pool.forward(x).shape, seed: 75)
        let loss = { (pool.forward($0) * weights).sum() }
        _ = pool.forward(x)
        let dx = pool.backward(weights)
        #expect(dx.shape == c.x)
        #expect(Check.relativeError(dx, numericalGradient(of: loss, at: x)) < Check.tolerance)
    }

    @Test func batchesOfOtherSizesInTurn() {
        // The fast path reuses its buffers and positions; the book's recomputes everything.
        for mode in [PoolingMode.max, .average] {
            let c = Case(x: [3, 2, 6, 6], ph: 2, pw: 2, stride: 2, pad: 1)
            let (fast, book) = Self.pools(c, mode, Double.self)
            for n in [3, 1, 3, 2] {
                let x = Check.random([n, 2, 6, 6], seed: 76 + UInt64(n))
                #expect(fast.forward(x) == book.forward(x))
                let dout = Check.random([n, 2, 4, 4], seed: 80 + UInt64(n))
                #expect(fast.backward(dout) == book.backward(dout))
            }
        }
    }

    @Test func keepsWhatTheBookKeeps() {
        let x = Check.random([2, 3, 4, 4], seed: 77)
        let book = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2, algorithm: .book)
        _ = book.forward(x)
        #expect(book.x == x)
        #expect(book.argMax?.shape == [2 * 2 * 2 * 3])   // one per (n, oy, ox, c) row of col
        let fast = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2)
        #expect(fast.algorithm == .fast)
        _ = fast.forward(x)
        #expect(fast.x == x && fast.argMax == nil && fast.maxPositions.count == 2 * 3 * 2 * 2)
    }

    @Test func keepingXCostsTheLayerBeforeNoNewBuffer() {
        // Pooling keeps x (the ReLU's output) until its next forward; the ReLU writes in turn into two
        // buffers, so from the third step on no step takes new memory: every output, dx and x sits in
        // one of the first steps' buffers.
        let relu = Relu<Double>(), pool = Pooling<Double>(poolHeight: 2, poolWidth: 2, stride: 2)
        let x = Check.random([2, 3, 8, 8], seed: 78), dout = Check.random([2, 3, 4, 4], seed: 79)
        func address<T>(_ t: Tensor<T>) -> UInt { t.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) } }
        var seen: [Set<UInt>] = [[], [], []]
        for step in 0..<6 {
            let y = relu.forward(x), out = pool.forward(y), dx = pool.backward(dout)
            let addresses = [address(y), address(out), address(dx)]
            for (k, a) in addresses.enumerated() {
                if step >= 2 { #expect(seen[k].contains(a), "step \(step): buffer \(k) is new") }
                seen[k].insert(a)
            }
            _ = relu.backward(dx)
        }
        #expect(seen.map(\.count) == [2, 2, 1])
    }

    @Test func theBooksPathRejectsAWindowThatDoesNotFit() async {
        await #expect(processExitsWith: .failure) {
            _ = Pooling<Double>(poolHeight: 3, poolWidth: 3, algorithm: .book).forward(.zeros([1, 1, 2, 2]))
        }
    }
}
