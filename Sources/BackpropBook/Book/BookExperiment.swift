import BackpropCharts
import BackpropCore
import BackpropTraining
import Foundation

/// One of the book's experiments: a few dozen lines that read like the book's script (`ch04/gradient_1d.py`,
/// `ch06/weight_init_activation_histogram.py`, …), run through the library, returning what the script
/// prints, machine-readable values and the figure it draws.
///
///     let report = try NumericalDiffExperiment().run(BookContext())
///     report.lines.forEach { print($0) }              // "0.1999999999990898" …
///     try report.plot?.write(to: "figure-4-7.svg")
///
/// `backprop book NAME` is a thin wrapper: it builds a `BookContext` from its flags, runs the experiment
/// and prints `lines` (or `values` as JSON with `--json`) and writes `plot` (`--plot FILE.svg`).
///
/// Conventions every experiment follows:
/// - `name` is lower-case with hyphens and unique in `BookCatalog`; `section` is "§N.N[.N]" (the list
///   is sorted by it), `figure` names the book's figure(s) when there is one ("figure 4-7").
/// - Where the book's script draws random numbers without a seed, the experiment draws them from
///   `SeededGenerator(seed: context.seed)` and says so in one of its `lines` ("seeded: 0 (the book's
///   script is unseeded)").
/// - Where the book ran on MNIST and we run on the context's data, the plot's title names the data
///   (`context.data.title`, e.g. "Fashion-MNIST").
/// - `context.scale == .quick` must finish in about a second (tests run every experiment that way);
///   `.book` runs the book's sizes.
/// - Bad input from outside (a missing dataset, an unreadable weights file) throws a typed error
///   (`DatasetError`, `CheckpointError`, `BookError`, …) whose description is one line naming the file.
///
/// Where experiments are listed: `BookCatalog.all`. The experiments that need no dataset (and
/// `train-numerical`) are listed in `BookCatalog.swift`; the data experiments of chapter 6 and 8
/// (`optimizers-data`, `weight-init-data`, `batch-norm`, `overfit`, `dropout`, `hyperparameters`,
/// `misclassified`, `half-float`) in `BookCatalog.dataExperiments`, in its own file
/// `BookCatalog+Data.swift`. `ch03-inference` reads the book's pickle and so lives in
/// `BackpropInterop` (`BookCatalog.withBookWeights` adds it).
public protocol BookExperiment: Sendable {
    /// The command-line name, e.g. "numerical-diff".
    var name: String { get }
    /// The book's section, e.g. "§4.3.2".
    var section: String { get }
    /// The book's figure(s), e.g. "figure 4-7", or nil when the section draws none.
    var figure: String? { get }
    /// One line for `backprop book list`: what it prints and draws.
    var summary: String { get }
    /// Runs the experiment. Throws only for bad outside input (data, weights files).
    func run(_ context: BookContext) throws -> BookReport
}

/// How big an experiment runs.
public enum BookScale: String, Sendable, CaseIterable {
    /// The book's sizes (1000×100 inputs, 2000 iterations, the whole test set, …).
    case book
    /// A tiny version that runs in about a second, for tests and a first look (`--quick`).
    case quick
}

/// Where an experiment that needs images gets them.
public enum BookData: Sendable, Equatable {
    /// An MNIST-format directory (`DatasetDirectory`), e.g. /usr/share/datasets/fashion-mnist.
    case directory(String)
    /// `count` training and `count / 5` test images made up from the seed (`SyntheticImages`): 28×28,
    /// ten classes, learnable; for tests and machines without a dataset.
    case synthetic(count: Int)

    /// The default: `$BACKPROP_DATA`, else `DatasetDirectory.defaultPath` (Fashion-MNIST).
    public static var standard: BookData { .directory(DatasetDirectory.resolve(nil)) }

    /// What to call the data in a plot title: "Fashion-MNIST", "MNIST", "synthetic images" or the
    /// directory's last path component.
    public var title: String {
        switch self {
        case .synthetic: return "synthetic images"
        case .directory(let path):
            let lower = path.lowercased()
            if lower.contains("fashion") { return "Fashion-MNIST" }
            if lower.contains("mnist") { return "MNIST" }
            return URL(fileURLWithPath: path).lastPathComponent
        }
    }
}

/// The images an experiment trains and tests on (`BookContext.images()`).
public struct BookImages: Sendable {
    /// The training images (60 000 for (Fashion-)MNIST).
    public var train: ImageSet
    /// The test images (10 000).
    public var test: ImageSet
    /// The data's name for titles (`BookData.title`).
    public var title: String
}

/// What an experiment runs with: seed, data, an optional checkpoint or weights file, and scale.
public struct BookContext: Sendable {
    /// The seed of every random draw (default 0).
    public var seed: UInt64
    /// Where images come from (default `BookData.standard`).
    public var data: BookData
    /// A weights file for the experiments that evaluate one (`misclassified`, `half-float`,
    /// `ch03-inference`); each says what it does without one.
    public var checkpoint: String?
    /// `.book` (default) or `.quick`.
    public var scale: BookScale

    /// A context with the given seed, data, weights file and scale (defaults: seed 0, `BookData.standard`,
    /// no file, `.book`).
    public init(seed: UInt64 = 0, data: BookData = .standard, checkpoint: String? = nil, scale: BookScale = .book) {
        self.seed = seed
        self.data = data
        self.checkpoint = checkpoint
        self.scale = scale
    }

    /// `book` at `.book` scale, `quick` at `.quick`.
    public func size<T>(book: T, quick: T) -> T { scale == .book ? book : quick }

    /// The training and test images of `data`. Throws `DatasetError` (naming the file) when the directory
    /// is missing or malformed.
    public func images() throws -> BookImages {
        switch data {
        case .synthetic(let count):
            let train = SyntheticImages.make(count: count, seed: seed)
            let test = SyntheticImages.make(count: Swift.max(1, count / 5), seed: seed &+ 1)
            return BookImages(train: train, test: test, title: data.title)
        case .directory(let path):
            if path == DatasetDirectory.defaultPath && !FileManager.default.fileExists(atPath: path) {
                throw DatasetError.missingFile(path: path + " (install Debian's dataset-fashion-mnist with scripts/setup.sh, "
                                                   + "or pass --data DIR or --data synthetic)")
            }
            let directory = try DatasetDirectory(path: path)
            return BookImages(train: directory.train, test: directory.test, title: data.title)
        }
    }
}

/// Bad outside input to an experiment that is not a dataset or checkpoint problem.
public enum BookError: Error, Equatable, CustomStringConvertible {
    /// An experiment needs a file it was not given (e.g. `ch03-inference` without the book's weights).
    case missingInput(experiment: String, what: String)
    /// A weights file holds something the experiment cannot use.
    case badWeights(path: String, reason: String)

    /// One line naming the experiment or file and the problem.
    public var description: String {
        switch self {
        case .missingInput(let experiment, let what): "book \(experiment): \(what)"
        case .badWeights(let path, let reason): "\(path): \(reason)"
        }
    }
}
