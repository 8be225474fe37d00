@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining
import Testing

// The named operations the layers are written in (Tensor/MaskedOperations.swift, MatMulMethods.swift,
// SoftmaxCrossEntropy.swift, RandomMask.swift) held to the plain operations they stand for. Sizes run
// from empty through one element to large tensors, which the operations split among threads.

private let sizes = [0, 1, 7, 64, 100_003]

/// Values with negatives, zeros of both signs and positives, reproducible from `seed`.
private func values<T: TensorScalar>(_ n: Int, seed: UInt64, _: T.Type = T.self) -> Tensor<T> {
    var g = SeededGenerator(seed: seed)
    let v: [T] = (0..<n).map { i in
        switch i % 11 {
        case 3: return 0
        case 7: return -0.0
        default: return T(g.nextNormal())
        }
    }
    return Tensor(shape: [n], scalars: v)
}

/// Elements equal bit for bit (so +0 and −0 differ, and NaN matches only the same NaN).
private func sameBits<T: TensorScalar>(_ a: Tensor<T>, _ b: Tensor<T>) -> Bool {
    a.shape == b.shape && zip(a.scalars, b.scalars).allSatisfy { x, y in
        x == y && x.sign == y.sign || (x.isNaN && y.isNaN)
    }
}

@Suite("Named operations equal the plain ones")
struct NamedOperationTests {
    @Test("zeroed(where:) is Tensor.where(mask, 0, x), with +0 where masked", arguments: sizes)
    func zeroedWhere(n: Int) {
        for seed: UInt64 in [1, 2] {
            let x: Tensor<Float> = values(n, seed: seed), d: Tensor<Double> = values(n, seed: seed)
            let mask = x .<= 0
            #expect(sameBits(x.zeroed(where: mask), Tensor.where(mask, 0, x)))
            #expect(sameBits(d.zeroed(where: d .<= 0), Tensor.where(d .<= 0, 0, d)))
        }
    }

    @Test("kept(where:scaledBy:) is Tensor.where(mask, x·scale, 0)", arguments: sizes)
    func keptWhere(n: Int) {
        let x: Tensor<Float> = values(n, seed: 3), d: Tensor<Double> = values(n, seed: 3)
        let mask = values(n, seed: 4, Float.self) .> 0.3
        #expect(sameBits(x.kept(where: mask), Tensor.where(mask, x, 0)))
        #expect(sameBits(x.kept(where: mask, scaledBy: 1 / 0.7), Tensor.where(mask, x * (1 / 0.7), 0)))
        #expect(sameBits(d.kept(where: mask, scaledBy: 2.5), Tensor.where(mask, d * 2.5, 0)))
    }

    @Test("relu(mask:into:) sets mask = x .<= 0 and returns x.zeroed(where: mask)", arguments: sizes)
    func reluInOnePass(n: Int) {
        var x: Tensor<Float> = values(n, seed: 5)
        if n > 2 { x[1] = .nan; x[2] = -.infinity }
        var mask: Tensor<Bool>?
        var buffer = ReusedTensor<Float>()
        let out = x.relu(mask: &mask, into: &buffer)
        #expect(mask?.shape == x.shape && mask?.scalars == (x .<= 0).scalars)
        #expect(sameBits(out, x.zeroed(where: x .<= 0)))
        // A second pass over other values reuses the memory and still equals the plain form.
        let y: Tensor<Float> = values(n, seed: 6)
        let out2 = y.relu(mask: &mask, into: &buffer)
        #expect(mask?.scalars == (y .<= 0).scalars && sameBits(out2, y.zeroed(where: y .<= 0)))
    }

    @Test("A result the caller keeps is never overwritten by the next write into the same buffer")
    func heldResultsStay() {
        var buffer = ReusedTensor<Double>()
        let a: Tensor<Double> = values(50, seed: 7), b: Tensor<Double> = values(50, seed: 8)
        let first = a.zeroed(where: a .<= 0, into: &buffer)
        let firstCopy = Tensor(shape: first.shape, scalars: Array(first.scalars))
        let second = b.zeroed(where: b .<= 0, into: &buffer)
        #expect(sameBits(first, firstCopy))
        #expect(sameBits(second, Tensor.where(b .<= 0, 0, b)))
    }

    @Test("x.matmul(W, transposeSelf:, transposeOther:, plus:) equals matmul(_:_:) and a product by definition",
          arguments: [(1, 1, 1), (3, 5, 4), (100, 50, 784), (257, 130, 65), (4, 0, 3), (0, 3, 2)])
    func matmulMethods(m: Int, n: Int, k: Int) {
        var g = SeededGenerator(seed: 9)
        let a = Tensor<Double>.randomNormal([m, k], using: &g), b = Tensor<Double>.randomNormal([k, n], using: &g)
        let bias = Tensor<Double>.randomNormal([n], using: &g)
        let plain = matmul(a, b)
        // The same BLAS call on the same data: the same bits. Another transpose flag is another kernel
        // (on some processors), which sums in its own order: within rounding of the product.
        #expect(sameBits(a.matmul(b), plain))
        expectSameProductWithinRounding(a.transposed().matmul(b, transposeSelf: true), plain, a: a, b: b, "transposeSelf")
        expectSameProductWithinRounding(a.matmul(b.transposed(), transposeOther: true), plain, a: a, b: b, "transposeOther")
        let withBias = a.matmul(b, plus: bias)
        // By definition, Σ_p a[i, p]·b[p, j] + bias[j]; BLAS sums in its own order, so within rounding.
        for i in Swift.stride(from: 0, to: m, by: Swift.max(1, m / 7)) {
            for j in Swift.stride(from: 0, to: n, by: Swift.max(1, n / 7)) {
                let sum = (0..<k).reduce(0.0) { $0 + a[i, $1] * b[$1, j] } + bias[j]
                #expect(Swift.abs(withBias[i, j] - sum) <= 1e-12 * Swift.max(1, Swift.abs(sum)))
            }
        }
        var dW = Tensor<Double>.zeros([1])
        a.matmul(plain, transposeSelf: true, into: &dW)
        #expect(sameBits(dW, matmul(a, plain, transposeA: true)))
    }

