import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Each pooling kernel (Kernels/Pooling/MaxPoolingKernels.swift, AveragePoolingKernels.swift,
/// UnpoolingKernels.swift, PoolingPlanes.swift) held to the plain operation its comment names.
struct PoolingKernelTests {
    typealias Check = LayerGradientCheck

    /// One (H, W) plane and a window over it (no padding: the kernels read a plane whose every window
    /// lies inside it).
    struct Plane: Sendable, CustomTestStringConvertible {
        var h: Int, w: Int, ph: Int, pw: Int, stride: Int
        var testDescription: String { "\(h)×\(w), \(ph)×\(pw) window, stride \(stride)" }
        var outHeight: Int { (h - ph) / stride + 1 }
        var outWidth: Int { (w - pw) / stride + 1 }
        var windows: PlaneWindows {
            PlaneWindows(pitch: w, poolHeight: ph, poolWidth: pw, stride: stride, outHeight: outHeight, outWidth: outWidth)
        }
    }

    /// A plane's elements: normal deviates, or with `ties` a few repeated values (most windows tie).
    static func elements(_ p: Plane, ties: Bool, seed: UInt64 = 91) -> [Double] {
        let x = Check.random([p.h * p.w], seed: seed).scalars
        return ties ? x.map { $0.rounded() } : x
    }

    /// The plain operation: im2col of the plane as a (1, 1, H, W) batch, then max and argmax along the
    /// rows (the book's Pooling.forward); argmax turned into plane offsets.
    static func bookMax<T: TensorScalar>(_ x: [T], _ p: Plane) -> (y: [T], offsets: [Int32]) {
        let col = im2col(Tensor(shape: [1, 1, p.h, p.w], scalars: x), filterHeight: p.ph, filterWidth: p.pw, stride: p.stride)
        let argMax = col.argmax(axis: 1).scalars
        let offsets = argMax.indices.map { i in
            Int32((i / p.outWidth * p.stride + argMax[i] / p.pw) * p.w + i % p.outWidth * p.stride + argMax[i] % p.pw)
        }
        return (col.max(axis: 1).scalars, offsets)
    }

    /// Runs a max kernel over one plane.
    static func run<T: TensorScalar>(_ x: [T], _ p: Plane,
                                     _ kernel: (UnsafePointer<T>, UnsafeMutablePointer<T>, UnsafeMutablePointer<Int32>,
                                                PlaneWindows) -> Void)
        -> (y: [T], offsets: [Int32]) {
        var y = [T](repeating: 0, count: p.outHeight * p.outWidth), offsets = [Int32](repeating: 0, count: y.count)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                offsets.withUnsafeMutableBufferPointer { po in kernel(px.baseAddress!, py.baseAddress!, po.baseAddress!, p.windows) }
            }
        }
        return (y, offsets)
    }

    static let planes: [Plane] = [
        Plane(h: 6, w: 7, ph: 2, pw: 2, stride: 1), Plane(h: 7, w: 9, ph: 2, pw: 2, stride: 2),
        Plane(h: 8, w: 8, ph: 3, pw: 3, stride: 1), Plane(h: 9, w: 11, ph: 3, pw: 3, stride: 2),
        Plane(h: 5, w: 8, ph: 2, pw: 3, stride: 2), Plane(h: 9, w: 9, ph: 4, pw: 4, stride: 3),
    ]

    @Test(arguments: planes, [false, true])
    func maxWindowsEqualsTheBooksMaxAndArgmax(_ p: Plane, _ ties: Bool) {
        let x = Self.elements(p, ties: ties)
        let expected = Self.bookMax(x, p)
        let general = Self.run(x, p) { maxWindows($0, $1, $2, $3) }
        #expect(general.y == expected.y && general.offsets == expected.offsets)
        // The written-out loops equal the general one, choices included.
        if p.ph == 2 && p.pw == 2 {
            let twoByTwo = Self.run(x, p) { maxWindows2x2($0, $1, $2, $3) }
            #expect(twoByTwo.y == general.y && twoByTwo.offsets == general.offsets)
        }
        if p.ph == 3 && p.pw == 3 {
            let threeByThree = Self.run(x, p) { maxWindows3x3($0, $1, $2, $3) }
            #expect(threeByThree.y == general.y && threeByThree.offsets == general.offsets)
        }
        let withNaN = Self.run(x, p) { maxWindowsWithNaN($0, $1, $2, $3) }
        #expect(withNaN.y == general.y && withNaN.offsets == general.offsets)
    }

    @Test(arguments: [Plane(h: 4, w: 16, ph: 2, pw: 2, stride: 2), Plane(h: 6, w: 20, ph: 2, pw: 2, stride: 2),
                      Plane(h: 5, w: 35, ph: 2, pw: 2, stride: 2)], [false, true])
    func vectorTwoByTwoStrideTwoEqualsMaxWindows(_ p: Plane, _ ties: Bool) {
        // 8, 10 and 17 windows a row: one group of eight, a shifted second group, three groups.
        let x = Self.elements(p, ties: ties)
        let general = Self.run(x, p) { maxWindows($0, $1, $2, $3) }
        var finite = [Bool]()
        let double = Self.run(x, p) { finite.append(maxWindows2x2Stride2($0, $1, $2, $3)) }
        #expect(double.y == general.y && double.offsets == general.offsets)
        let xf = x.map(Float.init)
        let generalF = Self.run(xf, p) { maxWindows($0, $1, $2, $3) }
        let float = Self.run(xf, p) { finite.append(maxWindows2x2Stride2($0, $1, $2, $3)) }
        #expect(float.y == generalF.y && float.offsets == generalF.offsets)
        #expect(float.offsets == Self.bookMax(xf, p).offsets)
        #expect(finite == [true, true])
    }

    /// The vector loop's own check: a NaN or an infinity in any window makes it return false, and the
    /// driver then gives the NaN loop's numbers (the book's: the first NaN wins).
    @Test(arguments: [Plane(h: 4, w: 16, ph: 2, pw: 2, stride: 2), Plane(h: 5, w: 35, ph: 2, pw: 2, stride: 2)])
    func vectorTwoByTwoStrideTwoHandsANaNPlaneBack(_ p: Plane) {
        for (position, special) in [(0, Float.nan), (2 * p.w + 9, .nan), (p.w + 2 * p.outWidth - 1, .infinity),
                                    (2 * p.outWidth - 2, -.infinity)] {
            var x = Self.elements(p, ties: false, seed: UInt64(position)).map(Float.init)
            x[position] = special
            var finite = true
            _ = Self.run(x, p) { finite = maxWindows2x2Stride2($0, $1, $2, $3) }
            #expect(!finite, "\(special) at \(position)")
            let g = SlidingWindow(inputShape: [1, 1, p.h, p.w], windowHeight: 2, windowWidth: 2, stride: 2, pad: 0, operation: "test")
            let driven = Self.run(x, p) { x, y, a, _ in poolingForward(x, y, a, g) }
            let expected = Self.run(x, p) { maxWindowsWithNaN($0, $1, $2, $3) }
            #expect(driven.y.map(\.bitPattern) == expected.y.map(\.bitPattern) && driven.offsets == expected.offsets)
        }
    }

    @Test(arguments: planes)
    func maxWindowsWithNaNEqualsTheBooksMaxAndArgmaxOnNaN(_ p: Plane) {
        // np.max is NaN where a window holds a NaN, np.argmax the first NaN; ±∞ are ordinary values.
        var x = Self.elements(p, ties: false)
        for k in stride(from: 1, to: x.count, by: 5) { x[k] = [.nan, .infinity, -.infinity][(k / 5) % 3] }
        let expected = Self.bookMax(x, p)
        let got = Self.run(x, p) { maxWindowsWithNaN($0, $1, $2, $3) }
        #expect(zip(got.y, expected.y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        #expect(got.offsets == expected.offsets)
    }

    /// Double's scalar loop and Float's vectors of sixteen, with their tails: a special value anywhere.
    @Test func containsNonFiniteEqualsNotAllFinite() {
        for n in 1..<40 {
            for position in 0..<n {
                for special in [0.5, .nan, .infinity, -.infinity] {
                    var x = Check.random([n], seed: UInt64(n)).scalars
                    x[position] = special
                    let got = x.withUnsafeBufferPointer { containsNonFinite($0.baseAddress!, n) }
                    #expect(got == !x.allSatisfy(\.isFinite))
                    let floats = x.map { Float($0) }
                    #expect(floats.withUnsafeBufferPointer { containsNonFinite($0.baseAddress!, n) } == !floats.allSatisfy(\.isFinite))
                }
            }
        }
    }

    @Test(arguments: planes + [Plane(h: 4, w: 16, ph: 2, pw: 2, stride: 2), Plane(h: 5, w: 35, ph: 2, pw: 2, stride: 2)])
    func averageWindowsEqualsTheMeanOfColRows(_ p: Plane) {
        let x = Self.elements(p, ties: false)
        var y = [Double](repeating: 0, count: p.outHeight * p.outWidth)
        x.withUnsafeBufferPointer { px in y.withUnsafeMutableBufferPointer { averageWindows(px.baseAddress!, $0.baseAddress!, p.windows) } }
        let col = im2col(Tensor(shape: [1, 1, p.h, p.w], scalars: x), filterHeight: p.ph, filterWidth: p.pw, stride: p.stride)
        #expect(y == col.mean(axis: 1).scalars)   // Double: the same sums in the same order
        if p.ph == 2 && p.pw == 2 && p.stride == 2 && p.outWidth >= poolingVectorWidth {
            let xf = x.map(Float.init)
            var general = [Float](repeating: 0, count: y.count), vectorF = general
            xf.withUnsafeBufferPointer { px in
                general.withUnsafeMutableBufferPointer { averageWindows(px.baseAddress!, $0.baseAddress!, p.windows) }
                vectorF.withUnsafeMutableBufferPointer { averageWindows2x2Stride2(px.baseAddress!, $0.baseAddress!, p.windows) }
            }
            #expect(vectorF == general)
            var vector = [Double](repeating: 0, count: y.count)
            x.withUnsafeBufferPointer { px in
                vector.withUnsafeMutableBufferPointer { averageWindows2x2Stride2(px.baseAddress!, $0.baseAddress!, p.windows) }
            }
            #expect(vector == y)
        }
    }

    /// Batches (N, C, H, W) with padding, pooled by the drivers `poolingForward` / `poolingBackward`
    /// (which pick the loops above and pad into scratch) against the book's whole forward and backward.
    static let batches: [PoolingAlgorithmTests.Case] = [
        .init(x: [2, 3, 7, 9], ph: 3, pw: 3, stride: 2, pad: 1), .init(x: [2, 2, 6, 20], ph: 2, pw: 2, stride: 2, pad: 1),
        .init(x: [1, 4, 5, 6], ph: 2, pw: 2, stride: 1, pad: 0), .init(x: [3, 1, 8, 5], ph: 2, pw: 3, stride: 3, pad: 2),
    ]

    @Test(arguments: batches, [PoolingMode.max, .average])
    func planeDriversAndUnpoolPlanesEqualTheBooksForwardAndBackward(_ c: PoolingAlgorithmTests.Case, _ mode: PoolingMode) {
        let x = Check.random(c.x, seed: 92)
        let g = SlidingWindow(inputShape: c.x, windowHeight: c.ph, windowWidth: c.pw, stride: c.stride, pad: c.pad, operation: "test")
        var y = [Double](repeating: 0, count: g.batch * g.channels * g.outPositions), offsets = [Int32](repeating: 0, count: y.count)
        x.withUnsafeBufferPointer { px in
            y.withUnsafeMutableBufferPointer { py in
                offsets.withUnsafeMutableBufferPointer { po in
                    poolingForward(px.baseAddress!, py.baseAddress!, mode == .max ? po.baseAddress! : nil, g)
                }
            }
        }
        let book = Pooling<Double>(poolHeight: c.ph, poolWidth: c.pw, stride: c.stride, pad: c.pad, mode: mode, algorithm: .book)
        let out = book.forward(x)
        #expect(y == out.scalars)
        if mode == .max { #expect(offsets == PoolingAlgorithmTests.planeOffsets(book.argMax!, c)) }

        let dout = Check.random(out.shape, seed: 93)
        var dx = [Double](repeating: .nan, count: x.count)   // overwritten, not added to
        dout.withUnsafeBufferPointer { pd in
            dx.withUnsafeMutableBufferPointer { pdx in
                offsets.withUnsafeBufferPointer { po in
                    poolingBackward(pd.baseAddress!, pdx.baseAddress!, mode == .max ? po.baseAddress! : nil, g)
                }
            }
        }
        #expect(dx == book.backward(dout).scalars)
    }

    /// The dense 2×2 stride-2 unpooling against the plain scatter it names: a zeroed plane, then
    /// dx[argMax] += dout for each window (−1 skipped). Bit for bit, with −0, NaN and ±∞ among dout, windows
    /// whose ReLU dropped them (−1), an odd last row (no window) and rows of 4, 7 and 12 windows (a last
    /// group shifted back over the one before).
    @Test(arguments: [(8, 8), (9, 24), (6, 14), (7, 28)])
    func denseUnpoolingEqualsTheScatterIntoZeros(_ size: (h: Int, w: Int)) {
        let g = SlidingWindow(inputShape: [1, 1, size.h, size.w], windowHeight: 2, windowWidth: 2, stride: 2, pad: 0,
                              operation: "test")
        #expect(unpoolsDensely(g))
        let outSize = g.outHeight * g.outWidth
        var dout = Check.random([outSize], seed: 94).scalars.map { Float($0) }
        var argMax = [Int32](repeating: 0, count: outSize)
        for o in 0..<outSize {
            let (oy, ox) = (o / g.outWidth, o % g.outWidth)
            argMax[o] = Int32((2 * oy + o % 2) * size.w + 2 * ox + (o / 3) % 2)
            if o % 5 == 4 { argMax[o] = -1 }
            if o % 7 == 1 { dout[o] = [-0.0, .nan, .infinity, -.infinity][(o / 7) % 4] }
        }
        var expected = [Float](repeating: 0, count: size.h * size.w)
        for o in 0..<outSize where argMax[o] >= 0 { expected[Int(argMax[o])] += dout[o] }
        var got = [Float](repeating: .nan, count: expected.count)   // every element is written
        dout.withUnsafeBufferPointer { pd in
            argMax.withUnsafeBufferPointer { pa in
                got.withUnsafeMutableBufferPointer { unpoolWindows2x2Stride2(pd.baseAddress!, $0.baseAddress!, pa.baseAddress!, g) }
            }
        }
        #expect(got.map(\.bitPattern) == expected.map(\.bitPattern))
        let odd = SlidingWindow(inputShape: [1, 1, 8, 9], windowHeight: 2, windowWidth: 2, stride: 2, pad: 0, operation: "test")
        #expect(!unpoolsDensely(odd), "an odd last column is left to the scatter")
    }
}
