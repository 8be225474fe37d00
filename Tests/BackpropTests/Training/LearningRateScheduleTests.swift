import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// `LearningRateSchedule`: the rate at chosen steps against the formulas worked out by hand, the rate the
/// trainer sets on its optimizer, and a resumed scheduled run equal bit for bit to an uninterrupted one.
struct LearningRateScheduleTests {
    /// Rates at chosen steps, against values worked out by hand.
    @Test func ratesAgainstTheFormulas() {
        func rate(_ schedule: LearningRateSchedule, _ i: Int, warmup: Int = 0, perEpoch: Int = 10, total: Int = 100) -> Double {
            schedule.rate(at: i, base: 0.2, warmup: warmup, iterationsPerEpoch: perEpoch, totalIterations: total)
        }
        #expect([0, 57, 99].map { rate(.constant, $0) } == [0.2, 0.2, 0.2])
        // StepLR(step_size=2, gamma=0.5), 10 batches per epoch: epochs 0–1 at 0.2, 2–3 at 0.1, 4–5 at 0.05.
        let step = LearningRateSchedule.step(epochs: 2, gamma: 0.5)
        #expect([0, 19, 20, 39, 40, 59].map { rate(step, $0) } == [0.2, 0.2, 0.1, 0.1, 0.05, 0.05])
        // Warm-up of 5: 0, 0.04, …, 0.16, then the schedule (step's own rate at i = 5 is 0.2).
        for (i, expected) in [0, 0.04, 0.08, 0.12, 0.16, 0.2].enumerated() {
            #expect(abs(rate(step, i, warmup: 5) - expected) < 1e-15, "warm-up step \(i)")
        }
        // Cosine over 100 − 10 = 90 steps after a warm-up of 10: 0.2 at i = 10, 0.1 at i = 55 (a quarter
        // turn), 0.2 · (1 + cos(π/3)) / 2 = 0.15 at i = 40, and 0.2 · (1 − cos(π/90)) / 2 ≈ 6.09e-5 at the last step.
        #expect(rate(.cosine, 5, warmup: 10) == 0.1)
        #expect(rate(.cosine, 10, warmup: 10) == 0.2)
        #expect(abs(rate(.cosine, 40, warmup: 10) - 0.15) < 1e-15)
        #expect(abs(rate(.cosine, 55, warmup: 10) - 0.1) < 1e-15)
        #expect(abs(rate(.cosine, 99, warmup: 10) - 6.0917e-5) < 1e-8)
        #expect(abs(rate(.cosine, 50) - 0.1) < 1e-15)
    }

    @Test func parsingAndProblems() {
        #expect(LearningRateSchedule(argument: "constant") == .constant)
        #expect(LearningRateSchedule(argument: "cosine") == .cosine)
        #expect(LearningRateSchedule(argument: "step:3:0.1") == .step(epochs: 3, gamma: 0.1))
        for bad in ["", "step", "step:2", "step:x:0.5", "cosine:1", "linear", "step:2:0.5:1"] {
            #expect(LearningRateSchedule(argument: bad) == nil, "\(bad)")
        }
        #expect(LearningRateSchedule.step(epochs: 0, gamma: 2).problems(warmup: 0).count == 1)
        #expect(LearningRateSchedule.step(epochs: 1, gamma: 0).problems(warmup: 0).count == 1)
        #expect(LearningRateSchedule.step(epochs: 1, gamma: .nan).problems(warmup: 0).count == 1)
        #expect(LearningRateSchedule.cosine.problems(warmup: -1) == ["--warmup must be at least 0 iterations, got -1"])
        #expect(LearningRateSchedule.cosine.problems(warmup: 0).isEmpty)
        let configuration = TrainingConfiguration(learningRateSchedule: .step(epochs: 0, gamma: 2), warmup: -3)
        #expect(configuration.problems().count == 2)
        #expect(configuration.problems().allSatisfy { $0.contains("--lr-schedule") || $0.contains("--warmup") })
    }

