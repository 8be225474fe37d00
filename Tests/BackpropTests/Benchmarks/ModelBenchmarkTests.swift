import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// The model benchmark's bookkeeping: the GEMM work it credits to a step, and that it really trains.
struct ModelBenchmarkTests {
    /// TwoLayerNet 784-50-10, batch 100: the first Affine does its forward and dW products
    /// (2 × 2·100·784·50), the second forward, dW and dx (3 × 2·100·50·10): 15.98 MFLOP — the
    /// "16 MFLOP" of a step whose first layer skips its input gradient.
    @Test func twoLayerGemmWork() {
        let spec = ModelBenchmark.configuration(.twoLayer).spec()
        let net = Network<Float>(spec: spec, seed: 0)
        #expect(ModelBenchmark.gemmFlopsPerStep(net, batch: 100, spec: spec) == 15_980_000)
    }

    /// SimpleConvNet: conv 30·1·5·5 per output position × 24·24 positions (forward and dW only),
    /// Affine 4320→100 and 100→10 (forward, dW, dx): 432.6 MFLOP per batch of 100.
    @Test func simpleConvNetGemmWork() {
        let spec = ModelBenchmark.configuration(.cnn).spec()
        let net = Network<Float>(spec: spec, seed: 0)
        let conv: Double = 2 * 30 * 25 * 576 * 100 * 2              // 172.8 MFLOP
        let affineMACs: Double = 4320 * 100 + 100 * 10
        let affine: Double = 2 * affineMACs * 100 * 3                 // 259.8 MFLOP
        #expect(ModelBenchmark.gemmFlopsPerStep(net, batch: 100, spec: spec) == conv + affine)
        #expect(net.parameterCount == 433_890)
    }

    /// DeepConvNet: every 3×3 conv's work from its output size (28, 28, 14, 16, 8, 8), the first conv
    /// without its input gradient, counted the im2col way (`direct`); as computed, the forward products
    /// of the 32→32, 32→64 and 64→64 convolutions and the backward ones of the 32→64 and 64→64 go through
    /// F(4×4, 3×3): 36·FN·C per 4×4 tile instead of 144·FN·C.
    @Test func deepConvNetGemmWork() {
        let spec = ModelBenchmark.configuration(.deepCNN).spec()
        let net = Network<Float>(spec: spec, seed: 0)
        let convs: [(fn: Int, c: Int, side: Int)] = [(16, 1, 28), (16, 16, 28), (32, 16, 14), (32, 32, 16), (64, 32, 8), (64, 64, 8)]
        var expected = 0.0
        for (i, l) in convs.enumerated() {
            expected += 2.0 * Double(l.fn * l.c * 9 * l.side * l.side) * 10 * (i == 0 ? 2 : 3)
        }
        expected += 2.0 * Double(1024 * 50 + 50 * 10) * 10 * 3
        #expect(ModelBenchmark.gemmFlopsPerStep(net, batch: 10, spec: spec, direct: true) == expected)
        // Forward of (32, 32, 16×16 out), (64, 32, 8×8 out) and (64, 64, 8×8 out), and dW and dx of
        // (64, 32, 8×8) and (64, 64, 8×8): 36·FN·C·(side/4)² instead of 9·FN·C·side², 27/4·FN·C·side² saved.
        func saving(_ fn: Int, _ c: Int, _ side: Int) -> Int { 27 * fn * c * side * side / 4 }
        let forward = saving(32, 32, 16) + saving(64, 32, 8) + saving(64, 64, 8)
        let backward = 2 * (saving(64, 32, 8) + saving(64, 64, 8))
        let saved: Double = 2 * 10 * Double(forward + backward)
        #expect(ModelBenchmark.gemmFlopsPerStep(net, batch: 10, spec: spec) == expected - saved)
        #expect(net.parameterCount == 123_552)
    }

    /// A short run on random pixels: positive, ordered figures, the workload's shape, and no
    /// allocation counts unless the counting library is preloaded.
    @Test func shortRunReportsConsistentFigures() {
        let images = ModelBenchmark.randomImages(count: 200, seed: 3)
        #expect(images.count == 200 && images.labels.allSatisfy { $0 < 10 })
        let bench = ModelBenchmark(model: .twoLayer, batchSize: 50, iterations: 5, warmup: 1)
        let r = bench.run(Double.self, train: images, dataName: "random pixels")
        #expect(r.model == "two-layer" && r.dtype == "float64" && r.batchSize == 50 && r.iterations == 5)
        #expect(r.msPerStepMin > 0 && r.msPerStepMin <= r.msPerStepMedian)
        #expect(r.gemmMFLOPPerStep == 7.99)
        #expect(abs(r.examplesPerSecond - 50 / (r.msPerStepMedian / 1e3)) < 1e-6 * r.examplesPerSecond)
        #expect(r.gemmPeakGFLOPS > 0 && abs(r.peakRatio - r.gflops / r.gemmPeakGFLOPS) < 1e-12)
        #expect(r.parameters == 39_760)
        #expect(r.allocationsPerStep == nil)
        #expect(r.stages == nil)
    }

    /// `profileLayers`: one stage per layer in order with its output shape, then the loss and the
    /// update; backward is timed for layers only, and a layer's profiled steps train the network as the
    /// trainer's do (the loss falls on a repeated easy batch is not asserted: random pixels).
    @Test func layerProfileNamesEveryStage() throws {
        let images = ModelBenchmark.randomImages(count: 60, seed: 4)
        var bench = ModelBenchmark(model: .cnn, batchSize: 6, iterations: 3, warmup: 1)
        bench.profileLayers = true
        let r = bench.run(Float.self, train: images, dataName: "random pixels")
        let stages = try #require(r.stages)
        // The Convolution → Relu → Pooling group runs as one stage both ways (the convolution's output read
        // image by image going forward, its dout handed over image by image going backward), timed whole
        // under the Convolution; the Relu and Pooling lines show 0. It runs lean, as the trainer's steps do.
        #expect(stages.map(\.name) == ["batch", "1 Convolution (+ Relu, Pooling; lean)", "2 Relu", "3 Pooling",
                                       "4 Affine", "5 Relu", "6 Affine", "loss SoftmaxWithLoss", "update Adam"])
        #expect(stages.map(\.outputShape) == [[], [6, 30, 24, 24], [6, 30, 24, 24], [6, 30, 12, 12], [6, 100], [6, 100],
                                              [6, 10], [], []])
        #expect(stages.enumerated().allSatisfy { [2, 3].contains($0.offset) || $0.element.forwardMs > 0 })
        #expect(stages.enumerated().dropFirst().prefix(6).allSatisfy { [2, 3].contains($0.offset) || $0.element.backwardMs > 0 })
        #expect([stages[2], stages[3]].allSatisfy { $0.forwardMs == 0 && $0.backwardMs == 0 })
        #expect([stages[0], stages[7], stages[8]].allSatisfy { $0.backwardMs == 0 })
    }

    /// Same seed, same random pixels.
    @Test func randomImagesAreSeeded() {
        #expect(ModelBenchmark.randomImages(count: 20, seed: 9).pixels == ModelBenchmark.randomImages(count: 20, seed: 9).pixels)
        #expect(ModelBenchmark.randomImages(count: 20, seed: 9).pixels != ModelBenchmark.randomImages(count: 20, seed: 10).pixels)
    }
}
