import Testing
import Foundation
@testable import Backprop

// TEMPORARY: timing only, run by hand with `swift test -c release -Xswiftc -enable-testing --filter ConvTiming`.
struct ConvTimingTests {
    func median(_ repeats: Int = 21, _ body: () -> Void) -> Double {
        body(); body()
        var times: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        return times[times.count / 2]
    }

    @Test func timing() {
        var rng = SeededGenerator(seed: 1)
        let x = Tensor<Float>.randomNormal([100, 1, 28, 28], using: &rng)
        let w = Tensor<Float>.randomNormal([30, 1, 5, 5], standardDeviation: 0.01, using: &rng)
        let b = Tensor<Float>.zeros([30])
        let doutConv = Tensor<Float>.randomNormal([100, 30, 24, 24], using: &rng)
        let xPool = Tensor<Float>.randomNormal([100, 30, 24, 24], using: &rng)
        let doutPool = Tensor<Float>.randomNormal([100, 30, 12, 12], using: &rng)
        var sink: Float = 0
        let saved = Threads.count
        for threads in [1, saved] {
            Threads.count = threads
            let conv = Convolution(weight: w, bias: b)
            let tConvF = median { sink += conv.forward(x).scalars[0] }
            let tConvFB = median { sink += conv.forward(x).scalars[0]; sink += conv.backward(doutConv).scalars[0] }
            // The book's formulation through the public API, for comparison.
            var col = Tensor<Float>.zeros([0, 0])
            let tBook = median {
                im2col(x, filterHeight: 5, filterWidth: 5, into: &col)
                var out = b.broadcasted(to: [col.shape[0], 30])
                matmul(col, w.reshaped([30, 25]), transposeB: true, beta: 1, into: &out)
                let y = out.reshaped([100, 24, 24, 30]).permuted([0, 3, 1, 2])
                sink += y.scalars[0]
                let d = doutConv.permuted([0, 2, 3, 1]).reshaped([-1, 30])
                let db = d.sum(axis: 0)
                let dW = matmul(d, col, transposeA: true)
                let dcol = matmul(d, w.reshaped([30, 25]))
                let dx = col2im(dcol, inputShape: x.shape, filterHeight: 5, filterWidth: 5)
                sink += db.scalars[0] + dW.scalars[0] + dx.scalars[0]
            }
            let tIm2col = median { im2col(x, filterHeight: 5, filterWidth: 5, into: &col) }
            var dxBuf = Tensor<Float>.zeros([0])
            let tCol2im = median { col2im(col, inputShape: x.shape, filterHeight: 5, filterWidth: 5, into: &dxBuf) }
            let pool = Pooling<Float>(poolHeight: 2, poolWidth: 2, stride: 2)
            let tPoolF = median { sink += pool.forward(xPool).scalars[0] }
            let tPoolFB = median { sink += pool.forward(xPool).scalars[0]; sink += pool.backward(doutPool).scalars[0] }
            let avg = Pooling<Float>(poolHeight: 2, poolWidth: 2, stride: 2, mode: .average)
            let tAvgFB = median { sink += avg.forward(xPool).scalars[0]; sink += avg.backward(doutPool).scalars[0] }
            var pcol = Tensor<Float>.zeros([0, 0])
            let tPoolBook = median {
                im2col(xPool, filterHeight: 2, filterWidth: 2, stride: 2, into: &pcol)
                let c = pcol.reshaped([-1, 4])
                let y = c.max(axis: 1).reshaped([100, 12, 12, 30]).permuted([0, 3, 1, 2])
                let a = c.argmax(axis: 1)
                sink += y.scalars[0] + Float(a.scalars[0])
            }
            let dconv = Convolution<Double>(weight: w.map(Double.init), bias: b.map(Double.init))
            let xd = x.map(Double.init), dd = doutConv.map(Double.init)
            let tConvDouble = median { _ = dconv.forward(xd); _ = dconv.backward(dd) }
            print(String(format: "TIMING threads=%d conv fwd %.3f ms, conv fwd+bwd %.3f ms (Double %.3f), book-style conv fwd+bwd %.3f ms, im2col %.3f, col2im %.3f; maxpool fwd %.3f, fwd+bwd %.3f; avgpool fwd+bwd %.3f; book im2col maxpool fwd only %.3f",
                         threads, tConvF, tConvFB, tConvDouble, tBook, tIm2col, tCol2im, tPoolF, tPoolFB, tAvgFB, tPoolBook))
        }
        Threads.count = saved
        print("sink", sink, "BLAS", BLASInfo.coreName)
    }
}