    /// Options and configurations saved before schedules existed decode as a constant rate, no warm-up.
    @Test func oldOptionsAndConfigurationsDecodeAsConstant() throws {
        let json = #"{"optimizer":"sgd","batchSize":100,"iterations":10,"seed":0}"#
        let options = try JSONDecoder().decode(TrainingOptions.self, from: Data(json.utf8))
        #expect(options.learningRateSchedule == .constant && options.warmup == 0 && options.augmentation == nil)
        #expect(!options.schedulesLearningRate)
        var configuration = TrainingConfiguration(learningRateSchedule: .step(epochs: 2, gamma: 0.5), warmup: 4,
                                                  augmentation: ImageAugmentation(cropPadding: 2, horizontalFlip: true))
        let saved = try JSONEncoder().encode(configuration)
        #expect(try JSONDecoder().decode(TrainingConfiguration.self, from: saved) == configuration)
        var object = try #require(try JSONSerialization.jsonObject(with: saved) as? [String: Any])
        object["learningRateSchedule"] = nil
        object["warmup"] = nil
        object["augmentation"] = nil
        let old = try JSONDecoder().decode(TrainingConfiguration.self, from: try JSONSerialization.data(withJSONObject: object))
        configuration.learningRateSchedule = nil
        configuration.warmup = nil
        configuration.augmentation = nil
        #expect(old == configuration)
        let oldOptions = try old.options(trainingCount: 300)
        #expect(oldOptions.learningRateSchedule == .constant && oldOptions.warmup == 0)
    }

    static func scheduled(_ schedule: LearningRateSchedule, warmup: Int, kind: OptimizerKind = .sgd,
                          iterations: Int = 20) -> TrainingOptions {
        var options = ResumeTests.options(kind, iterations: iterations)
        options.learningRateSchedule = schedule
        options.warmup = warmup
        return options
    }

    /// The trainer sets each step's rate on its optimizer, and records the last step's in the history.
    @Test func theTrainerSetsTheRateOfEveryStep() {
        let options = Self.scheduled(.step(epochs: 1, gamma: 0.5), warmup: 2, iterations: 7)   // 3 batches per epoch
        let trainer = ResumeTests.trainer(ResumeTests.Net.twoLayer.make(), options)
        var rates: [Double] = []
        while trainer.iteration < options.iterations {
            trainer.step()
            rates.append(trainer.optimizer.learningRate)
        }
        // SGD at 0.3: warm-up 0, 0.15; then epoch 0 at 0.3, epoch 1 at 0.15, epoch 2 at 0.075.
        #expect(rates == [0, 0.15, 0.3, 0.15, 0.15, 0.15, 0.075])
        let recorded = ResumeTests.trainer(ResumeTests.Net.twoLayer.make(), options)
        recorded.run()
        #expect(recorded.history.map(\.learningRate) == [0.3, 0.15, 0.075])
    }

    /// A scheduled (and augmented) run checkpointed mid-way and resumed ends bit-identical to the run done
    /// straight through; the schedule changed the result.
    @Test(arguments: [LearningRateSchedule.cosine, .step(epochs: 1, gamma: 0.5)], [OptimizerKind.sgd, .adam])
    func resumeMidScheduleIsBitIdentical(schedule: LearningRateSchedule, kind: OptimizerKind) throws {
        var options = Self.scheduled(schedule, warmup: 4, kind: kind)
        options.augmentation = ImageAugmentation(cropPadding: 1, horizontalFlip: true)
        let reference = ResumeTests.straight(.dropout, options)
        try DataFixtures.withScratchDirectory("resume-schedule") { dir in
            let resumed = try ResumeTests.resumed(.dropout, options, stops: [2, 7, 13], in: dir)
            #expect(resumed == reference, "\(schedule) \(kind): resumed vs straight")
        }
        var constant = options
        constant.learningRateSchedule = .constant
        constant.warmup = 0
        #expect(ResumeTests.straight(.dropout, constant).parameters != reference.parameters)
    }

    /// The plot gets a learning-rate panel when the rate changed, and keeps the book's two panels when not.
    @Test func thePlotDrawsAChangingRate() {
        let options = Self.scheduled(.cosine, warmup: 0, iterations: 12)
        let trainer = ResumeTests.trainer(ResumeTests.Net.twoLayer.make(), options)
        trainer.run()
        #expect(TrainingCurves.chart(history: trainer.history, title: "t").panels.count == 3)
        #expect(TrainingCurves.svg(history: trainer.history, title: "t").text.contains("learning rate"))
        let constant = ResumeTests.trainer(ResumeTests.Net.twoLayer.make(), ResumeTests.options(.sgd, iterations: 12))
        constant.run()
        #expect(TrainingCurves.chart(history: constant.history, title: "t").panels.count == 2)
    }
}
