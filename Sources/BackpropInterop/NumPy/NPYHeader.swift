/// The header of a `.npy` file: a Python dict literal with exactly the keys `descr` (the dtype),
/// `fortran_order` and `shape`, padded with spaces and a newline. Parsed as leniently as NumPy's own
/// reader (`ast.literal_eval`): any order of keys, either quote style, any whitespace, trailing commas,
/// and for versions 1.0 and 2.0 the `L` suffix Python 2 gave long integers.
struct NPYHeader: Equatable {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// The literal NumPy writes: `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    var literal: String {
        let extents = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        return "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': (\(extents)), }"
    }

    /// Parses a header's text; throws a reason (for `InteropError.badNPY`).
    static func parse(_ text: String, allowLongSuffix: Bool) throws(HeaderProblem) -> NPYHeader {
        var parser = LiteralParser(text: Array(text.unicodeScalars), allowLongSuffix: allowLongSuffix)
        let value = try parser.parseDocument()
        guard case .dict(let entries) = value else { throw HeaderProblem("the header is not a dict") }
        var fields: [String: LiteralParser.Value] = [:]
        for (key, value) in entries {
            guard case .string(let name) = key else { throw HeaderProblem("the header has a key that is not a string") }
            fields[name] = value
        }
        guard Set(fields.keys) == ["descr", "fortran_order", "shape"] else {
            throw HeaderProblem("the header's keys are \(fields.keys.sorted()), not descr, fortran_order and shape")
        }
        guard case .tuple(let extents) = fields["shape"]! else { throw HeaderProblem("shape is not a tuple") }
        var shape: [Int] = []
        for extent in extents {
            guard case .int(let n) = extent, n >= 0 else { throw HeaderProblem("shape holds something other than a size") }
            shape.append(n)
        }
        guard case .bool(let fortran) = fields["fortran_order"]! else { throw HeaderProblem("fortran_order is not True or False") }
        switch fields["descr"]! {
        case .string(let descr): return NPYHeader(descr: descr, fortranOrder: fortran, shape: shape)
        case .list, .tuple: throw HeaderProblem("descr is a structured dtype; only float32 and float64 arrays are supported")
        default: throw HeaderProblem("descr is not a dtype")
        }
    }
}

/// What is wrong with a header, as one phrase.
struct HeaderProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The Python literals a header may use: dicts, tuples, lists, strings, integers, True, False, None.
struct LiteralParser {
    indirect enum Value {
        case dict([(Value, Value)])
        case tuple([Value])
        case list([Value])
        case string(String)
        case int(Int)
        case bool(Bool)
        case none
    }

    /// Brackets nest at most this deep.
    static let maximumDepth = 16

    let text: [Unicode.Scalar]
    let allowLongSuffix: Bool
    var index = 0
    var depth = 0

    init(text: [Unicode.Scalar], allowLongSuffix: Bool) {
        self.text = text
        self.allowLongSuffix = allowLongSuffix
    }

    /// One value, with only whitespace around it.
    mutating func parseDocument() throws(HeaderProblem) -> Value {
        let value = try parseValue()
        skipWhitespace()
        guard index == text.count else { throw HeaderProblem("unexpected text after the dict at character \(index)") }
        return value
    }

    mutating func skipWhitespace() {
        while index < text.count, [" ", "\t", "\n", "\r", "\u{0C}"].contains(text[index]) { index += 1 }
    }

