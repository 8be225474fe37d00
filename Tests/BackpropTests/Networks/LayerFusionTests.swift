import Testing
@testable import BackpropCore
@testable import BackpropTraining

/// A network's fused layers (`Network.fusesLayers`: Relu → Pooling pairs, and the image-by-image
/// hand-over of dout from a Relu (→ Pooling) to the Convolution before it; with `keepsLayerState` off,
/// the lean Convolution → Relu → Pooling group) held to the same network unfused: whole SimpleConvNet and
/// DeepConvNet training steps, bit for bit, and run after run the same.
struct LayerFusionTests {
    static let spec = NetworkSpec(kind: .cnn, inputSize: 784, hiddenSizes: [100], outputSize: 10,
                                  weightInit: .standardDeviation(0.01))

    /// Loss, every gradient and every parameter after `steps` Adam steps of a fresh SimpleConvNet.
    static func train<T: TensorScalar>(_: T.Type, fused: Bool, lean: Bool = false, batch: Int, steps: Int = 2,
                                       spec: NetworkSpec = spec) -> (losses: [T], state: [Tensor<T>]) {
        let network = Network<T>(spec: spec, seed: 3)
        network.fusesLayers = fused
        network.keepsLayerState = !lean
        let adam = Adam<T>()
        var losses: [T] = []
        for step in 0..<steps {
            let x = LayerGradientCheck.random([batch, 1, 28, 28], seed: 20 + UInt64(step)).map { T($0) }
            let t = Tensor<T>(shape: [batch], scalars: (0..<batch).map { T(($0 * 7 + step) % 10) })
            losses.append(network.gradient(x, t))
            adam.update(network.parameters)
        }
        return (losses, network.parameters.flatMap { [$0.value, $0.gradient] })
    }

    static func identical<T: TensorScalar>(_ a: [Tensor<T>], _ b: [Tensor<T>]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { ReluPoolingKernelTests.identical($0, $1) }
    }

    @Test("SimpleConvNet: the Relu → Pooling pair is the one fused pair")
    func fusedPairs() {
        let network = Network<Float>(spec: Self.spec, seed: 1)
        let pairs = network.layers.indices.filter { network.fusedReluPooling(at: $0) != nil }
        #expect(pairs == [1])
        network.fusesLayers = false
        #expect(network.layers.indices.allSatisfy { network.fusedReluPooling(at: $0) == nil })
    }

    @Test("SimpleConvNet steps fused = unfused, bit for bit (Float, Double; batch 1 and 5)",
          arguments: [1, 5])
    func stepsMatch(batch: Int) {
        let (fusedF, unfusedF) = (Self.train(Float.self, fused: true, batch: batch), Self.train(Float.self, fused: false, batch: batch))
        let leanF = Self.train(Float.self, fused: true, lean: true, batch: batch)
        #expect(fusedF.losses == unfusedF.losses && leanF.losses == unfusedF.losses)
        #expect(Self.identical(fusedF.state, unfusedF.state) && Self.identical(leanF.state, unfusedF.state))
        let (fusedD, unfusedD) = (Self.train(Double.self, fused: true, batch: batch), Self.train(Double.self, fused: false, batch: batch))
        let leanD = Self.train(Double.self, fused: true, lean: true, batch: batch)
        #expect(fusedD.losses == unfusedD.losses && leanD.losses == unfusedD.losses)
        #expect(Self.identical(fusedD.state, unfusedD.state) && Self.identical(leanD.state, unfusedD.state))
        // The steps did something: the loss moved and the first filter's gradient is not zero.
        #expect(fusedF.losses[0] != fusedF.losses[1])
        #expect(fusedF.state[1].scalars.contains { $0 != 0 })
    }

    /// DeepConvNet (dropout off, so that only the fusion differs): its three Convolution → Relu → Pooling
    /// and three Convolution → Relu groups, whose convolutions take dout image by image through `.fast`'s
    /// per-image backward (the first and the 16→32), Winograd's backward (the 32→64 and 64→64) or read
    /// it whole (`.fast`'s unrolled gradient: the 16→16 and 32→32).
    static let deepSpec = NetworkSpec(kind: .deepCNN, inputSize: 784, hiddenSizes: [50], outputSize: 10,
                                      weightInit: .he, dropoutRatio: nil)

