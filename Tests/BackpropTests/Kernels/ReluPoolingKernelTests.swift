import Testing
@testable import BackpropCore

/// The fused Relu → max Pooling pass (`Pooling.forward(_:afterRelu:)`, `backward(_:throughRelu:)`) held
/// to the two layers run one after the other, bit for bit: ReLU's out and mask, pooling's kept x, out,
/// maxima positions and dx, in Float and Double, on random data, ties and NaN/infinities.
struct ReluPoolingKernelTests {
    typealias Case = PoolingAlgorithmTests.Case

    static let cases: [Case] = [
        Case(x: [1, 1, 6, 6], ph: 2, pw: 2, stride: 2, pad: 0),     // batch 1
        Case(x: [3, 30, 24, 24], ph: 2, pw: 2, stride: 2, pad: 0),  // SimpleConvNet's planes, several blocks
        Case(x: [2, 3, 7, 9], ph: 2, pw: 2, stride: 2, pad: 0),     // odd sizes: the last row/column unused
        Case(x: [2, 5, 17, 33], ph: 2, pw: 2, stride: 2, pad: 0),   // odd, the vector loop with a shifted tail
        Case(x: [1, 2, 16, 17], ph: 2, pw: 2, stride: 2, pad: 1),   // padding (maxima from the padding: −1)
        Case(x: [2, 3, 9, 11], ph: 3, pw: 3, stride: 2, pad: 1),    // overlapping windows: dx sums
        Case(x: [4, 2, 70, 70], ph: 3, pw: 3, stride: 1, pad: 0),   // planes larger than a block
        Case(x: [2, 3, 7, 4], ph: 2, pw: 3, stride: 3, pad: 2),     // the general loop
    ]

    /// Equal element for element including the sign of zero, NaN matching NaN.
    static func identical<T: TensorScalar>(_ a: Tensor<T>, _ b: Tensor<T>) -> Bool {
        a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { ($0 == $1 && $0.sign == $1.sign) || ($0.isNaN && $1.isNaN) }
    }

    func check<T: TensorScalar>(_ c: Case, _ data: PoolingAlgorithmTests.Data, _: T.Type) {
        let x = PoolingAlgorithmTests.input(c.x, data, as: T.self)
        let pool = { Pooling<T>(poolHeight: c.ph, poolWidth: c.pw, stride: c.stride, pad: c.pad) }
        let (relu1, pool1, relu2, pool2) = (Relu<T>(), pool(), Relu<T>(), pool())
        // Two batches through each, so that reused buffers and masks are exercised as well.
        for round in 0..<2 {
            let input = round == 0 ? x : x.map { -$0 / 2 }
            let out1 = pool1.forward(relu1.forward(input))
            let out2 = pool2.forward(input, afterRelu: relu2)
            #expect(Self.identical(out1, out2))
            #expect(relu1.mask?.scalars == relu2.mask?.scalars && relu2.mask?.shape == c.x)
            #expect(Self.identical(pool1.x!, pool2.x!))
            #expect(pool1.maxPositions == pool2.maxPositions)
            let dout = PoolingAlgorithmTests.input(out1.shape, .random, as: T.self).map { $0 == 0 ? -0 : $0 }
            let dx1 = relu1.backward(pool1.backward(dout))
            let dx2 = pool2.backward(dout, throughRelu: relu2)
            #expect(Self.identical(dx1, dx2))
            #expect(dx2.shape == c.x)
        }
    }

    @Test("fused = Relu then Pooling, Float", arguments: cases, PoolingAlgorithmTests.Data.allCases)
    func float(_ c: Case, _ data: PoolingAlgorithmTests.Data) { check(c, data, Float.self) }

    @Test("fused = Relu then Pooling, Double", arguments: cases, PoolingAlgorithmTests.Data.allCases)
    func double(_ c: Case, _ data: PoolingAlgorithmTests.Data) { check(c, data, Double.self) }