    mutating func parseValue() throws(HeaderProblem) -> Value {
        skipWhitespace()
        guard index < text.count else { throw HeaderProblem("the header ends inside the dict") }
        let c = text[index]
        switch c {
        case "{", "(", "[":
            guard depth < Self.maximumDepth else { throw HeaderProblem("brackets nested more than \(Self.maximumDepth) deep") }
            depth += 1
            defer { depth -= 1 }
            index += 1
            return c == "{" ? try parseDict() : try parseSequence(closing: c == "(" ? ")" : "]")
        case "'", "\"": return .string(try parseString())
        case "-", "+", "0"..."9": return .int(try parseInteger())
        default:
            // Python 2's u'…' strings.
            if c == "u" || c == "U", index + 1 < text.count, text[index + 1] == "'" || text[index + 1] == "\"" {
                index += 1
                return .string(try parseString())
            }
            for (word, value) in [("True", Value.bool(true)), ("False", .bool(false)), ("None", .none)]
            where text[index...].starts(with: word.unicodeScalars) {
                index += word.unicodeScalars.count
                return value
            }
            throw HeaderProblem("unexpected character '\(c)' at character \(index)")
        }
    }

    /// After '{': `key: value` pairs separated by commas, an optional trailing comma, '}'.
    mutating func parseDict() throws(HeaderProblem) -> Value {
        var entries: [(Value, Value)] = []
        while true {
            skipWhitespace()
            if index < text.count, text[index] == "}" { index += 1; return .dict(entries) }
            let key = try parseValue()
            skipWhitespace()
            guard index < text.count, text[index] == ":" else { throw HeaderProblem("expected ':' at character \(index)") }
            index += 1
            entries.append((key, try parseValue()))
            skipWhitespace()
            guard index < text.count else { throw HeaderProblem("the header ends inside the dict") }
            if text[index] == "," { index += 1 } else if text[index] != "}" {
                throw HeaderProblem("expected ',' or '}' at character \(index)")
            }
        }
    }

    /// After '(' or '[': values separated by commas up to `closing`. `(x)` without a comma is x itself.
    mutating func parseSequence(closing: Unicode.Scalar) throws(HeaderProblem) -> Value {
        var items: [Value] = []
        var sawComma = false
        while true {
            skipWhitespace()
            if index < text.count, text[index] == closing {
                index += 1
                if closing == ")" { return items.count == 1 && !sawComma ? items[0] : .tuple(items) }
                return .list(items)
            }
            items.append(try parseValue())
            skipWhitespace()
            guard index < text.count else { throw HeaderProblem("the header ends inside a bracket") }
            if text[index] == "," { index += 1; sawComma = true } else if text[index] != closing {
                throw HeaderProblem("expected ',' or '\(closing)' at character \(index)")
            }
        }
    }

    /// A quoted string with the escapes \\ \' \" \n \t.
    mutating func parseString() throws(HeaderProblem) -> String {
        let quote = text[index]
        index += 1
        var result = String.UnicodeScalarView()
        while index < text.count {
            let c = text[index]
            index += 1
            if c == quote { return String(result) }
            if c == "\n" { break }
            if c == "\\", index < text.count {
                let escaped = text[index]
                index += 1
                switch escaped {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "\\", "'", "\"": result.append(escaped)
                default: result.append("\\"); result.append(escaped)
                }
            } else {
                result.append(c)
            }
        }
        throw HeaderProblem("a string is not closed")
    }

    /// A decimal integer (underscores between digits allowed, as Python), with Python 2's `L` suffix
    /// when `allowLongSuffix`.
    mutating func parseInteger() throws(HeaderProblem) -> Int {
        var negative = false
        if text[index] == "-" || text[index] == "+" {
            negative = text[index] == "-"
            index += 1
            skipWhitespace()
        }
        var value = 0
        var digits = 0
        while index < text.count, let digit = Int(String(text[index])), ("0"..."9").contains(text[index]) {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw HeaderProblem("an integer is too large") }
            value = sum
            digits += 1
            index += 1
            if index + 1 < text.count, text[index] == "_", ("0"..."9").contains(text[index + 1]) { index += 1 }
        }
        guard digits > 0 else { throw HeaderProblem("a sign without digits at character \(index)") }
        if allowLongSuffix, index < text.count, text[index] == "L" || text[index] == "l" { index += 1 }
        return negative ? -value : value
    }
}