    @Test("DeepConvNet steps fused = unfused, bit for bit (Float, Double)")
    func deepStepsMatch() {
        let network = Network<Float>(spec: Self.deepSpec, seed: 1)
        _ = network.gradient(LayerGradientCheck.random([2, 1, 28, 28], seed: 5).map { Float($0) }, Tensor(shape: [2], scalars: [1, 2]))
        // Every convolution: the first (no dx) and the 16→32 by `.fast`'s per-image products, the 16→16 and
        // 32→32 by its unrolled gradient, the 32→64 and 64→64 by Winograd's backward.
        let byImage = network.layers.indices.filter { i in
            (network.layers[i] as? Convolution<Float>)?.readsGradientByImage == true
        }
        #expect(byImage == [0, 2, 5, 7, 10, 12])
        let (fusedF, unfusedF) = (Self.train(Float.self, fused: true, batch: 3, spec: Self.deepSpec),
                                  Self.train(Float.self, fused: false, batch: 3, spec: Self.deepSpec))
        let leanF = Self.train(Float.self, fused: true, lean: true, batch: 3, spec: Self.deepSpec)
        #expect(fusedF.losses == unfusedF.losses && leanF.losses == unfusedF.losses)
        #expect(Self.identical(fusedF.state, unfusedF.state) && Self.identical(leanF.state, unfusedF.state))
        let (fusedD, unfusedD) = (Self.train(Double.self, fused: true, batch: 2, steps: 1, spec: Self.deepSpec),
                                  Self.train(Double.self, fused: false, batch: 2, steps: 1, spec: Self.deepSpec))
        let leanD = Self.train(Double.self, fused: true, lean: true, batch: 2, steps: 1, spec: Self.deepSpec)
        #expect(fusedD.losses == unfusedD.losses && leanD.losses == unfusedD.losses)
        #expect(Self.identical(fusedD.state, unfusedD.state) && Self.identical(leanD.state, unfusedD.state))
    }

    @Test("fused runs are deterministic: the same seed gives the same numbers run after run")
    func deterministic() {
        let (a, b) = (Self.train(Float.self, fused: true, batch: 4), Self.train(Float.self, fused: true, batch: 4))
        #expect(a.losses == b.losses)
        #expect(Self.identical(a.state, b.state))
        let (c, d) = (Self.train(Float.self, fused: true, lean: true, batch: 4), Self.train(Float.self, fused: true, lean: true, batch: 4))
        #expect(c.losses == d.losses)
        #expect(Self.identical(c.state, d.state))
    }

    @Test("the lean group keeps neither ReLU's mask nor pooling's x, and says so; a Trainer runs it")
    func leanState() {
        let x = LayerGradientCheck.random([2, 1, 28, 28], seed: 9).map { Float($0) }
        let (kept, lean) = (Network<Float>(spec: Self.spec, seed: 2), Network<Float>(spec: Self.spec, seed: 2))
        lean.keepsLayerState = false
        #expect(ReluPoolingKernelTests.identical(kept.predict(x, training: true), lean.predict(x, training: true)))
        let (relu, pooling) = (lean.layers[1] as! Relu<Float>, lean.layers[2] as! Pooling<Float>)
        #expect(relu.mask == nil && pooling.x == nil && pooling.reluInPositions)
        #expect(pooling.inputShape == [2, 30, 24, 24])
        // The next forward that keeps state fills them again.
        lean.keepsLayerState = true
        _ = lean.predict(x, training: true)
        #expect(relu.mask != nil && pooling.x != nil && !pooling.reluInPositions)
        let set = ImageSet(pixels: [UInt8](repeating: 7, count: 4 * 784), labels: [0, 1, 2, 3], rows: 28, columns: 28)
        let trainer = Trainer(network: kept, optimizer: SGD<Float>(learningRate: 0.1), options: TrainingOptions(batchSize: 2),
                              train: set, test: set, flatten: false)
        #expect(!trainer.network.keepsLayerState)
    }

    @Test("the layers keep the same state fused and unfused (what `backprop graph` and the tests read)")
    func keptState() {
        let x = LayerGradientCheck.random([2, 1, 28, 28], seed: 9).map { Float($0) }
        let (fused, unfused) = (Network<Float>(spec: Self.spec, seed: 2), Network<Float>(spec: Self.spec, seed: 2))
        unfused.fusesLayers = false
        #expect(ReluPoolingKernelTests.identical(fused.predict(x, training: true), unfused.predict(x, training: true)))
        let (r1, r2) = (fused.layers[1] as! Relu<Float>, unfused.layers[1] as! Relu<Float>)
        let (p1, p2) = (fused.layers[2] as! Pooling<Float>, unfused.layers[2] as! Pooling<Float>)
        #expect(r1.mask?.scalars == r2.mask?.scalars)
        #expect(ReluPoolingKernelTests.identical(p1.x!, p2.x!))
        #expect(p1.maxPositions == p2.maxPositions)
        #expect(r1.mask!.scalars.contains(true) && r1.mask!.scalars.contains(false))
    }
}
