import Backprop
import Foundation
import Testing

/// `CSVTable`: classes from the target column, features standardised with the training split's mean and
/// standard deviation, a fixed split, and bad cells named by row and column.
@Suite struct CSVTableTests {
    private func write(_ text: String, _ directory: String, _ name: String = "table.csv") throws -> String {
        let path = DataFixtures.join(directory, name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func featuresAreStandardisedWithTheTrainingSplitsStatistics() throws {
        try DataFixtures.withScratchDirectory("csv") { directory in
            let rows = (0..<10).map { i in "\(i),\"\(i % 2 == 0 ? "x, even" : "y")\",\(10 * i + 3)" }
            let path = try write("a,kind,b\n" + rows.joined(separator: "\n") + "\n", directory)
            let table = try CSVTable(path: path, target: "kind", testSplit: 0.2)
            #expect(table.train.count == 8 && table.test.count == 2 && table.classNames == ["x, even", "y"])
            #expect(table.scaling.columns == ["a", "b"] && table.train.featureNames == ["a", "b"])
            let n = Double(table.train.count)
            for j in 0..<2 {
                let column = (0..<table.train.count).map { table.train.features[2 * $0 + j] }
                let mean = column.reduce(0, +) / n, variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n
                #expect(abs(mean) < 1e-12 && abs(variance - 1) < 1e-12)
            }
            // Test rows use the training statistics: unscaled, they are the file's rows.
            for r in 0..<table.test.count {
                let a = table.test.features[2 * r] * table.scaling.standardDeviation[0] + table.scaling.mean[0]
                let b = table.test.features[2 * r + 1] * table.scaling.standardDeviation[1] + table.scaling.mean[1]
                #expect(abs(b - (10 * a + 3)) < 1e-9 && abs(a - a.rounded()) < 1e-9)
                #expect(table.test.labels[r] == Int(a.rounded()) % 2)
            }
            let again = try CSVTable(path: path, target: "kind", testSplit: 0.2)
            #expect(again.test.features == table.test.features)
        }
    }

    @Test func aNumericTargetIsARegressionStandardisedLikeTheFeatures() throws {
        try DataFixtures.withScratchDirectory("csv-numeric") { directory in
            let path = try write("f,c\n1,10\n2,9\n3,2\n4,10\n5,9\n6,2\n", directory)
            let table = try CSVTable(path: path, target: "c", testSplit: 0.3)
            #expect(table.isRegression && table.classNames.isEmpty && table.train.classes == 1)
            let targets = (table.train.targets ?? []).map(table.scaling.unscaleTarget)
            #expect(targets.allSatisfy { [2, 9, 10].contains($0.rounded()) && abs($0 - $0.rounded()) < 1e-9 })
            let mean = (table.train.targets ?? []).reduce(0, +) / Double(table.train.count)
            #expect(abs(mean) < 1e-12)
            var slot: Tensor<Float>?
            table.train.targetTensor([0, 1], into: &slot)
            #expect(slot?.shape == [2, 1])
        }
    }

    @Test func badCellsNameTheRowAndColumn() throws {
        try DataFixtures.withScratchDirectory("csv-bad") { directory in
            let cases: [(String, String, String)] = [
                ("a,b,c\n1,2,x\n3,4\n5,6,y\n", "table.csv, row 3: 2 cells, but the header has 3 columns", "c"),
                ("a,b,c\n1,2,x\n3,four,y\n",
                 "table.csv, row 3, column \"b\": \"four\" is not a number (feature columns must be numeric)", "c"),
                ("a,b,c\n1,,x\n", "table.csv, row 2, column \"b\": empty cell in a numeric column", "c"),
                ("a,b,c\n1,2,x\n", "table.csv, column \"label\": no such column (the header has a, b, c)", "label"),
            ]
            for (text, message, target) in cases {
                let path = try write(text, directory)
                do {
                    _ = try CSVTable(path: path, target: target)
                    Issue.record("accepted: \(text)")
                } catch let error as DatasetError {
                    #expect(error.description.hasSuffix(message), "\(error)")
                    #expect(error.description.hasPrefix(path))
                }
            }
            let train = try write("a,c\n1,x\n2,y\n", directory, "train.csv")
            let test = try write("a,c\n1,x\n2,z\n", directory, "test.csv")
            #expect(throws: DatasetError.badTable(path: test, row: 3, column: nil,
                                                  problem: "class \"z\" is not among the training classes (x, y)")) {
                try CSVTable(path: train, target: "c", testPath: test)
            }
        }
    }
}
