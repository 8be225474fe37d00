import Backprop
import Foundation
import Testing

/// train → checkpoint, metrics, plot → evaluate → predict, and gradcheck, on a tiny MNIST-format
/// directory written by the test (200 training and 50 test images of 28×28).
struct CLIEndToEndTests {
    @Test func trainWritesCheckpointMetricsAndPlotThatEvaluateAndPredictUse() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("e2e") { scratch in
            guard let run = try TrainedRun(in: scratch) else { return }
            try Self.expectCheckpoint(run)
            let rows = try Self.expectCSVMetrics(run)
            try Self.expectJSONMetrics(run, rows: rows)
            try Self.expectPlot(run)
            guard try Self.expectEvaluation(run) else { return }
            try Self.expectEvaluationText(run)
            try Self.expectPredictions(run)
            #expect(CLIHarness.contents(of: scratch).allSatisfy { !$0.hasPrefix(".") },
                    "temporary files left behind: \(CLIHarness.contents(of: scratch))")
        }
    }

    /// `gradcheck --json` on the tiny directory: every parameter's mean |backprop − numerical| < 1e-8.
    /// (A narrow hidden layer keeps the numerical gradient quick in a debug build.)
    /// Seed 1: with seed 0 one hidden pre-activation of these images lies within h = 1e-4 of ReLU's kink
    /// (9.5e-5), where the central difference is wrong by design (mean |diff| of b1 ≈ 3e-6).
    @Test(arguments: [
        ["--hidden", "4", "--seed", "1"],
        ["--model", "mlp", "--hidden", "2,2", "--batch-norm", "--activation", "sigmoid"],
    ])
    func gradcheckAgreesWithNumericalGradients(_ flags: [String]) throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("gradcheck") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data, train: 20, test: 10)
            let result = try CLIHarness.runOK(["gradcheck", "--data", data, "--json"] + flags, timeout: 60)
            guard let object = CLIHarness.jsonObject(result) else { return }
            guard let parameters = object["parameters"] as? [String: Any] else {
                Issue.record("no \"parameters\" object: \(result)")
                return
            }
            let expectedNames: Set<String> = flags.contains("mlp")
                ? ["W1", "b1", "W2", "b2", "W3", "b3", "gamma1", "beta1", "gamma2", "beta2"]
                : ["W1", "b1", "W2", "b2"]
            #expect(Set(parameters.keys) == expectedNames, "\(parameters.keys.sorted())")
            for (name, value) in parameters {
                guard let entry = value as? [String: Any],
                      let mean = CLIHarness.number(entry["mean_abs_diff"]),
                      let max = CLIHarness.number(entry["max_abs_diff"]) else {
                    Issue.record("\(name): not {mean_abs_diff, max_abs_diff} numbers: \(value)")
                    continue
                }
                #expect(mean >= 0 && mean < 1e-8, "\(name): mean |diff| \(mean)")
                #expect(max >= mean, "\(name): max \(max) < mean \(mean)")
            }
        }
    }
}

/// The end-to-end test's steps: the two train runs, then each file they wrote and each command that reads one.
extension CLIEndToEndTests {
    /// Two identical train runs on the tiny directory: the first with a checkpoint, CSV metrics and a plot,
    /// the second with a checkpoint and JSON metrics.
    struct TrainedRun {
        var scratch, data, checkpoint, checkpoint2, csv, jsonMetrics, plot: String
        /// The JSON summaries the two runs printed.
        var summary, summary2: [String: Any]

        /// Nil (with the failure recorded) when a run does not print a JSON object.
        init?(in scratch: String) throws {
            self.scratch = scratch
            data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data)
            checkpoint = CLIHarness.join(scratch, "net.safetensors")
            csv = CLIHarness.join(scratch, "run.csv")
            plot = CLIHarness.join(scratch, "run.svg")
            let common = ["train", "--data", data, "--iterations", "60", "--seed", "3", "--json", "--quiet"]
            let trained = try CLIHarness.runOK(common + ["--checkpoint", checkpoint, "--metrics", csv, "--plot", plot])
            guard let summary = CLIHarness.jsonObject(trained) else { return nil }
            #expect(trained.stderr.isEmpty, "\(trained)")
            self.summary = summary

