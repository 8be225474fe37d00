import BackpropCharts
import BackpropCore
import BackpropTraining

/// What an experiment produced: the lines its script prints, the same results as values for `--json`,
/// and its figure.
public struct BookReport: Sendable {
    /// Printed one per line by `backprop book NAME`, in the book's format where the book prints them.
    public var lines: [String]
    /// Machine-readable results by name (`backprop book NAME --json` prints them as one JSON object).
    public var values: [String: BookValue]
    /// The figure, written by `--plot FILE.svg`; nil when the section draws none.
    public var plot: SVGDocument?

    /// A report of these lines, values and figure (all empty or nil by default).
    public init(lines: [String] = [], values: [String: BookValue] = [:], plot: SVGDocument? = nil) {
        self.lines = lines
        self.values = values
        self.plot = plot
    }
}

/// A JSON value: what `BookReport.values` holds. Literals work: `["loss": 0.93, "steps": 30, "name": "SGD"]`.
public indirect enum BookValue: Sendable, Equatable {
    case number(Double)
    case integer(Int)
    case string(String)
    case bool(Bool)
    case array([BookValue])
    case object([String: BookValue])

    /// An array of numbers.
    public static func numbers(_ values: [Double]) -> BookValue { .array(values.map(BookValue.number)) }

    /// An array of integers.
    public static func integers(_ values: [Int]) -> BookValue { .array(values.map(BookValue.integer)) }

    /// The rows of a matrix as arrays of numbers.
    public static func matrix(_ rows: [[Double]]) -> BookValue { .array(rows.map(numbers)) }

    /// The value as a number (integers too), or nil.
    public var number: Double? {
        switch self {
        case .number(let d): d
        case .integer(let i): Double(i)
        default: nil
        }
    }

    /// The elements of an array, or nil.
    public var array: [BookValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// The numbers of an array of numbers, or nil.
    public var numbers: [Double]? {
        guard let elements = array else { return nil }
        let numbers = elements.compactMap(\.number)
        return numbers.count == elements.count ? numbers : nil
    }

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> BookValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// JSON text on one line: object keys sorted, numbers in Swift's shortest round-trip form
    /// (non-finite ones as `null`), strings escaped.
    public var jsonText: String {
        switch self {
        case .number(let d): return d.isFinite ? "\(d)" : "null"
        case .integer(let i): return "\(i)"
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return jsonString(s)
        case .array(let elements): return "[" + elements.map(\.jsonText).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { jsonString($0) + ":" + members[$0]!.jsonText }
                .joined(separator: ",") + "}"
        }
    }
}

extension BookValue: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral, ExpressibleByStringLiteral,
                     ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    /// A floating-point literal as `.number`.
    public init(floatLiteral value: Double) { self = .number(value) }
    /// An integer literal as `.integer`.
    public init(integerLiteral value: Int) { self = .integer(value) }
    /// A string literal as `.string`.
    public init(stringLiteral value: String) { self = .string(value) }
    /// `true` or `false` as `.bool`.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array literal as `.array`.
    public init(arrayLiteral elements: BookValue...) { self = .array(elements) }
    /// A dictionary literal as `.object`; of repeated keys, the last one wins.
    public init(dictionaryLiteral elements: (String, BookValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
