import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// The LLVM intrinsics bound by name (`LLVMIntrinsics.swift`): the vector square root (with the update kernels) must give the same
/// bits as `squareRoot()` lane by lane, and prefetching is only a hint.
struct LLVMIntrinsicsTests {
    static let floats: [Float] = [0, -0.0, 1, 2, 0.25, Float.leastNormalMagnitude / 4, .leastNonzeroMagnitude, .leastNormalMagnitude,
                                  .greatestFiniteMagnitude, .infinity, 1e-7, 123456.789, 0.1, 7, 1e30, 5e-20]

    @Test func floatVectorSquareRootMatchesScalarBits() {
        for start in stride(from: 0, to: Self.floats.count, by: 8) {
            let lanes = SIMD8<Float>((0..<8).map { Self.floats[(start + $0) % Self.floats.count] })
            let root = vectorSquareRoot(lanes)
            for i in 0..<8 {
                #expect(root[i].bitPattern == lanes[i].squareRoot().bitPattern, "√\(lanes[i])")
            }
        }
        #expect(vectorSquareRoot(SIMD8<Float>(repeating: -1))[3].isNaN)
    }

    @Test func doubleVectorSquareRootMatchesScalarBits() {
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<100 {
            let lanes = SIMD8<Double>((0..<8).map { _ in
                Double(bitPattern: generator.next() & 0x7fff_ffff_ffff_ffff)   // any non-negative double
            })
            let root = vectorSquareRoot(lanes)
            for i in 0..<8 where !lanes[i].isNaN {
                #expect(root[i].bitPattern == lanes[i].squareRoot().bitPattern, "√\(lanes[i])")
            }
        }
        let special = SIMD8<Double>(0, -0.0, 4, .infinity, .leastNonzeroMagnitude, 2, 1e300, -4)
        let root = vectorSquareRoot(special)
        #expect(root[0] == 0 && root[1] == 0 && root[1].sign == .minus && root[2] == 2 && root[3] == .infinity)
        #expect(root[4] == Double.leastNonzeroMagnitude.squareRoot() && root[6] == 1e150 && root[7].isNaN)
    }

    @Test func prefetchChangesNothing() {
        let bytes: [UInt8] = (0..<256).map { UInt8($0) }
        bytes.withUnsafeBytes { raw in
            for offset in stride(from: 0, to: 256, by: 64) { prefetchForReading(raw.baseAddress! + offset) }
        }
        #expect(bytes[255] == 255)
    }
}
