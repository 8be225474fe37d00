/// A restricted unpickler: it reads the opcodes of `PickleOpcode.allowed` (what pickles of NumPy array
/// dicts use, protocols 2–4) and builds `PickleValue`s. It never imports or calls anything: the only
/// globals it accepts are the NumPy constructors of `NumPyGlobal`, whose effect it reproduces itself
/// (`NumPyReconstruction.swift`). Any other global or opcode is refused with a `PickleError` naming the
/// file, the byte offset and what was met.
///
/// Memory: every length is checked against the bytes that remain before anything is read, strings and
/// bytes are slices of the file or as long as their own bytes, and copies made from memoised values
/// (latin-1 data of protocol 2) draw on a budget of the file's size. Marks, stack, memo and nesting have
/// fixed caps far above what a dict of arrays needs.
struct Unpickler {
    /// At most this many MARKs open at once (a dict of arrays needs 3).
    static let maximumMarks = 64
    /// At most this many values on the stack (a dict of arrays needs a few dozen).
    static let maximumStack = 100_000
    /// At most this many memo entries (the book's pickles use fewer than 300).
    static let maximumMemo = 1_000_000
    /// Containers nest at most this deep (a dict of arrays: 4).
    static let maximumDepth = 32
    /// GLOBAL's module and name lines are at most this long.
    static let maximumLineLength = 256

    let bytes: [UInt8]
    let path: String
    let end: Int
    var position: Int
    var stack: [PickleValue] = []
    /// Stack heights where each open MARK was set.
    var marks: [Int] = []
    var memo: [Int: PickleValue] = [:]
    /// Bytes that copies of file data may still take (see the type's comment).
    var budget: Int
    /// Where the opcode being run starts, and which it is (for errors).
    var opcodeOffset = 0
    var opcode = PickleOpcode.proto

    /// An unpickler for `bytes[range]` (the whole file by default); offsets in errors count from the
    /// start of `bytes`, which is the file.
    init(bytes: [UInt8], range: Range<Int>? = nil, path: String) {
        self.bytes = bytes
        self.path = path
        let range = range ?? 0..<bytes.count
        position = range.lowerBound
        end = range.upperBound
        budget = range.count
    }

    var remaining: Int { end - position }

    /// An error about the current opcode.
    func fail(_ reason: String) -> PickleError {
        .malformed(path: path, offset: opcodeOffset, opcode: opcode.name, reason: reason)
    }

    func limit(_ what: String) -> PickleError {
        .limitExceeded(path: path, offset: opcodeOffset, opcode: opcode.name, what: what)
    }

    // MARK: - Reading the argument bytes

    mutating func read(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count <= remaining else {
            throw PickleError.truncated(path: path, offset: opcodeOffset, opcode: opcode.name, needed: count, remaining: remaining)
        }
        defer { position += count }
        return bytes[position..<(position + count)]
    }

    /// An unsigned little-endian integer of `size` bytes.
    mutating func readUnsigned(_ size: Int) throws -> UInt64 {
        var value: UInt64 = 0
        for (i, byte) in try read(size).enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
        return value
    }

    /// A length of `size` bytes, checked against the bytes that remain before it is used.
    mutating func readLength(_ size: Int) throws -> Int {
        let length = try readUnsigned(size)
        guard length <= UInt64(remaining) else {
            throw PickleError.lengthTooLarge(path: path, offset: opcodeOffset, opcode: opcode.name, length: length, remaining: remaining)
        }
        return Int(length)
    }

    /// A newline-terminated line (GLOBAL's module and name), without the newline.
    mutating func readLine() throws -> String {
        let limit = min(remaining, Self.maximumLineLength + 1)
        guard let newline = bytes[position..<(position + limit)].firstIndex(of: 0x0A) else {
            if limit == remaining {
                throw PickleError.truncated(path: path, offset: opcodeOffset, opcode: opcode.name, needed: remaining + 1,
                                            remaining: remaining)
            }
            throw fail("a line longer than \(Self.maximumLineLength) bytes")
        }
        let line = try read(newline - position)
        position += 1
        guard let text = String(validating: line, as: UTF8.self) else { throw fail("the line is not UTF-8") }
        return text
    }