    @Test("The rounding bound for two orders of one product is tight enough to catch one term too few")
    func productRoundingBoundCatchesAMissingTerm() {
        func check<T: TensorScalar>(_: T.Type) {
            var g = SeededGenerator(seed: 12)
            let a = Tensor<T>.randomNormal([40, 300], using: &g), b = Tensor<T>.randomNormal([300, 30], using: &g)
            let product = matmul(a, b)
            // (bᵀ·aᵀ)ᵀ: the same sums through another call, in whatever order BLAS takes them.
            #expect(productRoundingViolation(matmul(b.transposed(), a.transposed()).transposed(), product, a: a, b: b) == nil)
            // Without the last of the 300 terms, every element is off by a[i, 299]·b[299, j].
            let short = matmul(a.transposed().rows(0..<299).transposed(), b.rows(0..<299))
            #expect(productRoundingViolation(short, product, a: a, b: b) != nil, "\(T.self)")
        }
        check(Float.self)
        check(Double.self)
    }

    @Test("matmul(into:shape:) gives the product the asked shape, e.g. Affine's dx in x's shape")
    func matmulIntoShape() {
        var g = SeededGenerator(seed: 10)
        let dout = Tensor<Float>.randomNormal([6, 10], using: &g), w = Tensor<Float>.randomNormal([12, 10], using: &g)
        var buffer = ReusedTensor<Float>()
        let dx = dout.matmul(w, transposeOther: true, into: &buffer, shape: [6, 3, 2, 2])
        #expect(dx.shape == [6, 3, 2, 2])
        #expect(dx.scalars == matmul(dout, w, transposeB: true).scalars)
    }

    @Test("sumOfRows(into:) is sum(axis: 0)", arguments: [(1, 1), (100, 10), (3000, 50), (0, 4), (5, 0)])
    func sumOfRows(n: Int, d: Int) {
        var g = SeededGenerator(seed: 11)
        let x = Tensor<Float>.randomNormal([n, d], using: &g)
        var out = Tensor<Float>.zeros([1])
        x.sumOfRows(into: &out)
        #expect(sameBits(out, x.sum(axis: 0)))
    }

    @Test("softmaxCrossEntropy is softmax(x) and −Σ t·log(softmax(x)); minus(_:times:) is (y − t)·scale")
    func softmaxCrossEntropy() {
        var g = SeededGenerator(seed: 12)
        let x = Tensor<Double>.randomNormal([17, 10], standardDeviation: 5, using: &g)
        let labels = Tensor<Double>(shape: [17], scalars: (0..<17).map { Double(($0 * 7) % 10) })
        var targets = ReusedTensor<Double>(), probabilities = ReusedTensor<Double>(), gradient = ReusedTensor<Double>()
        let (t, bad) = Tensor<Double>.oneHot(labels, classes: 10, into: &targets)
        #expect(bad == nil)
        #expect(t.sum(axis: 1).scalars == Array(repeating: 1, count: 17))
        #expect((0..<17).allSatisfy { t[$0, ($0 * 7) % 10] == 1 })
        let (y, loss) = x.softmaxCrossEntropy(t, into: &probabilities)
        let plainY = softmax(x)
        #expect(zip(y.scalars, plainY.scalars).allSatisfy { Swift.abs($0 - $1) <= 1e-15 })
        let plainLoss = -(t * log(plainY)).sum()
        #expect(Swift.abs(loss - plainLoss) <= 1e-12 * plainLoss)
        let dx = y.minus(t, times: 1.0 / 17, into: &gradient)
        #expect(sameBits(dx, (y - t) * (1.0 / 17)))
    }

    @Test("oneHot reports the first index that is not a class", arguments: [[0.0, 10], [2, -1], [1.5, 0], [.nan, 1]])
    func oneHotBadIndex(labels: [Double]) {
        var buffer = ReusedTensor<Double>()
        let (_, bad) = Tensor<Double>.oneHot(Tensor(labels), classes: 10, into: &buffer)
        #expect(bad == labels.firstIndex { !($0 >= 0 && $0 < 10 && $0 == $0.rounded()) })
    }

    @Test("uniformMask(shape:above:) is one uniform draw per element, in order, compared with > ratio")
    func uniformMask() {
        var g = SeededGenerator(seed: 13), plain = SeededGenerator(seed: 13)
        var mask: Tensor<Bool>?
        for _ in 0..<3 {
            g.uniformMask(shape: [40, 25], above: 0.5, into: &mask)
            let expected = (0..<1000).map { _ in plain.nextUniform() > 0.5 }
            #expect(mask?.shape == [40, 25] && mask?.scalars == expected)
        }
        #expect(g.next() == plain.next())
    }
}
