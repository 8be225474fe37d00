import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// The six optimizers' first three updates against values worked out by hand from the book's formulas,
/// their defaults, `OptimizerKind`, and the checkpoint state (`step`, `stateTensors`, `setStateTensors`).
///
/// The tiny problem: one parameter w = [1, −2] and the gradients, set by hand before each update,
/// g₁ = [3, 0.6], g₂ = [4, 0.8], g₃ = [12, −2.4] (chosen so that AdaGrad's √h is 3, 5, 13 and 0.6, 1, 2.6).
struct OptimizerTests {
    static let start: [Double] = [1, -2]
    static let gradients: [[Double]] = [[3, 0.6], [4, 0.8], [12, -2.4]]

    /// Runs the three hand-set updates and returns w after each.
    static func threeSteps<T: TensorScalar>(_ optimizer: any Optimizer<T>) -> [[Double]] {
        let w = Parameter<T>(name: "w", value: Tensor(start.map { T($0) }), decays: true)
        var values: [[Double]] = []
        for g in gradients {
            w.gradient = Tensor(g.map { T($0) })
            optimizer.update([w])
            values.append(w.value.scalars.map { Double($0) })
        }
        return values
    }

    /// The expected w after each of the three updates, by optimizer (all with η = 0.1).
    static let handValues: [(name: String, make: @Sendable () -> (any Optimizer<Double>, any Optimizer<Float>),
                             expected: [[Double]])] = [
        // SGD: w −= 0.1·g
        //   [1 − 0.3, −2 − 0.06]            = [0.7, −2.06]
        //   [0.7 − 0.4, −2.06 − 0.08]       = [0.3, −2.14]
        //   [0.3 − 1.2, −2.14 + 0.24]       = [−0.9, −1.90]
        ("SGD", { (SGD<Double>(learningRate: 0.1), SGD<Float>(learningRate: 0.1)) },
         [[0.7, -2.06], [0.3, -2.14], [-0.9, -1.90]]),
        // Momentum α = 0.9: v = 0.9v − 0.1g; w += v
        //   v = [−0.3, −0.06]                                        w = [0.7, −2.06]
        //   v = [−0.27 − 0.4, −0.054 − 0.08]    = [−0.67, −0.134]    w = [0.03, −2.194]
        //   v = [−0.603 − 1.2, −0.1206 + 0.24]  = [−1.803, 0.1194]   w = [−1.773, −2.0746]
        ("Momentum", { (Momentum<Double>(learningRate: 0.1, momentum: 0.9), Momentum<Float>(learningRate: 0.1, momentum: 0.9)) },
         [[0.7, -2.06], [0.03, -2.194], [-1.773, -2.0746]]),
        // Nesterov α = 0.9: w += 0.81v; w −= 1.9·0.1·g = 0.19g; v = 0.9v − 0.1g
        //   w = [1 − 0.57, −2 − 0.114]                       = [0.43, −2.114]     v = [−0.3, −0.06]
        //   w = [0.43 − 0.243 − 0.76, −2.114 − 0.0486 − 0.152] = [−0.573, −2.3146]  v = [−0.67, −0.134]
        //   w = [−0.573 − 0.5427 − 2.28, −2.3146 − 0.10854 + 0.456]
        //     = [−3.3957, −1.96714]                                              v = [−1.803, 0.1194]
        ("Nesterov", { (Nesterov<Double>(learningRate: 0.1, momentum: 0.9), Nesterov<Float>(learningRate: 0.1, momentum: 0.9)) },
         [[0.43, -2.114], [-0.573, -2.3146], [-3.3957, -1.96714]]),
        // AdaGrad ε = 1e-7: h += g²; w −= 0.1g / (√h + ε)
        //   h = [9, 0.36]     w = [1 − 0.3/3.0000001,        −2 − 0.06/0.6000001]
        //                       = [0.9000000033333332,       −2.099999983333336]
        //   h = [25, 1]       w = [w − 0.4/5.0000001,        w − 0.08/1.0000001]
        //                       = [0.8200000049333331,       −2.179999975333337]
        //   h = [169, 6.76]   w = [w − 1.2/13.0000001,       w + 0.24/2.6000001]
        //                       = [0.7276923133357,          −2.0876922865759404]
        ("AdaGrad", { (AdaGrad<Double>(learningRate: 0.1), AdaGrad<Float>(learningRate: 0.1)) },
         [[0.9000000033333332, -2.099999983333336], [0.8200000049333331, -2.179999975333337],
          [0.7276923133357, -2.0876922865759404]]),
        // RMSprop ρ = 0.9, ε = 1e-7: h = 0.9h + 0.1g²; w −= 0.1g / (√h + ε)
        //   h = [0.9, 0.036]            w = [1 − 0.3/(0.9486833 + ε),   −2 − 0.06/(0.1897367 + ε)]
        //                                 = [0.6837722673164918,        −2.3162275993502592]
        //   h = [0.81 + 1.6, 0.0324 + 0.064] = [2.41, 0.0964]
        //                               w = [w − 0.4/(1.5524175 + ε),   w − 0.08/(0.3104835 + ε)]
        //                                 = [0.42610963335366864,       −2.5738901669230665]
        //   h = [2.169 + 14.4, 0.08676 + 0.576] = [16.569, 0.66276]
        //                               w = [w − 1.2/(4.0705036 + ε),   w + 0.24/(0.8141008 + ε)]
        //                                 = [0.13130582713671546,       −2.279086389675872]
        ("RMSprop", { (RMSprop<Double>(learningRate: 0.1, decayRate: 0.9), RMSprop<Float>(learningRate: 0.1, decayRate: 0.9)) },
         [[0.6837722673164918, -2.3162275993502592], [0.42610963335366864, -2.5738901669230665],
          [0.13130582713671546, -2.279086389675872]]),
        // Adam β₁ = 0.9, β₂ = 0.999, ε = 1e-7: ηₜ = 0.1·√(1 − 0.999ᵗ)/(1 − 0.9ᵗ); m += 0.1(g − m);
        // v += 0.001(g² − v); w −= ηₜ·m/(√v + ε)
        //   t = 1: ηₜ = 0.1·√0.001/0.1 = 0.0316227766   m = [0.3, 0.06]       v = [0.009, 0.00036]
        //          w = [1 − 0.0316227766·0.3/(0.0948683 + ε), −2 − 0.0316227766·0.06/(0.0189737 + ε)]
        //            = [0.9000001054091442, −2.099999472956501]
        //   t = 2: ηₜ = 0.1·√0.001999/0.19 = 0.0235316737  m = [0.67, 0.134]   v = [0.024991, 0.00099964]
        //          w = [w − 0.0235316737·0.67/(0.1580854 + ε), w − 0.0235316737·0.134/(0.0316171 + ε)]
        //            = [0.8002678807109672, −2.19973144530526]
        //   t = 3: ηₜ = 0.1·√0.002997001/0.271 = 0.0202010675  m = [1.803, −0.1194]
        //          v = [0.168966009, 0.00675864036]
        //          w = [w − 0.0202010675·1.803/(0.4110548 + ε), w + 0.0202010675·0.1194/(0.0822110 + ε)]
        //            = [0.7116604587177409, −2.170392244276961]
        ("Adam", { (Adam<Double>(learningRate: 0.1), Adam<Float>(learningRate: 0.1)) },
         [[0.9000001054091442, -2.099999472956501], [0.8002678807109672, -2.19973144530526],
          [0.7116604587177409, -2.170392244276961]]),
    ]

