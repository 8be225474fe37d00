import BackpropCharts
import BackpropCore
import BackpropTraining

/// Every experiment `backprop book` runs, in the book's order.
///
/// The list is put together from two parts so that two people can add experiments without touching
/// the same lines: `noDataExperiments` (this file: chapters 3, 4 and the parts of 6 that need no
/// dataset) and `dataExperiments` (`BookCatalog+Data.swift`: the experiments of chapters 6 and 8 that
/// train on or evaluate with images). `all` joins them and sorts by section. `ch03-inference` reads
/// the book's pickle through `BackpropInterop`, so it is added there: `BookCatalog.withBookWeights`
/// (what the CLI lists) is `all` plus it.
public enum BookCatalog {
    /// The experiments of this file.
    public static let noDataExperiments: [any BookExperiment] = [
        ActivationsExperiment(),
        NumericalDiffExperiment(),
        GradientExperiment(),
        GradientDescentExperiment(),
        SimpleNetExperiment(),
        TrainNumericalExperiment(),
        OptimizersExperiment(),
        WeightInitExperiment(),
    ]

    /// Every experiment of the `Backprop` library, sorted by section (stable: equal sections keep
    /// their order in the lists).
    public static var all: [any BookExperiment] { inBookOrder(noDataExperiments + dataExperiments) }

    /// The experiment called `name`, or nil.
    public static func experiment(named name: String, in list: [any BookExperiment] = all) -> (any BookExperiment)? {
        list.first { $0.name == name }
    }

    /// `experiments` sorted by section number ("§3.6.2" before "§4.3.2" before "§4.10"); stable.
    public static func inBookOrder(_ experiments: [any BookExperiment]) -> [any BookExperiment] {
        func key(_ section: String) -> [Int] {
            section.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
        }
        return experiments.enumerated().sorted { a, b in
            let (ka, kb) = (key(a.element.section), key(b.element.section))
            return ka == kb ? a.offset < b.offset : ka.lexicographicallyPrecedes(kb)
        }.map(\.element)
    }
}
