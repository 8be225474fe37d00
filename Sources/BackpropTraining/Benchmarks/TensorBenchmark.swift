#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import BackpropCore
import Foundation

/// `backprop bench tensor`: Float32 throughput of the tensor core, each figure the median of
/// repeated runs after a warm-up.
///
/// - matmul: n×n·n×n through `matmul(_:_:into:)` against `cblas_sgemm` called directly on buffers of
///   the same size. On one thread the ratio shows what the Tensor layer costs on top of BLAS; on
///   several it shows Backprop's sharing of rows among threads against OpenBLAS on one (Backprop keeps
///   OpenBLAS single-threaded: `singleThreadedBLAS`).
/// - add, exp, sum over `elements` values, as bytes moved per second (add reads 2 and writes 1 array,
///   exp reads 1 and writes 1, sum reads 1), each allocating its result as NumPy does.
public struct TensorBenchmark: Sendable {
    /// One figure: an operation's median time and its rate.
    public struct Result: Sendable, Codable {
        /// What was timed, e.g. "matmul 1024x1024 (Tensor)" or "add 10000000".
        public var name: String
        /// Median seconds per run.
        public var seconds: Double
        /// GFLOP/s for matmul, GB/s for the others.
        public var rate: Double
        /// The unit of `rate`: "GFLOP/s" or "GB/s".
        public var unit: String
    }

    /// n of the n×n·n×n matmul (default 1024).
    public var matrixSize: Int
    /// Values of the add, exp and sum arrays (default 10,000,000).
    public var elements: Int
    /// Timed runs per figure, after one warm-up run; the median is reported (default 11).
    public var repeats: Int

    /// A benchmark of n×n matmuls with n = `matrixSize` and elementwise work over `elements` values,
    /// each figure the median of `repeats` runs.
    public init(matrixSize: Int = 1024, elements: Int = 10_000_000, repeats: Int = 11) {
        self.matrixSize = matrixSize
        self.elements = elements
        self.repeats = repeats
    }

    /// Median wall time of `repeats` runs of `body`, after one warm-up run.
    func median(_ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        times.sort()
        return times[times.count / 2]
    }

    /// Median wall times of `first` and `second`, run alternately `repeats` times after a warm-up each.
    func alternatingMedians(_ first: () -> Void, _ second: () -> Void) -> (Double, Double) {
        first()
        second()
        var a: [Double] = [], b: [Double] = []
        for _ in 0..<repeats {
            var start = DispatchTime.now().uptimeNanoseconds
            first()
            a.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            start = DispatchTime.now().uptimeNanoseconds
            second()
            b.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        a.sort()
        b.sort()
        return (a[a.count / 2], b[b.count / 2])
    }

    /// Runs every workload; the returned results are in the order printed by the CLI.
    public func run() -> [Result] {
        var rng = SeededGenerator(seed: 1)
        let n = matrixSize
        let a = Tensor<Float>.randomNormal([n, n], using: &rng)
        let b = Tensor<Float>.randomNormal([n, n], using: &rng)
        let flops = 2.0 * Double(n) * Double(n) * Double(n)
        var sink: Float = 0

        var product = Tensor<Float>.zeros([n, n])
        var c = [Float](repeating: 0, count: n * n)
        // The two matmul variants alternate run by run, so that load from elsewhere hits both alike.
        // OpenBLAS held to one thread before the direct calls too, as before any of Backprop's.
        _ = singleThreadedBLAS
        let (tMatmul, tBlas) = alternatingMedians({
            matmul(a, b, into: &product)
            sink += product.scalars[0]
        }, {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, .init(n), .init(n), .init(n), 1,
                                    pa.baseAddress!, .init(n), pb.baseAddress!, .init(n), 0, pc.baseAddress!, .init(n))
                    }
                }
            }
            sink += c[0]
        })

        let x = Tensor<Float>.randomUniform([elements], low: -1, high: 1, using: &rng)
        let y = Tensor<Float>.randomUniform([elements], low: -1, high: 1, using: &rng)
        let bytes = Double(elements * MemoryLayout<Float>.stride)
        let tAdd = median { sink += (x + y).scalars[0] }
        let tExp = median { sink += exp(x).scalars[0] }
        let tSum = median { sink += x.sum() }
        if sink.isNaN { print("") }   // keeps the work observable

        return [
            Result(name: "matmul \(n)x\(n) (Tensor)", seconds: tMatmul, rate: flops / tMatmul / 1e9, unit: "GFLOP/s"),
            Result(name: "matmul \(n)x\(n) (cblas_sgemm)", seconds: tBlas, rate: flops / tBlas / 1e9, unit: "GFLOP/s"),
            Result(name: "add \(elements)", seconds: tAdd, rate: 3 * bytes / tAdd / 1e9, unit: "GB/s"),
            Result(name: "exp \(elements)", seconds: tExp, rate: 2 * bytes / tExp / 1e9, unit: "GB/s"),
            Result(name: "sum \(elements)", seconds: tSum, rate: bytes / tSum / 1e9, unit: "GB/s"),
        ]
    }
}