    @Test(arguments: 0..<6)
    func firstThreeUpdatesMatchHandComputedValuesInDouble(_ index: Int) {
        let (name, make, expected) = Self.handValues[index]
        let got = Self.threeSteps(make().0)
        for (step, (g, e)) in zip(got, expected).enumerated() {
            for i in 0..<2 {
                #expect(Swift.abs(g[i] - e[i]) <= 1e-12,
                        "\(name) update \(step + 1), element \(i): got \(g[i]), expected \(e[i])")
            }
        }
    }

    @Test(arguments: 0..<6)
    func firstThreeUpdatesMatchHandComputedValuesInFloat(_ index: Int) {
        let (name, make, expected) = Self.handValues[index]
        let got = Self.threeSteps(make().1)
        for (step, (g, e)) in zip(got, expected).enumerated() {
            for i in 0..<2 {
                #expect(Swift.abs(g[i] - e[i]) <= 2e-6 * Swift.max(1, Swift.abs(e[i])),
                        "\(name) (Float) update \(step + 1), element \(i): got \(g[i]), expected \(e[i])")
            }
        }
    }

    @Test func defaultsAreTheBooks() {
        #expect(SGD<Double>().learningRate == 0.01)
        let momentum = Momentum<Double>()
        #expect(momentum.learningRate == 0.01 && momentum.momentum == 0.9)
        let nesterov = Nesterov<Double>()
        #expect(nesterov.learningRate == 0.01 && nesterov.momentum == 0.9)
        let adaGrad = AdaGrad<Double>()
        #expect(adaGrad.learningRate == 0.01 && adaGrad.epsilon == 1e-7)
        let rmsProp = RMSprop<Double>()
        #expect(rmsProp.learningRate == 0.01 && rmsProp.decayRate == 0.99 && rmsProp.epsilon == 1e-7)
        let adam = Adam<Double>()
        #expect(adam.learningRate == 0.001 && adam.beta1 == 0.9 && adam.beta2 == 0.999 && adam.epsilon == 1e-7)
        #expect(adam.step == 0)
    }

    @Test func defaultRMSpropDecayRateIsUsed() {
        // ρ = 0.99: h = 0.01·g² = [0.09, 0.0036]; w −= 0.01·g/(√h + ε) = [0.03/(0.3 + ε), 0.006/(0.06 + ε)]
        //   = [1 − 0.0999999666666778, −2 − 0.0999998333336111] = [0.9000000333333222, −2.099999833333611]
        let got = Self.threeSteps(RMSprop<Double>() as any Optimizer<Double>)[0]
        #expect(Swift.abs(got[0] - 0.9000000333333222) <= 1e-12, "\(got)")
        #expect(Swift.abs(got[1] - -2.099999833333611) <= 1e-12, "\(got)")
    }

    @Test func optimizerKindMakesEachOptimizerWithTheRightLearningRate() {
        #expect(OptimizerKind.allCases.map(\.rawValue) == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
        #expect(OptimizerKind(rawValue: "adam") == .adam && OptimizerKind(rawValue: "Adam") == nil)
        for kind in OptimizerKind.allCases {
            #expect(kind.defaultLearningRate == (kind == .adam ? 0.001 : 0.01))
            let made: any Optimizer<Double> = kind.make(learningRate: nil)
            let custom: any Optimizer<Float> = kind.make(learningRate: 0.5)
            switch kind {
            case .sgd:
                #expect((made as? SGD<Double>)?.learningRate == 0.01)
                #expect((custom as? SGD<Float>)?.learningRate == 0.5)
            case .momentum:
                #expect((made as? Momentum<Double>)?.learningRate == 0.01)
                #expect((custom as? Momentum<Float>)?.learningRate == 0.5)
            case .nesterov:
                #expect((made as? Nesterov<Double>)?.learningRate == 0.01)
                #expect((custom as? Nesterov<Float>)?.learningRate == 0.5)
            case .adagrad:
                #expect((made as? AdaGrad<Double>)?.learningRate == 0.01)
                #expect((custom as? AdaGrad<Float>)?.learningRate == 0.5)
            case .rmsprop:
                #expect((made as? RMSprop<Double>)?.learningRate == 0.01)
                #expect((custom as? RMSprop<Float>)?.learningRate == 0.5)
            case .adam:
                #expect((made as? Adam<Double>)?.learningRate == 0.001)
                #expect((custom as? Adam<Float>)?.learningRate == 0.5)
            }
        }
    }

    @Test func stepCountsUpdateCallsAndLearningRateCanChange() {
        let sgd = SGD<Double>(learningRate: 0.1)
        let w = Parameter<Double>(name: "w", value: Tensor([1.0]), decays: true)
        w.gradient = Tensor([1.0])
        sgd.update([w])                 // 1 − 0.1 = 0.9
        sgd.learningRate = 0.5
        sgd.update([w])                 // 0.9 − 0.5 = 0.4
        sgd.update([])
        #expect(sgd.step == 3)
        #expect(Swift.abs(w.value[0] - 0.4) <= 1e-15)
    }

    @Test func stateIsKeptPerParameter() {
        // Two parameters with different gradients: each has its own velocity.
        let momentum = Momentum<Double>(learningRate: 0.1, momentum: 0.9)
        let a = Parameter<Double>(name: "a", value: Tensor([0.0]), decays: true)
        let b = Parameter<Double>(name: "b", value: Tensor([0.0]), decays: true)
        a.gradient = Tensor([1.0]); b.gradient = Tensor([-2.0])
        momentum.update([a, b])          // v_a = −0.1, v_b = 0.2
        momentum.update([a, b])          // v_a = −0.09 − 0.1 = −0.19, v_b = 0.18 + 0.2 = 0.38
        #expect(Swift.abs(momentum.stateTensors(for: a)["v"]![0] - -0.19) <= 1e-15)
        #expect(Swift.abs(momentum.stateTensors(for: b)["v"]![0] - 0.38) <= 1e-15)
        #expect(Swift.abs(a.value[0] - -0.29) <= 1e-15 && Swift.abs(b.value[0] - 0.58) <= 1e-15)
    }

    @Test func emptyParametersAreUpdatedWithoutTrouble() {
        for kind in OptimizerKind.allCases {
            let optimizer: any Optimizer<Float> = kind.make(learningRate: nil)
            let empty = Parameter<Float>(name: "empty", value: .zeros([0, 3]), decays: false)
            optimizer.update([empty])
            #expect(empty.value.shape == [0, 3])
            #expect(optimizer.stateTensors(for: empty).values.allSatisfy { $0.shape == [0, 3] })
        }
    }

    @Test(arguments: OptimizerKind.allCases)
    func updatesInPlaceOnceTheStateExists(_ kind: OptimizerKind) {
        let optimizer: any Optimizer<Float> = kind.make(learningRate: nil)
        let w = Parameter<Float>(name: "W1", value: .ones([100, 50]), decays: true)
        w.gradient = .full([100, 50], 0.5)
        optimizer.update([w])                      // creates the state
        func address(_ t: Tensor<Float>) -> UnsafePointer<Float>? { t.withUnsafeBufferPointer { $0.baseAddress } }
        let valueBefore = address(w.value)
        let stateBefore = optimizer.stateTensors(for: w).mapValues(address)
        for _ in 0..<3 { optimizer.update([w]) }
        #expect(address(w.value) == valueBefore, "\(kind): the value's storage was reallocated")
        #expect(optimizer.stateTensors(for: w).mapValues(address) == stateBefore,
                "\(kind): the state's storage was reallocated")
        #expect(w.value != .ones([100, 50]), "\(kind): the value did not change")
    }

    @Test func mismatchedGradientShapeStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let w = Parameter<Double>(name: "W1", value: .zeros([2, 3]), decays: true)
            w.gradient = .zeros([3, 2])
            SGD<Double>().update([w])
        }
        // The message names the parameter and both shapes.
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("W1") && message.contains("[3, 2]") && message.contains("[2, 3]"), "\(message)")
    }

    // MARK: - Checkpoint state

    /// The state keys each optimizer keeps, by the book's names.
    static func expectedKeys(_ kind: OptimizerKind) -> Set<String> {
        switch kind {
        case .sgd: []
        case .momentum, .nesterov: ["v"]
        case .adagrad, .rmsprop: ["h"]
        case .adam: ["m", "v"]
        }
    }

    @Test(arguments: OptimizerKind.allCases)
    func stateRoundTripContinuesBitIdentically(_ kind: OptimizerKind) throws {
        var rng = SeededGenerator(seed: 42)
        let shapes = [[2, 3], [3]]
        let gradients: [[Tensor<Double>]] = (0..<6).map { _ in
            shapes.map { Tensor<Double>.randomNormal($0, using: &rng) }
        }
        let lr = kind == .sgd ? 0.1 : 0.05
        let original: any Optimizer<Double> = kind.make(learningRate: lr)
        let params = shapes.enumerated().map { i, shape in
            Parameter<Double>(name: "W\(i + 1)", value: .randomNormal(shape, using: &rng), decays: true)
        }
        for p in params { #expect(original.stateTensors(for: p).isEmpty, "no state before the first update") }

        func run(_ optimizer: any Optimizer<Double>, _ parameters: [Parameter<Double>], _ steps: Range<Int>) {
            for s in steps {
                for (p, g) in zip(parameters, gradients[s]) { p.gradient = g }
                optimizer.update(parameters)
            }
        }
        run(original, params, 0..<3)

        // The checkpoint.
        let savedStep = original.step
        let savedValues = params.map(\.value)
        let savedState = params.map { original.stateTensors(for: $0) }
        #expect(savedStep == 3)
        for (p, state) in zip(params, savedState) {
            #expect(Set(state.keys) == Self.expectedKeys(kind), "\(kind) state keys")
            #expect(state.values.allSatisfy { $0.shape == p.value.shape })
        }

        // The original goes on (this must not disturb the saved copies).
        run(original, params, 3..<6)

        // A fresh optimizer restored from the checkpoint, on fresh parameters.
        let restored: any Optimizer<Double> = kind.make(learningRate: lr)
        let copies = zip(params, savedValues).map { Parameter<Double>(name: $0.name, value: $1, decays: true) }
        for (p, state) in zip(copies, savedState) { try restored.setStateTensors(state, for: p) }
        restored.step = savedStep
        for (p, state) in zip(copies, savedState) {
            #expect(restored.stateTensors(for: p) == state)
        }
        run(restored, copies, 3..<6)

        for (a, b) in zip(params, copies) {
            #expect(a.value == b.value, "\(kind): \(a.name) after restoring differs from the original")
        }
        #expect(restored.step == 6)

        // Without the state (or, for Adam, without the step) the continuation differs — so the above
        // checks something.
        if kind != .sgd {
            let cold: any Optimizer<Double> = kind.make(learningRate: lr)
            let coldCopies = zip(params, savedValues).map { Parameter<Double>(name: $0.name, value: $1, decays: true) }
            run(cold, coldCopies, 3..<6)
            #expect(coldCopies[0].value != params[0].value, "\(kind): continuing without state should differ")
        }
        if kind == .adam {
            let noStep: any Optimizer<Double> = kind.make(learningRate: lr)
            let stepCopies = zip(params, savedValues).map { Parameter<Double>(name: $0.name, value: $1, decays: true) }
            for (p, state) in zip(stepCopies, savedState) { try noStep.setStateTensors(state, for: p) }
            run(noStep, stepCopies, 3..<6)
            #expect(stepCopies[0].value != params[0].value, "Adam: continuing with step 0 should differ")
        }
    }

    @Test func emptyStateForgetsTheParameter() throws {
        let adaGrad = AdaGrad<Double>(learningRate: 0.1)
        let w = Parameter<Double>(name: "w", value: Tensor([1.0]), decays: true)
        w.gradient = Tensor([3.0])
        adaGrad.update([w])                                  // h = 9
        #expect(adaGrad.stateTensors(for: w) == ["h": Tensor([9.0])])
        try adaGrad.setStateTensors([:], for: w)
        #expect(adaGrad.stateTensors(for: w).isEmpty)
        adaGrad.update([w])                                  // h starts again from 0: h = 9
        #expect(adaGrad.stateTensors(for: w) == ["h": Tensor([9.0])])
    }

    @Test func badStateThrowsAndLeavesTheOptimizerUnchanged() throws {
        let w = Parameter<Double>(name: "W1", value: .zeros([2, 2]), decays: true)
        w.gradient = .ones([2, 2])
        let adam = Adam<Double>()
        adam.update([w])
        let before = adam.stateTensors(for: w)
        let good: Tensor<Double> = .full([2, 2], 0.5)

        #expect(throws: OptimizerStateError.missingKey(parameter: "W1", key: "v", expected: ["m", "v"])) {
            try adam.setStateTensors(["m": good], for: w)
        }
        #expect(throws: OptimizerStateError.unknownKey(parameter: "W1", key: "h", expected: ["m", "v"])) {
            try adam.setStateTensors(["m": good, "v": good, "h": good], for: w)
        }
        #expect(throws: OptimizerStateError.shapeMismatch(parameter: "W1", key: "v", expected: [2, 2], found: [4])) {
            try adam.setStateTensors(["m": good, "v": .zeros([4])], for: w)
        }
        #expect(adam.stateTensors(for: w) == before, "a refused state must not change the optimizer")

        #expect(throws: OptimizerStateError.unknownKey(parameter: "W1", key: "v", expected: [])) {
            try SGD<Double>().setStateTensors(["v": good], for: w)
        }
        #expect(throws: OptimizerStateError.unknownKey(parameter: "W1", key: "h", expected: ["v"])) {
            try Momentum<Double>().setStateTensors(["h": good], for: w)
        }

        let message = OptimizerStateError.shapeMismatch(parameter: "W1", key: "v", expected: [2, 2], found: [4]).description
        #expect(message.contains("W1") && message.contains("[4]") && message.contains("[2, 2]"), "\(message)")
        #expect(OptimizerStateError.missingKey(parameter: "b2", key: "m", expected: ["m", "v"]).description.contains("b2"))
    }
}
