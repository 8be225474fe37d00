import Backprop
import Foundation
import Testing

// SeededGenerator: xoshiro256** seeded through SplitMix64, uniform/normal/index/permutation draws,
// and the random tensor initialisers built on it.

@Suite("Seeded random numbers")
struct RandomTests {
    /// The reference xoshiro256** / SplitMix64 algorithms (Vigna) give these first outputs; a Python
    /// transcription of the reference C code produced the literals.
    @Test func rawOutputsMatchReferenceXoshiro() {
        var g0 = SeededGenerator(seed: 0)
        #expect((0..<4).map { _ in g0.next() }
                == [0x99EC_5F36_CB75_F2B4, 0xBF6E_1F78_4956_452A, 0x1A5F_849D_4933_E6E0, 0x6AA5_94F1_262D_2D2C])
        var g42 = SeededGenerator(seed: 42)
        #expect((0..<4).map { _ in g42.next() }
                == [0x1578_0B2E_0C2E_C716, 0x6104_D986_6D11_3A7E, 0xAE17_5332_39E4_99A1, 0xECB8_AD47_03B3_60A1])
    }

    @Test func derivedDrawsArePinned() {
        var u = SeededGenerator(seed: 42)
        #expect([u.nextUniform(), u.nextUniform(), u.nextUniform()]
                == [0.08386297105988216, 0.3789802506626686, 0.6800434110281394])

        var p = SeededGenerator(seed: 7)
        #expect(p.permutation(10) == [1, 8, 3, 0, 4, 5, 9, 6, 2, 7])

        // Marsaglia's polar method; the reference used libm's log, the library a portable one.
        var n = SeededGenerator(seed: 2024)
        let draws = (0..<4).map { _ in n.nextNormal() }
        let expected = [0.7877704987458325, -0.7344488490158809, -0.6355328318708062, -1.4615153259586555]
        for (d, e) in zip(draws, expected) {
            #expect(Swift.abs(d - e) <= 1e-14 * Swift.abs(e), "normal draw \(d), expected \(e)")
        }
    }

    @Test func sameSeedSameSequence() {
        var a = SeededGenerator(seed: 12345), b = SeededGenerator(seed: 12345)
        #expect((0..<1000).map { _ in a.next() } == (0..<1000).map { _ in b.next() })
        #expect((0..<100).map { _ in a.nextUniform() } == (0..<100).map { _ in b.nextUniform() })
        #expect((0..<101).map { _ in a.nextNormal() } == (0..<101).map { _ in b.nextNormal() })
        #expect((0..<100).map { _ in a.nextIndex(below: 17) } == (0..<100).map { _ in b.nextIndex(below: 17) })
        #expect(a.permutation(50) == b.permutation(50))

        var c = SeededGenerator(seed: 99), d = SeededGenerator(seed: 99)
        #expect(Tensor<Float>.randomNormal([3, 4], using: &c) == Tensor<Float>.randomNormal([3, 4], using: &d))
        #expect(Tensor<Double>.randomUniform([5], low: -2, high: 3, using: &c)
                == Tensor<Double>.randomUniform([5], low: -2, high: 3, using: &d))

        // The generator is a value: a copy continues the same sequence independently.
        var e = SeededGenerator(seed: 5)
        _ = e.next()
        var f = e
        #expect(e.next() == f.next())
        #expect(e.nextNormal() == f.nextNormal())
    }

    @Test func differentSeedsDiffer() {
        var a = SeededGenerator(seed: 1), b = SeededGenerator(seed: 2)
        let sa = (0..<100).map { _ in a.next() }, sb = (0..<100).map { _ in b.next() }
        #expect(sa != sb)
        #expect(Set(sa).isDisjoint(with: sb))
        var c = SeededGenerator(seed: 1), d = SeededGenerator(seed: 2)
        #expect(c.permutation(20) != d.permutation(20))
        var e = SeededGenerator(seed: 0), f = SeededGenerator(seed: UInt64.max)
        #expect(Tensor<Double>.randomNormal([10], using: &e) != Tensor<Double>.randomNormal([10], using: &f))
    }

    @Test func permutationIsAPermutation() {
        var g = SeededGenerator(seed: 3)
        for n in [0, 1, 2, 3, 10, 1000] {
            let p = g.permutation(n)
            #expect(p.count == n)
            #expect(p.sorted() == Array(0..<n), "permutation(\(n)) must contain each index once")
        }
        // Written into a buffer that already has room (the batch sampler's epoch order): the same draws.
        var reused = Array(repeating: -1, count: 2000)
        var h = SeededGenerator(seed: 7), h2 = SeededGenerator(seed: 7)
        h.permutation(1000, into: &reused)
        #expect(reused == h2.permutation(1000))
        let big = g.permutation(1000)
        #expect(big != Array(0..<1000), "a shuffle of 1000 left everything in place")
        // Every position is reachable: over many shuffles of 4, each element visits each slot.
        var seen = Set<[Int]>()
        for _ in 0..<500 { seen.insert(g.permutation(4)) }
        #expect(seen.count == 24, "all 4! orders appear")
    }

    @Test func nextIndexIsInRangeAndUniform() {
        var g = SeededGenerator(seed: 8)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 {
            let i = g.nextIndex(below: 7)
            #expect(i >= 0 && i < 7)
            counts[i] += 1
        }
        // Expected 10,000 each; sd ≈ 93. Allow 5 sd.
        #expect(counts.allSatisfy { Swift.abs($0 - 10_000) < 470 }, "\(counts)")
        #expect((0..<20).allSatisfy { _ in g.nextIndex(below: 1) == 0 })
        // A huge bound still works.
        let big = g.nextIndex(below: Int.max)
        #expect(big >= 0)
    }

    @Test func uniformIsInUnitIntervalWithRightMoments() {
        var g = SeededGenerator(seed: 21)
        let xs = (0..<100_000).map { _ in g.nextUniform() }
        #expect(xs.allSatisfy { $0 >= 0 && $0 < 1 })
        let mean = xs.reduce(0, +) / Double(xs.count)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(xs.count)
        #expect(Swift.abs(mean - 0.5) < 0.005, "mean \(mean)")
        #expect(Swift.abs(variance - 1.0 / 12) < 0.002, "variance \(variance)")

        var h = SeededGenerator(seed: 22)
        let t = Tensor<Float>.randomUniform([200, 50], low: -3, high: 5, using: &h)
        #expect(t.shape == [200, 50])
        #expect(t.min() >= -3)
        #expect(t.max() < 5)
        #expect(Swift.abs(t.mean() - 1) < 0.1, "mean \(t.mean())")
    }

    @Test func normalSampleMoments() {
        var g = SeededGenerator(seed: 2024)
        let n = 100_000
        let xs = (0..<n).map { _ in g.nextNormal() }
        let mean = xs.reduce(0, +) / Double(n)
        let std = (xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)).squareRoot()
        #expect(Swift.abs(mean) < 0.01, "mean \(mean)")
        #expect(Swift.abs(std - 1) < 0.01, "std \(std)")
        // About 68.27% within one sd, 95.45% within two.
        let within1 = Double(xs.filter { Swift.abs($0) < 1 }.count) / Double(n)
        let within2 = Double(xs.filter { Swift.abs($0) < 2 }.count) / Double(n)
        #expect(Swift.abs(within1 - 0.6827) < 0.01, "\(within1)")
        #expect(Swift.abs(within2 - 0.9545) < 0.005, "\(within2)")

        func check<T: TensorScalar>(_: T.Type) {
            var h = SeededGenerator(seed: 77)
            let t = Tensor<T>.randomNormal([100_000], mean: 3, standardDeviation: 2, using: &h)
            let m = Double(t.mean())
            let s = Double(((t - T(m)).squared()).mean()).squareRoot()
            #expect(Swift.abs(m - 3) < 0.02, "\(T.self) mean \(m)")
            #expect(Swift.abs(s - 2) < 0.02, "\(T.self) std \(s)")
        }
        check(Float.self)
        check(Double.self)
    }

    @Test func randomTensorsHaveTheRequestedShape() {
        var g = SeededGenerator(seed: 1)
        #expect(Tensor<Double>.randomNormal([2, 3, 4], using: &g).shape == [2, 3, 4])
        #expect(Tensor<Float>.randomUniform([0, 5], using: &g).count == 0)
        #expect(Tensor<Double>.randomNormal([], using: &g).shape == [])
        // randomNormal draws exactly count normals in order: the first elements are the first draws.
        var a = SeededGenerator(seed: 9), b = SeededGenerator(seed: 9)
        let t = Tensor<Double>.randomNormal([3], using: &a)
        #expect(t.scalars == [b.nextNormal(), b.nextNormal(), b.nextNormal()])
    }
}
