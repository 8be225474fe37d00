import BackpropCore
import Foundation

/// The file formats `MetricsWriter` can produce for a training history.
public enum MetricsFormat: String, Sendable, Equatable, CaseIterable {
    /// Comma-separated values with a header row: `epoch,iteration,loss,train_acc,test_acc,seconds,learning_rate`.
    case csv
    /// A JSON array of objects with the keys `epoch`, `iteration`, `loss`, `train_acc`, `test_acc`, `seconds`,
    /// `learning_rate`.
    case json

    /// The format named by the extension of `path` (`.csv` or `.json`, any letter case);
    /// nil for any other extension or none.
    public init?(path: String) {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        switch ext {
        case "csv": self = .csv
        case "json": self = .json
        default: return nil
        }
    }
}

/// Writes a training history (`[EpochRecord]`) as CSV or JSON, for spreadsheets and plotting scripts.
///
/// Numbers are printed with the shortest text that reads back as the same `Double` (full round-trip
/// precision); `epoch` is printed as an integer when it is whole. A NaN or infinite value is written
/// as `nan` / `inf` / `-inf` in CSV and as `null` in JSON (which has no such numbers). `learning_rate` is the
/// rate of the record's last step (`EpochRecord.learningRate`); a history saved before it was recorded has
/// `nan` (CSV) or `null` (JSON) there.
public enum MetricsWriter {
    /// The column names, in order; also the JSON keys.
    public static let columns = ["epoch", "iteration", "loss", "train_acc", "test_acc", "seconds", "learning_rate"]

    /// The text of `history` in `format`: for CSV a header line then one line per record; for JSON an
    /// array with one object per record (one per line). Both end with a newline.
    public static func encode(_ history: [EpochRecord], format: MetricsFormat) -> String {
        switch format {
        case .csv:
            var lines = [columns.joined(separator: ",")]
            for record in history {
                lines.append(fields(record, json: false).joined(separator: ","))
            }
            return lines.joined(separator: "\n") + "\n"
        case .json:
            guard !history.isEmpty else { return "[]\n" }
            let objects = history.map { record -> String in
                let pairs = zip(columns, fields(record, json: true)).map { "\"\($0)\": \($1)" }
                return "  {" + pairs.joined(separator: ", ") + "}"
            }
            return "[\n" + objects.joined(separator: ",\n") + "\n]\n"
        }
    }

    /// Writes `history` in `format` to `path` atomically (a temporary file renamed into place).
    public static func write(_ history: [EpochRecord], format: MetricsFormat, to path: String) throws {
        try writeAtomically(Array(encode(history, format: format).utf8), to: path)
    }

    /// The record's values as text, in `columns` order.
    private static func fields(_ r: EpochRecord, json: Bool) -> [String] {
        [number(r.epoch, json: json, integralAsInteger: true), String(r.iteration),
         number(r.loss, json: json), number(r.trainAccuracy, json: json),
         number(r.testAccuracy, json: json), number(r.seconds, json: json), number(r.learningRate ?? .nan, json: json)]
    }

    /// Shortest round-trip text of `value` (Swift's `description`), e.g. `0.1`, `1e-05`, `2.0`.
    static func number(_ value: Double, json: Bool, integralAsInteger: Bool = false) -> String {
        guard value.isFinite else {
            if json { return "null" }
            return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf")
        }
        if integralAsInteger, value == value.rounded(), Swift.abs(value) < 1e15 {
            return String(Int64(value))
        }
        return value.description
    }
}
