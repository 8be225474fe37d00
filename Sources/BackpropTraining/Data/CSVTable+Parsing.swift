import BackpropCore
import Foundation
import SwiftCSV

/// Reading, checking and splitting the rows of a `CSVTable`.
extension CSVTable {
    /// The header and the rows of the CSV file at `path` (rows that are wholly empty dropped), each with
    /// its row number (the header is row 1).
    static func read(_ path: String) throws -> (header: [String], rows: [(number: Int, cells: [String])]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw DatasetError.missingFile(path: path)
        }
        let url = URL(fileURLWithPath: path)
        if let size = try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize, size > maximumFileBytes {
            throw DatasetError.tooLarge(path: path, claimedBytes: "a file of \(size) bytes; at most \(maximumFileBytes)")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw DatasetError.unreadable(path: path, reason: fileErrorReason(error, path: path))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw DatasetError.badTable(path: path, row: nil, column: nil, problem: "not UTF-8 text")
        }
        // The rows as parsed (EnumeratedCSV's `rows` pads short rows with empty cells, hiding a ragged row).
        final class Rows { var all: [[String]] = [] }
        let parsed = Rows()
        let csv: EnumeratedCSV
        do {
            csv = try EnumeratedCSV(string: text, delimiter: .comma, loadColumns: false, rowLimit: 1)
            try csv.enumerateAsArray(startAt: 1, rowLimit: nil) { parsed.all.append($0) }
        } catch {
            throw DatasetError.badTable(path: path, row: nil, column: nil, problem: "not valid CSV (\(error))")
        }
        guard !csv.header.isEmpty else { throw DatasetError.badTable(path: path, row: 1, column: nil, problem: "no header line") }
        let rows = parsed.all.enumerated().map { (number: $0.offset + 2, cells: $0.element) }
            .filter { !($0.cells.count <= 1 && ($0.cells.first ?? "").isEmpty) }
        guard !rows.isEmpty else { throw DatasetError.emptyDataset(path: path) }
        return (csv.header.map { $0.trimmingCharacters(in: .whitespaces) }, rows)
    }

    /// The feature values (row after row), the target's values and the row numbers of `table`; throws
    /// naming the row and column of the first ragged row, or empty or non-numeric feature cell.
    static func parse(_ table: (header: [String], rows: [(number: Int, cells: [String])]), path: String,
                      featureColumns: [Int], target: Int) throws -> ([Double], [String], [Int]) {
        var features: [Double] = [], values: [String] = []
        features.reserveCapacity(table.rows.count * featureColumns.count)
        for (number, cells) in table.rows {
            guard cells.count == table.header.count else {
                throw DatasetError.badTable(path: path, row: number, column: nil,
                                            problem: "\(cells.count) cells, but the header has \(table.header.count) columns")
            }
            for j in featureColumns {
                let cell = cells[j].trimmingCharacters(in: .whitespaces)
                guard let value = Double(cell), value.isFinite else {
                    let shown = cell.count > 40 ? String(cell.prefix(40)) + "…" : cell
                    throw DatasetError.badTable(path: path, row: number, column: table.header[j],
                                                problem: cell.isEmpty ? "empty cell in a numeric column"
                                                                      : "\"\(shown)\" is not a number (feature columns must be numeric)")
                }
                features.append(value)
            }
            let value = cells[target].trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else {
                throw DatasetError.badTable(path: path, row: number, column: table.header[target], problem: "empty target cell")
            }
            values.append(value)
        }
        return (features, values, table.rows.map(\.number))
    }

    /// The distinct target values, sorted: numerically when all are numbers, else as text.
    static func classNames(_ values: [String]) -> [String] {
        let distinct = Array(Set(values))
        if distinct.allSatisfy({ Double($0) != nil }) { return distinct.sorted { Double($0)! < Double($1)! } }
        return distinct.sorted()
    }

    /// Which of `count` rows are test rows: `share` of them (at least one, and one left to train on),
    /// chosen by a shuffle with a fixed seed.
    static func split(_ count: Int, share: Double, path: String) throws -> [Bool] {
        let testCount = Swift.max(1, Int((Double(count) * share).rounded()))
        guard count > testCount else {
            throw DatasetError.badTable(path: path, row: nil, column: nil,
                                        problem: "\(count) row(s): too few to hold out \(Int(share * 100))% for testing "
                                            + "and train on the rest")
        }
        var rng = SeededGenerator(seed: ImageFolderOptions.splitSeed)
        var isTest = [Bool](repeating: false, count: count)
        for i in rng.permutation(count).prefix(testCount) { isTest[i] = true }
        return isTest
    }

    /// A dataset of standardised `features` whose classes are `values` among `classNames`; throws naming
    /// the row of a class not among them (a test file's class that training never saw).
    static func dataset(_ features: [Double], _ values: [String], _ rows: [Int], classNames: [String], columns: [String],
                        path: String) throws -> TableDataset {
        var index: [String: Int] = [:]
        for (k, name) in classNames.enumerated() { index[name] = k }
        let labels = try zip(values, rows).map { value, row in
            guard let k = index[value] else {
                throw DatasetError.badTable(path: path, row: row, column: nil,
                                            problem: "class \"\(value)\" is not among the training classes "
                                                + "(\(classNames.joined(separator: ", ")))")
            }
            return k
        }
        return TableDataset(features: features, labels: labels, featureCount: columns.count, classes: classNames.count,
                            classNames: classNames, featureNames: columns)
    }
}