    /// The lean group's kernels (`Tensor.maxPooledRelu`: pool, then ReLU of the maxima, −1 where it is 0;
    /// the backward `maxUnpooled` alone) against ReLU then pooling and their backward, bit for bit: out and
    /// dx, including NaN, ±∞ and −0 (a maximum of −0 becomes +0, as ReLU makes it), planes handed over in
    /// two unequal runs as a convolution hands its images over.
    func checkLean<T: TensorScalar>(_ c: Case, _ data: PoolingAlgorithmTests.Data, _: T.Type) {
        let x = PoolingAlgorithmTests.input(c.x, data, as: T.self).map { $0 == 0 ? -0 : $0 }
        let (relu, pooling) = (Relu<T>(), Pooling<T>(poolHeight: c.ph, poolWidth: c.pw, stride: c.stride, pad: c.pad))
        let expected = pooling.forward(relu.forward(x))
        let g = SlidingWindow(inputShape: c.x, windowHeight: c.ph, windowWidth: c.pw, stride: c.stride, pad: c.pad,
                              operation: "test")
        var positions: [Int32] = [], buffer = ReusedTensor<T>(), gradientBuffer = ReusedTensor<T>()
        let planes = c.x[0] * c.x[1], split = planes / 3, planeSize = c.x[2] * c.x[3]
        let out = x.withUnsafeBufferPointer { px in
            Tensor<T>.maxPooledRelu(g, positions: &positions, into: &buffer, shape: expected.shape) { pass in
                pass(px.baseAddress! + split * planeSize, split..<planes)
                pass(px.baseAddress!, 0..<split)
            }
        }
        #expect(Self.identical(out, expected))
        let dout = PoolingAlgorithmTests.input(out.shape, .random, as: T.self).map { $0 == 0 ? -0 : $0 }
        let dx = dout.maxUnpooled(g, positions: positions, into: &gradientBuffer, shape: c.x)
        #expect(Self.identical(dx, relu.backward(pooling.backward(dout))))
        // ReLU zeroed some maxima (their positions are −1) and kept others.
        #expect(positions.contains(-1) && positions.contains { $0 >= 0 })
    }

    @Test("lean group = Relu then Pooling, Float", arguments: cases, PoolingAlgorithmTests.Data.allCases)
    func leanFloat(_ c: Case, _ data: PoolingAlgorithmTests.Data) { checkLean(c, data, Float.self) }

    @Test("lean group = Relu then Pooling, Double", arguments: cases, PoolingAlgorithmTests.Data.allCases)
    func leanDouble(_ c: Case, _ data: PoolingAlgorithmTests.Data) { checkLean(c, data, Double.self) }

    @Test("the fused backward after the unfused forward equals the unfused backward (both forwards keep the same state)")
    func backwardAfterUnfusedForward() {
        let x = PoolingAlgorithmTests.input([2, 4, 10, 10], .ties, as: Float.self)
        let (relu, pooling) = (Relu<Float>(), Pooling<Float>(poolHeight: 2, poolWidth: 2, stride: 2))
        let out = pooling.forward(relu.forward(x))
        let dout = PoolingAlgorithmTests.input(out.shape, .random, as: Float.self)
        let fused = pooling.backward(dout, throughRelu: relu)
        #expect(Self.identical(fused, relu.backward(pooling.backward(dout))))
        // Something reaches dx, and masked elements get none.
        #expect(fused.scalars.contains { $0 != 0 })
        #expect(zip(fused.scalars, relu.mask!.scalars).allSatisfy { !$1 || $0 == 0 })
    }

    @Test("only max pooling off the book's path fuses")
    func whichPoolingsFuse() {
        #expect(Pooling<Float>(poolHeight: 2, poolWidth: 2).fusesAfterRelu)
        #expect(Pooling<Float>(poolHeight: 2, poolWidth: 2, algorithm: .automatic).fusesAfterRelu)
        #expect(!Pooling<Float>(poolHeight: 2, poolWidth: 2, algorithm: .book).fusesAfterRelu)
        #expect(!Pooling<Float>(poolHeight: 2, poolWidth: 2, mode: .average).fusesAfterRelu)
    }
}
