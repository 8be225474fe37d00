import Backprop
import Foundation

/// What `backprop train` reports at the end of a run: one JSON object on stdout with `--json` (keys in
/// snake_case, sorted, one line; Doubles in Swift's shortest round-trip form), else one line.
struct TrainSummary: Codable, Equatable {
    var model: String
    var dtype: String
    var optimizer: String
    var learningRate: Double
    var batchSize: Int
    /// Epochs completed, fractional when the run ended mid-epoch.
    var epochs: Double
    var iterations: Int
    /// The last epoch's mean training loss (0 when none finished or it diverged).
    var trainLoss: Double
    var trainAccuracy: Double
    var testAccuracy: Double
    var seconds: Double
    /// The examples the batches held (the last of an epoch holds the remainder), per second.
    var examplesPerSecond: Double
    var seed: UInt64
    var withReplacement: Bool
    var threads: Int
    /// MPI ranks (1 without mpirun).
    var ranks: Int
    var allReduceSeconds: Double
    /// Whether the run stopped before its last iteration (Ctrl-C).
    var interrupted: Bool
    /// Whether an epoch's record exists (not encoded: the text line says "no epoch finished" without one).
    var epochFinished = false
    /// Regression (a CSV table with a numeric target): the test split's RMSE and R², in the target's units.
    var rmse: Double?, r2: Double?

    enum CodingKeys: String, CodingKey {
        case model, dtype, optimizer, epochs, iterations, seconds, seed, threads, ranks, interrupted
        case learningRate = "learning_rate"
        case batchSize = "batch_size"
        case trainLoss = "train_loss"
        case trainAccuracy = "train_accuracy"
        case testAccuracy = "test_accuracy"
        case examplesPerSecond = "examples_per_second"
        case withReplacement = "with_replacement"
        case allReduceSeconds = "all_reduce_seconds"
        case rmse, r2
    }

    /// The summary of `trainer`'s run so far.
    init<Scalar: TensorScalar>(_ trainer: Trainer<Scalar>, interrupted: Bool, ranks: Int) {
        let options = trainer.options, last = trainer.history.last
        let seconds = last?.seconds ?? trainer.previousSeconds
        model = trainer.network.spec?.kind.rawValue ?? "custom"
        dtype = Scalar.dtypeName
        optimizer = options.optimizer.rawValue
        learningRate = options.effectiveLearningRate
        batchSize = options.batchSize
        epochs = last?.epoch ?? 0
        iterations = trainer.iteration
        trainLoss = last.map { $0.loss.isFinite ? $0.loss : 0 } ?? 0
        trainAccuracy = last?.trainAccuracy ?? 0
        testAccuracy = last?.testAccuracy ?? 0
        self.seconds = seconds
        examplesPerSecond = seconds > 0 ? trainer.sampler.examples(inIterations: trainer.iteration) / seconds : 0
        seed = options.seed
        withReplacement = options.batchesWithReplacement
        threads = Threads.count
        self.ranks = ranks
        allReduceSeconds = trainer.allReduceSeconds
        self.interrupted = interrupted
        epochFinished = last != nil
    }

    /// The line printed without --json: "done: N iterations, train accuracy …, … s, … examples/s".
    func textLine(checkpoint: String?) -> String {
        let accuracy = epochFinished
            ? String(format: "train accuracy %.4f, test accuracy %.4f", trainAccuracy, testAccuracy) : "no epoch finished"
        return "\(interrupted ? "interrupted" : "done"): \(iterations) iterations, \(accuracy), "
            + String(format: "%.1f s, %.0f examples/s", seconds, examplesPerSecond)
            + (rmse.map { String(format: ", test rmse %.4g, r2 %.4f", $0, r2 ?? .nan) } ?? "")
            + (checkpoint.map { ", saved \($0)" } ?? "")
    }
}
