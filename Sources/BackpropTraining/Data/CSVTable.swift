import BackpropCore
import Foundation
import SwiftCSV

/// A CSV table (`--data file.csv --target COLUMN`): parsed by SwiftCSV (quoting, embedded commas and
/// newlines), the first line naming the columns. A target column of numbers makes a regression (the
/// values standardised with the training split's mean and standard deviation); any other target column's
/// values are classes (their distinct values, sorted). Every other column is a numeric feature,
/// standardised with the training split's mean and standard deviation (`scaling`).
/// The test rows are `testPath`'s, else `testSplit` of the rows chosen by a shuffle with a fixed seed.
///
/// Rows are numbered as lines of the file (the header is row 1). A ragged row, an empty or non-numeric
/// feature cell, a missing target column — any bad cell throws a `DatasetError.badTable` naming the file,
/// the row and the column; nothing is half-read.
public struct CSVTable: Sendable {
    /// The CSV file read.
    public let path: String
    /// The target column's name.
    public let target: String
    /// The training rows, standardised (`scaling`).
    public let train: TableDataset
    /// The test rows, standardised with the training split's scaling.
    public let test: TableDataset
    /// The standardisation applied to both splits (the training split's, or the one given).
    public let scaling: FeatureScaling
    /// The classes: the target's distinct values, sorted (or the ones given); empty for a regression.
    public var classNames: [String] { train.classNames ?? [] }
    /// Whether the target is a number to predict rather than a class.
    public var isRegression: Bool { train.isRegression }

    /// Files larger than this (1 GiB) are refused without reading them.
    public static let maximumFileBytes = 1 << 30

    /// Reads `path` (and `testPath`). `scaling` and `classNames`, when given (from a checkpoint), are used
    /// instead of the ones the training rows would give, so that evaluation sees what training saw.
    public init(path: String, target: String, testPath: String? = nil, testSplit: Double = 0.1,
                scaling: FeatureScaling? = nil, classNames: [String]? = nil) throws {
        let table = try Self.read(path)
        guard let targetIndex = table.header.firstIndex(of: target) else {
            throw DatasetError.badTable(path: path, row: nil, column: target,
                                        problem: "no such column (the header has \(table.header.joined(separator: ", ")))")
        }
        let featureColumns = table.header.indices.filter { $0 != targetIndex }
        guard !featureColumns.isEmpty else {
            throw DatasetError.badTable(path: path, row: nil, column: nil, problem: "no feature columns besides the target")
        }
        var (features, values, rows) = try Self.parse(table, path: path, featureColumns: featureColumns, target: targetIndex)
        var testFeatures: [Double] = [], testValues: [String] = [], testRows: [Int] = []
        if let testPath {
            let other = try Self.read(testPath)
            guard other.header == table.header else {
                throw DatasetError.badTable(path: testPath, row: 1, column: nil, problem: "its columns differ from \(path)'s")
            }
            (testFeatures, testValues, testRows) = try Self.parse(other, path: testPath, featureColumns: featureColumns,
                                                                  target: targetIndex)
        } else {
            let isTest = try Self.split(values.count, share: testSplit, path: path)
            let n = featureColumns.count
            for i in values.indices where isTest[i] {
                testFeatures += features[(i * n)..<((i + 1) * n)]
                testValues.append(values[i])
                testRows.append(rows[i])
            }
            let keep = values.indices.filter { !isTest[$0] }
            features = keep.flatMap { features[($0 * n)..<(($0 + 1) * n)] }
            (values, rows) = (keep.map { values[$0] }, keep.map { rows[$0] })
        }
        let columnNames = featureColumns.map { table.header[$0] }
        let regression = scaling?.targetMean != nil || (classNames == nil && values.allSatisfy { Double($0)?.isFinite == true })
        var newScaling = FeatureScaling(columns: columnNames, features: features, rows: values.count)
        if regression { newScaling.scaleTargets(values.compactMap(Double.init)) }
        let scaling = scaling ?? newScaling
        self.path = path
        self.target = target
        self.scaling = scaling
        if regression {
            train = try Self.regressionSet(scaling.apply(features), values, rows, scaling: scaling, path: path)
            test = try Self.regressionSet(scaling.apply(testFeatures), testValues, testRows, scaling: scaling, path: testPath ?? path)
            return
        }
        let names = classNames ?? Self.classNames(values)
        self.train = try Self.dataset(scaling.apply(features), values, rows, classNames: names, columns: columnNames, path: path)
        self.test = try Self.dataset(scaling.apply(testFeatures), testValues, testRows, classNames: names, columns: columnNames,
                                     path: testPath ?? path)
    }

    /// A regression dataset of standardised `features` and the `values` standardised by `scaling`;
    /// throws naming the row of a value that is not a number.
    static func regressionSet(_ features: [Double], _ values: [String], _ rows: [Int], scaling: FeatureScaling,
                              path: String) throws -> TableDataset {
        let targets = try zip(values, rows).map { value, row in
            guard let number = Double(value), number.isFinite else {
                throw DatasetError.badTable(path: path, row: row, column: nil, problem: "target \"\(value)\" is not a number")
            }
            return scaling.scaleTarget(number)
        }
        return TableDataset(features: features, targets: targets, featureCount: scaling.columns.count, featureNames: scaling.columns)
    }
}
