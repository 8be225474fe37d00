import ArgumentParser
import Backprop

/// The flags that describe a training run (`backprop train`, and any later command that trains), each a
/// property of `TrainingConfiguration`: parsed here, turned into the configuration by `configuration()`.
/// Flags left out are nil or false, so `definingFlagsGiven` can tell which ones the user typed.
struct TrainingFlags: ParsableArguments {
    @Option(help: "Network: \(NetworkSpec.Kind.allCases.map(\.rawValue).joined(separator: ", ")) (default: two-layer).")
    var model: NetworkSpec.Kind?

    @Option(help: ArgumentHelp("Hidden layer sizes, comma-separated (default: 50 for two-layer, 100,100 for mlp, "
                + "the Affine layer's 100 / 50 for cnn / deep-cnn)."))
    var hidden: String?

    @Option(help: "Hidden activation for mlp: relu, sigmoid (default: relu).")
    var activation: Activation?

    @Option(help: "Weight init for mlp: he/relu, xavier/sigmoid, or a standard deviation (two-layer: 0.01).")
    var weightInit: WeightInitializer?

    @Option(help: ArgumentHelp("Optimizer: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")) "
                + "(default: sgd; adam for cnn and deep-cnn, as the book)."))
    var optimizer: OptimizerKind?

    @Option(help: "Learning rate (default: 0.1 for sgd as the book's ch05 run, else the optimizer's default).")
    var learningRate: Double?

    @Option(help: ArgumentHelp("Examples per mini-batch (default: 100); a batch larger than the training set is "
                + "clamped to it (with a note on stderr)."))
    var batchSize: Int?

    @Option(help: "Train for this many epochs (passes over the training set).")
    var epochs: Int?

    @Option(help: "Train for this many iterations (default 10000 when --epochs is not given).")
    var iterations: Int?

    @Option(help: "L2 weight decay λ (default: 0).")
    var weightDecay: Double?

    @Flag(help: "Batch normalization after each hidden Affine (mlp).")
    var batchNorm = false

    @Option(help: "Dropout ratio after each hidden activation (mlp; deep-cnn uses 0.5 as the book unless given).")
    var dropout: Double?

    @Flag(help: ArgumentHelp("Draw each batch with replacement, as the book's scripts do (np.random.choice), "
              + "instead of walking a fresh shuffle of the training set each epoch."))
    var withReplacement = false

    @Flag(help: ArgumentHelp("PyTorch's inverted dropout (kept elements scaled by 1/(1 - ratio) in training) "
              + "instead of the book's (outputs scaled by 1 - ratio at inference)."))
    var invertedDropout = false

    @Option(help: "Seed for weights, batches and dropout (default: 0).")
    var seed: UInt64?

    @Option(help: "Precision: float32, float64 (default: float32).")
    var dtype: Precision?

    @Option(help: "Threads to share the work among; OpenBLAS itself runs single-threaded (default: all cores).")
    var threads: Int?

    @Option(help: ArgumentHelp("Dataset directory (MNIST layout, .gz or not), or 'synthetic'. "
                + "Default: $BACKPROP_DATA, else /usr/share/datasets/fashion-mnist."))
    var data: String?

    @Option(help: "Use only the first N training examples.")
    var trainLimit: Int?

    @Option(help: ArgumentHelp("Learning-rate schedule: constant, step:EPOCHS:GAMMA (times GAMMA every EPOCHS epochs) "
                + "or cosine (down to 0 over the run) (default: constant)."))
    var lrSchedule: String?

    @Option(parsing: .unconditional, help: "Iterations of linear learning-rate warm-up from 0 (default: 0).")
    var warmup: Int?

    @Option(help: ArgumentHelp("Augment the training images, seeded: crop=P (random crop after P pixels of zero padding) "
                + "and/or flip (mirrored with probability 1/2), e.g. crop=4,flip (default: none)."))
    var augment: String?

    @Option(help: ArgumentHelp("Image folders: 1 (gray, by luma) or 3 (RGB) channels (default: what the images are)."))
    var channels: Int?

    @Option(help: ArgumentHelp("Image folders: resize every image to H×W (area average when shrinking, bilinear when "
                + "growing), e.g. 32 or 32x48 (default: images must share one size)."))
    var imageSize: String?

    @Option(help: ArgumentHelp("Image folders without train/ and test/, and CSV tables without --test: the share of "
                + "each class (rows) held out for testing, by a fixed shuffle (default: 0.1)."))
    var testSplit: Double?

    @Flag(help: "Image folders: skip images that cannot be read (counted on stderr) instead of stopping.")
    var skipBadImages = false

    @Option(help: "CSV tables (--data file.csv): the column holding the class; every other column is a numeric feature.")
    var target: String?

    @Option(help: "CSV tables: a CSV file of test rows with the same columns (instead of --test-split).")
    var test: String?

    /// The run these flags describe, every flag left out taking `TrainingConfiguration`'s default (the
    /// book's ch05 run, and the model's defaults from the registry); with the problems of a --hidden that
    /// is not a list of sizes (the configuration's own problems are `TrainingConfiguration.problems`).
    func configuration() -> (TrainingConfiguration, problems: [String]) {
        let sizes = hidden.flatMap { parseHiddenSizes($0) }
        var problems = hidden != nil && sizes == nil ? [hiddenSizesProblem(hidden ?? "")] : []
        let schedule = lrSchedule.flatMap { LearningRateSchedule(argument: $0) }
        if let lrSchedule, schedule == nil { problems.append(LearningRateSchedule.unknownArgumentProblem(lrSchedule)) }
        var augmentation: ImageAugmentation?
        switch augment.map({ ImageAugmentation.parse($0) }) {
        case .success(let parsed)?: augmentation = parsed
        case .failure(let error)?: problems += error.problems
        case nil: break
        }
        let defaults = TrainingConfiguration()
        let configuration = TrainingConfiguration(
            model: model ?? defaults.model, hiddenSizes: sizes, activation: activation ?? defaults.activation,
            weightInit: weightInit, optimizer: optimizer, learningRate: learningRate,
            batchSize: batchSize ?? defaults.batchSize, epochs: epochs, iterations: iterations,
            weightDecay: weightDecay ?? defaults.weightDecay, batchNorm: batchNorm, dropout: dropout,
            withReplacement: withReplacement, invertedDropout: invertedDropout, seed: seed ?? defaults.seed,
            dtype: dtype ?? defaults.dtype, threads: threads, data: data, trainLimit: trainLimit,
            learningRateSchedule: schedule, warmup: warmup, augmentation: augmentation)
        return withDataFlags(configuration, problems: problems)
    }

    /// The flags given that define *what* is trained (all but --data and --threads, which say where and
    /// how fast), as typed: `--resume` refuses them, since the checkpoint's configuration decides.
    var definingFlagsGiven: [String] {
        let given: [(String, Bool)] = [
            ("--model", model != nil), ("--hidden", hidden != nil), ("--activation", activation != nil),
            ("--weight-init", weightInit != nil), ("--optimizer", optimizer != nil),
            ("--learning-rate", learningRate != nil), ("--batch-size", batchSize != nil), ("--epochs", epochs != nil),
            ("--iterations", iterations != nil), ("--weight-decay", weightDecay != nil), ("--batch-norm", batchNorm),
            ("--dropout", dropout != nil), ("--with-replacement", withReplacement),
            ("--inverted-dropout", invertedDropout), ("--seed", seed != nil), ("--dtype", dtype != nil),
            ("--train-limit", trainLimit != nil), ("--lr-schedule", lrSchedule != nil), ("--warmup", warmup != nil),
            ("--augment", augment != nil), ("--channels", channels != nil), ("--image-size", imageSize != nil),
            ("--test-split", testSplit != nil), ("--skip-bad-images", skipBadImages), ("--target", target != nil),
            ("--test", test != nil),
        ]
        return given.filter(\.1).map(\.0)
    }
}
