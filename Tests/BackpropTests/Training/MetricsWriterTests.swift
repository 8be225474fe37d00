import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct MetricsWriterTests {
    let history = [
        EpochRecord(epoch: 1, iteration: 600, loss: 0.1, trainAccuracy: 0.9123, testAccuracy: 1.0 / 3.0, seconds: 12),
        EpochRecord(epoch: 2.5, iteration: 1500, loss: 1e-5, trainAccuracy: 0.95, testAccuracy: 0.94, seconds: 30.25,
                    learningRate: 0.025),
    ]

    @Test func formatFromPath() {
        #expect(MetricsFormat(path: "run.csv") == .csv)
        #expect(MetricsFormat(path: "/tmp/out/Run.JSON") == .json)
        #expect(MetricsFormat(path: "metrics.Csv") == .csv)
        #expect(MetricsFormat(path: "metrics.txt") == nil)
        #expect(MetricsFormat(path: "metrics") == nil)
        #expect(MetricsFormat(path: "csv") == nil)
        #expect(MetricsFormat(path: "dir.csv/metrics") == nil)
    }

    @Test func csvExact() {
        let text = MetricsWriter.encode(history, format: .csv)
        #expect(text == """
            epoch,iteration,loss,train_acc,test_acc,seconds,learning_rate
            1,600,0.1,0.9123,0.3333333333333333,12.0,nan
            2.5,1500,1e-05,0.95,0.94,30.25,0.025

            """)
    }

    @Test func csvRoundTrips() {
        let values = [Double.pi, 1.0 / 3.0, 0.1 + 0.2, 1e-300, 123456789.123456789, Double.leastNonzeroMagnitude]
        let records = values.enumerated().map { i, v in
            EpochRecord(epoch: v, iteration: i, loss: v, trainAccuracy: v, testAccuracy: v, seconds: v, learningRate: v)
        }
        let lines = MetricsWriter.encode(records, format: .csv).split(separator: "\n")
        #expect(lines.count == values.count + 1)
        for (i, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",")
            #expect(fields.count == 7)
            #expect(Int(fields[1]) == i)
            for k in [0, 2, 3, 4, 5, 6] { #expect(Double(fields[k]) == values[i]) }
        }
    }

    @Test func nonFiniteValues() {
        let records = [EpochRecord(epoch: 0, iteration: 0, loss: .nan, trainAccuracy: .infinity,
                                   testAccuracy: -.infinity, seconds: 0)]
        #expect(MetricsWriter.encode(records, format: .csv).split(separator: "\n")[1] == "0,0,nan,inf,-inf,0.0,nan")
        let json = MetricsWriter.encode(records, format: .json)
        #expect(json.contains("\"loss\": null"))
        #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil)
    }

    @Test func jsonParsesBack() throws {
        let json = MetricsWriter.encode(history, format: .json)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        #expect(parsed.count == 2)
        for (object, record) in zip(parsed, history) {
            #expect(Set(object.keys) == Set(MetricsWriter.columns))
            #expect((object["epoch"] as? NSNumber)?.doubleValue == record.epoch)
            #expect((object["iteration"] as? NSNumber)?.intValue == record.iteration)
            #expect((object["loss"] as? NSNumber)?.doubleValue == record.loss)
            #expect((object["train_acc"] as? NSNumber)?.doubleValue == record.trainAccuracy)
            #expect((object["test_acc"] as? NSNumber)?.doubleValue == record.testAccuracy)
            #expect((object["seconds"] as? NSNumber)?.doubleValue == record.seconds)
            #expect((object["learning_rate"] as? NSNumber)?.doubleValue == record.learningRate)
        }
        #expect(json.hasPrefix("[\n  {\"epoch\": 1, \"iteration\": 600, \"loss\": 0.1, "))
    }

    @Test func emptyHistory() throws {
        #expect(MetricsWriter.encode([], format: .csv) == "epoch,iteration,loss,train_acc,test_acc,seconds,learning_rate\n")
        let json = MetricsWriter.encode([], format: .json)
        #expect((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [Any])?.isEmpty == true)
    }

    @Test func writesAtomically() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("MetricsWriterTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for format in MetricsFormat.allCases {
            let path = dir.appendingPathComponent("metrics.\(format.rawValue)").path
            try MetricsWriter.write(history, format: format, to: path)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == MetricsWriter.encode(history, format: format))
            #expect(MetricsFormat(path: path) == format)
        }
        // Only the two files: no temporary files left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["metrics.csv", "metrics.json"])
    }

    @Test func replacesAnExistingFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("MetricsWriterTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("metrics.csv").path
        try MetricsWriter.write(Array(history.prefix(1)), format: .csv, to: path)
        // Writing again replaces the file (atomically, by rename).
        try MetricsWriter.write(history, format: .csv, to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == MetricsWriter.encode(history, format: .csv))
    }
}