            // The same run again, with JSON metrics.
            checkpoint2 = CLIHarness.join(scratch, "net2.safetensors")
            jsonMetrics = CLIHarness.join(scratch, "run.json")
            let again = try CLIHarness.runOK(common + ["--checkpoint", checkpoint2, "--metrics", jsonMetrics])
            guard let summary2 = CLIHarness.jsonObject(again) else { return nil }
            self.summary2 = summary2
        }
    }

    /// The checkpoint: its metadata, the two-layer net's tensors, the iteration, and the same tensors from the rerun.
    static func expectCheckpoint(_ run: TrainedRun) throws {
        let file = try SafetensorsFile.read(path: run.checkpoint)
        #expect(file.metadata["format"] == "backprop-checkpoint-1")
        #expect(file.metadata["dtype"] == "float32")
        #expect(file.metadata["spec"] != nil && file.metadata["training"] != nil)
        #expect(file.tensors["W1"]?.shape == [784, 50] && file.tensors["b1"]?.shape == [50]
                && file.tensors["W2"]?.shape == [50, 10] && file.tensors["b2"]?.shape == [10],
                "tensors: \(file.tensors.mapValues(\.shape))")
        let contents = try Checkpoint.read(path: run.checkpoint)
        #expect(contents.training?.iteration == 60)
        #expect(CLIHarness.differingTensors(file.tensors, try CLIHarness.tensors(run.checkpoint2)).isEmpty,
                "two identical runs wrote different tensors")
    }

    /// The CSV metrics: header, one row per epoch, the last row equal to the summary. Returns the rows.
    static func expectCSVMetrics(_ run: TrainedRun) throws -> [[Double?]] {
        let csvText = try String(contentsOfFile: run.csv, encoding: .utf8)
        let csvLines = csvText.split(separator: "\n").map(String.init)
        #expect(csvLines.first == "epoch,iteration,loss,train_acc,test_acc,seconds,learning_rate", "CSV header: \(csvLines.first ?? "")")
        let rows = csvLines.dropFirst().map { $0.split(separator: ",").map { Double($0) } }
        #expect(rows.count == 30, "60 iterations of 2 per epoch: 30 rows, got \(rows.count)")
        #expect(rows.allSatisfy { $0.count == 7 && $0.allSatisfy { $0 != nil } }, "CSV rows: \(csvText.prefix(500))")
        if let last = rows.last, last.count == 7 {
            #expect(last[6] == 0.1, "the book's constant rate in the learning_rate column")
            #expect(last[1] == 60)
            #expect(last[2] == CLIHarness.number(run.summary["train_loss"]), "last loss vs summary")
            #expect(last[3] == CLIHarness.number(run.summary["train_accuracy"]), "last train_acc vs summary")
            #expect(last[4] == CLIHarness.number(run.summary["test_accuracy"]), "last test_acc vs summary")
        }
        return rows
    }

    /// The JSON metrics: the same rows as the CSV, seconds aside; and the rerun's summary equals the first.
    static func expectJSONMetrics(_ run: TrainedRun, rows: [[Double?]]) throws {
        let jsonText = try String(contentsOfFile: run.jsonMetrics, encoding: .utf8)
        if let records = CLIHarness.parseJSON(jsonText) as? [[String: Any]] {
            #expect(records.count == rows.count)
            for (record, row) in zip(records, rows) where row.count == 7 {
                #expect(Set(record.keys) == ["epoch", "iteration", "loss", "train_acc", "test_acc", "seconds", "learning_rate"])
                let values = ["epoch", "iteration", "loss", "train_acc", "test_acc"].map { CLIHarness.number(record[$0]) }
                #expect(values == Array(row.prefix(5)), "JSON \(record) vs CSV \(row)")
                #expect(CLIHarness.number(record["learning_rate"]) == row[6])
            }
        } else {
            Issue.record("metrics JSON is not an array of objects: \(jsonText.prefix(300))")
        }
        for key in ["train_loss", "train_accuracy", "test_accuracy"] {
            #expect(CLIHarness.number(run.summary[key]) == CLIHarness.number(run.summary2[key]), "rerun: \(key)")
        }
    }

    /// The plot is a complete SVG.
    static func expectPlot(_ run: TrainedRun) throws {
        let svg = try String(contentsOfFile: run.plot, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"), "plot starts with \(svg.prefix(40))")
        #expect(svg.contains("</svg>"), "plot is not a complete SVG")
    }

    /// `evaluate --json`: count, accuracy (train's test accuracy), loss and the confusion matrix. False when
    /// it prints no JSON object.
    static func expectEvaluation(_ run: TrainedRun) throws -> Bool {
        let evaluated = try CLIHarness.runOK(["evaluate", "--checkpoint", run.checkpoint, "--data", run.data, "--json"])
        guard let evaluation = CLIHarness.jsonObject(evaluated) else { return false }
        #expect(Set(evaluation.keys) == ["accuracy", "loss", "count", "confusion"], "\(evaluation.keys)")
        let count = CLIHarness.integer(evaluation["count"])
        #expect(count == 50)
        let accuracy = CLIHarness.number(evaluation["accuracy"])
        let trainAccuracy = run.summary["test_accuracy"]
        #expect(accuracy != nil && accuracy == CLIHarness.number(trainAccuracy),
                "evaluate accuracy \(String(describing: accuracy)) vs train's test_accuracy \(String(describing: trainAccuracy))")
        #expect(CLIHarness.number(evaluation["loss"]).map { $0.isFinite && $0 > 0 } == true)
        let confusion = (evaluation["confusion"] as? [[Any]])?.map { $0.map { CLIHarness.integer($0) ?? -1 } }
        if let confusion {
            expectConfusion(confusion, count: count, accuracy: accuracy)
        } else {
            Issue.record("confusion is not an array of arrays: \(String(describing: evaluation["confusion"]))")
        }
        return true
    }

    /// A 10×10 confusion matrix of the 50 test images: rows are the true classes, the diagonal the accuracy.
    static func expectConfusion(_ confusion: [[Int]], count: Int?, accuracy: Double?) {
        #expect(confusion.count == 10 && confusion.allSatisfy { $0.count == 10 }, "confusion is not 10×10: \(confusion)")
        #expect(confusion.flatMap { $0 }.allSatisfy { $0 >= 0 }, "\(confusion)")
        #expect(confusion.flatMap { $0 }.reduce(0, +) == count, "confusion sums to count")
        let diagonal = (0..<Swift.min(10, confusion.count)).map { confusion[$0].count > $0 ? confusion[$0][$0] : 0 }.reduce(0, +)
        #expect(Double(diagonal) / 50 == accuracy, "confusion diagonal vs accuracy")
        // Rows are the true classes.
        let labels = CLIHarness.barImages(count: 50, seed: 1 &+ 1000).labels
        for k in 0..<Swift.min(10, confusion.count) {
            #expect(confusion[k].reduce(0, +) == labels.filter { Int($0) == k }.count, "row \(k) vs labels")
        }
    }

    /// `evaluate` as text.
    static func expectEvaluationText(_ run: TrainedRun) throws {
        let text = try CLIHarness.runOK(["evaluate", "--checkpoint", run.checkpoint, "--data", run.data])
        #expect(text.stdout.hasPrefix("accuracy "), "\(text)")
        #expect(text.stdout.contains("(50 examples)"), "\(text)")
    }

    /// `predict --json` on the first test image at 28×28 and scaled to 56×56: one line each, the 28×28 one
    /// equal to the library's own prediction.
    static func expectPredictions(_ run: TrainedRun) throws {
        let test = CLIHarness.barImages(count: 50, seed: 1 &+ 1000)
        let first = Array(test.pixels[0..<784])
        let small = CLIHarness.join(run.scratch, "digit.pgm")
        try ImageFile.writePGM(pixels: first, width: 28, height: 28, to: small)
        var doubled: [UInt8] = []
        for row in 0..<56 { for column in 0..<56 { doubled.append(first[(row / 2) * 28 + column / 2]) } }
        let large = CLIHarness.join(run.scratch, "digit-56.pgm")
        try ImageFile.writePGM(pixels: doubled, width: 56, height: 56, to: large)
        let predicted = try CLIHarness.runOK(["predict", "--checkpoint", run.checkpoint, small, large, "--json"])
        let lines = predicted.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "one JSON line per image: \(predicted)")
        let network: Network<Float> = try Checkpoint.read(path: run.checkpoint).makeNetwork()
        let x: Tensor<Float> = ImageSet(pixels: first, labels: [0], rows: 28, columns: 28).images([0])
        let expected = softmax(network.predict(x)).scalars.map(Double.init)
        for (line, path) in zip(lines, [small, large]) {
            guard let object = CLIHarness.jsonObject(line, what: "predict line") else { continue }
            #expect(object["file"] as? String == path)
            // The 28×28 image is fed as is: the library's own prediction, to float rounding.
            expectPrediction(object, expected: path == small ? expected : nil)
        }
    }

    /// One line of `predict --json`: a class and the top three [class, probability] pairs, sorted; when
    /// `expected` (the library's probabilities) is given, the same class and its probability to 1e-5.
    static func expectPrediction(_ object: [String: Any], expected: [Double]?) {
        let cls = CLIHarness.integer(object["class"])
        #expect(cls.map { (0..<10).contains($0) } == true, "\(object)")
        guard let top3 = object["top3"] as? [[Any]], top3.count == 3, top3.allSatisfy({ $0.count == 2 }) else {
            Issue.record("top3 is not three [class, probability] pairs: \(object)")
            return
        }
        let classes = top3.map { CLIHarness.integer($0[0]) }
        let probabilities = top3.map { CLIHarness.number($0[1]) ?? -1 }
        #expect(classes[0] == cls, "top3 starts with the class: \(object)")
        #expect(Set(classes.compactMap { $0 }).count == 3, "top3 classes are distinct: \(object)")
        #expect(probabilities.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(object)")
        #expect(probabilities == probabilities.sorted(by: >), "top3 sorted by probability: \(object)")
        #expect(probabilities.reduce(0, +) <= 1 + 1e-9, "\(object)")
        guard let expected else { return }
        let expectedClass = expected.indices.max { expected[$0] < expected[$1] }!
        #expect(cls == expectedClass, "predict says \(String(describing: cls)), the library \(expectedClass)")
        if let c0 = classes[0] {
            #expect(Swift.abs(probabilities[0] - expected[c0]) < 1e-5, "probability \(probabilities[0]) vs \(expected[c0])")
        }
    }
}