    /// A UTF-8 string of `length` bytes (BINUNICODE and SHORT_BINUNICODE).
    mutating func readString(length: Int) throws -> String {
        guard let text = String(validating: try read(length), as: UTF8.self) else { throw fail("the string is not valid UTF-8") }
        return text
    }

    // MARK: - The stack

    mutating func push(_ value: PickleValue) throws {
        guard stack.count < Self.maximumStack else { throw limit("more than \(Self.maximumStack) values on the stack") }
        stack.append(value)
    }

    mutating func pop() throws -> PickleValue {
        guard stack.count > (marks.last ?? 0) else {
            throw fail(stack.isEmpty ? "the stack is empty" : "nothing on the stack above the MARK")
        }
        return stack.removeLast()
    }

    /// The values above the last MARK, removing them and the mark.
    mutating func popToMark() throws -> [PickleValue] {
        guard let mark = marks.popLast() else { throw fail("no MARK before it") }
        defer { stack.removeSubrange(mark...) }
        return Array(stack[mark...])
    }

    /// The index of the top of the stack, which must lie above the last MARK.
    func topIndex() throws -> Int {
        guard stack.count > (marks.last ?? 0) else {
            throw fail(stack.isEmpty ? "the stack is empty" : "nothing on the stack above the MARK")
        }
        return stack.count - 1
    }

    func tuple(_ items: [PickleValue]) throws -> PickleValue {
        let tuple = PickleTuple(items)
        guard tuple.depth <= Self.maximumDepth else { throw limit("values nested more than \(Self.maximumDepth) deep") }
        return .tuple(tuple)
    }

    mutating func memoize(at index: Int) throws {
        let top = try topIndex()
        if memo[index] == nil {
            guard memo.count < Self.maximumMemo else { throw limit("more than \(Self.maximumMemo) memo entries") }
        }
        memo[index] = stack[top]
    }

    mutating func recall(_ index: Int) throws {
        guard let value = memo[index] else { throw fail("memo entry \(index) was never stored") }
        try push(value)
    }

    // MARK: - Containers

    /// Adds (key, value) pairs to the dict on top of the stack.
    mutating func setItems(_ items: [PickleValue]) throws {
        guard items.count % 2 == 0 else { throw fail("an odd number of values (\(items.count)) for key-value pairs") }
        let top = try topIndex()
        guard case .dict(var dict) = stack[top] else { throw fail("it needs a dict, found \(stack[top].kindName)") }
        stack[top] = .none  // so that `dict` is the only reference while it grows
        for i in stride(from: 0, to: items.count, by: 2) {
            let (key, value) = (items[i], items[i + 1])
            guard key.isPlain, value.isPlain else {
                throw fail("a dict of arrays holds arrays, numbers and strings, not \(key.isPlain ? value.kindName : key.kindName)")
            }
            dict.depth = max(dict.depth, 1 + key.depth, 1 + value.depth)
            guard dict.depth <= Self.maximumDepth else { throw limit("values nested more than \(Self.maximumDepth) deep") }
            dict.pairs.append(PickleDict.Entry(key: key, value: value))
        }
        stack[top] = .dict(dict)
    }

    /// Appends values to the list on top of the stack.
    mutating func append(_ items: [PickleValue]) throws {
        let top = try topIndex()
        guard case .list(var list) = stack[top] else { throw fail("it needs a list, found \(stack[top].kindName)") }
        stack[top] = .none
        for item in items {
            var isDict = false
            if case .dict = item { isDict = true }
            guard item.isPlain || isDict else { throw fail("a list of an object array holds no \(item.kindName)") }
            list.depth = max(list.depth, 1 + item.depth)
            guard list.depth <= Self.maximumDepth else { throw limit("values nested more than \(Self.maximumDepth) deep") }
            list.items.append(item)
        }
        stack[top] = .list(list)
    }
}
