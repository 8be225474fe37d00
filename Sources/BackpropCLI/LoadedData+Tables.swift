import ArgumentParser
import Backprop
import Foundation

/// How `LoadedData.load` reads your own data: image folders (`ImageFolderOptions`) and CSV tables (the
/// target column, a test file or split, and — from a checkpoint — the standardisation and classes to keep).
struct DataOptions {
    var folder = ImageFolderOptions()
    var target: String?
    var testFile: String?
    var testSplit: Double?
    var scaling: FeatureScaling?
    var classNames: [String]?

    init() {}

    /// The options of a training run's configuration.
    init(_ configuration: TrainingConfiguration) {
        folder = configuration.imageFolderOptions
        target = configuration.target
        testFile = configuration.testFile
        testSplit = configuration.testSplit
    }

    /// The options a checkpoint was trained with: its configuration's, with the standardisation and class
    /// names it stored (metadata `feature_scaling`, `class_names`).
    init(_ saved: CheckpointContents) {
        if let configuration = saved.configuration { self.init(configuration) } else { self.init() }
        let metadata = saved.file.metadata
        scaling = metadata["feature_scaling"].flatMap { try? JSONDecoder().decode(FeatureScaling.self, from: Data($0.utf8)) }
        classNames = metadata["class_names"].flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) }
    }
}

extension LoadedData {
    /// Whether the data is a CSV table with a numeric target.
    var isRegression: Bool { (train as? TableDataset)?.isRegression ?? false }

    /// The test split's RMSE and R² of a regression network (nil unless the data is a regression table).
    func regressionMetrics<Scalar: TensorScalar>(_ network: Network<Scalar>) -> RegressionMetrics? {
        guard let test = test as? TableDataset, test.isRegression, test.count > 0, let featureScaling else { return nil }
        return RegressionMetrics(network, on: test, scaling: featureScaling)
    }

    /// Reads the CSV table at `path` (`CSVTable`): --target names the class column (a usage error without it).
    static func loadTable(_ path: String, trainLimit: Int?, options: DataOptions) throws -> LoadedData {
        guard let target = options.target else {
            throw usageFailure("--data \(path): a CSV table needs --target COLUMN (the column holding the class)")
        }
        let table = try CSVTable(path: path, target: target, testPath: options.testFile,
                                 testSplit: options.testSplit ?? ImageFolderOptions.defaultTestSplit,
                                 scaling: options.scaling, classNames: options.classNames)
        let train = trainLimit.map { table.train.prefix($0) } ?? table.train
        return LoadedData(train: train, test: table.test, name: path, classNames: table.classNames, featureScaling: table.scaling)
    }
}
