import BackpropCharts
import BackpropCore
import BackpropTraining

extension BookCatalog {
    /// The data experiments of chapters 6 and 8 (figures 6-9, 6-15, 6-19 to 6-24, §8.1.1, §8.3.4):
    /// `optimizers-data`, `weight-init-data`, `batch-norm`, `overfit`, `dropout`, `hyperparameters`,
    /// `misclassified`, `half-float`. Their files sit in `Sources/Backprop/Book/`; this list is theirs
    /// alone, `BookCatalog.all` sorts it in.
    public static let dataExperiments: [any BookExperiment] = [
        OptimizersDataExperiment(),
        WeightInitDataExperiment(),
        BatchNormExperiment(),
        OverfitExperiment(),
        DropoutExperiment(),
        HyperparametersExperiment(),
        MisclassifiedExperiment(),
        HalfFloatExperiment(),
    ]
}
