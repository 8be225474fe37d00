extension Unpickler {
    /// Runs the pickle to its STOP and returns the value it leaves. The first opcode must be PROTO 2–4,
    /// STOP must leave exactly one value and be the last byte.
    mutating func run() throws -> PickleValue {
        var first = true
        while true {
            opcodeOffset = position
            guard position < end else {
                throw PickleError.truncated(path: path, offset: position, opcode: "STOP", needed: 1, remaining: 0)
            }
            let byte = bytes[position]
            position += 1
            guard let op = PickleOpcode(rawValue: byte) else {
                throw PickleError.unknownOpcode(path: path, offset: opcodeOffset, byte: byte)
            }
            opcode = op
            if first, op != .proto {
                throw PickleError.unsupportedProtocol(path: path, offset: opcodeOffset, protocol: -1)
            }
            guard PickleOpcode.allowed.contains(op) else {
                throw PickleError.forbiddenOpcode(path: path, offset: opcodeOffset, opcode: op.name)
            }
            if op == .stop { return try stop() }
            try step(op, first: first)
            first = false
        }
    }

    private mutating func stop() throws -> PickleValue {
        guard marks.isEmpty else { throw fail("a MARK is still open") }
        let result = try pop()
        guard stack.isEmpty else { throw fail("\(stack.count) values are left on the stack") }
        guard position == end else { throw fail("\(end - position) bytes follow the end of the pickle") }
        return result
    }

    /// Runs one opcode other than STOP.
    private mutating func step(_ op: PickleOpcode, first: Bool) throws {
        switch op {
        case .proto:
            let version = Int(try readUnsigned(1))
            guard first else { throw fail("PROTO appears after the start") }
            guard (2...4).contains(version) else {
                throw PickleError.unsupportedProtocol(path: path, offset: opcodeOffset, protocol: version)
            }
        case .frame:
            _ = try readLength(8)  // a hint for buffered readers; the bytes follow as ordinary opcodes
        case .emptyDict: try push(.dict(PickleDict()))
        case .emptyList: try push(.list(PickleList()))
        case .emptyTuple: try push(.tuple(PickleTuple([])))
        case .mark:
            guard marks.count < Self.maximumMarks else { throw limit("more than \(Self.maximumMarks) MARKs open") }
            marks.append(stack.count)
        case .setitem:
            let value = try pop()
            let key = try pop()
            try setItems([key, value])
        case .setitems: try setItems(try popToMark())
        case .append: try append([try pop()])
        case .appends: try append(try popToMark())
        case .binput: try memoize(at: Int(try readUnsigned(1)))
        case .longBinput: try memoize(at: Int(try readUnsigned(4)))
        case .memoize: try memoize(at: memo.count)
        case .binget: try recall(Int(try readUnsigned(1)))
        case .longBinget: try recall(Int(try readUnsigned(4)))
        case .global:
            let module = try readLine()
            let name = try readLine()
            try push(.global(try global(module: module, name: name)))
        case .stackGlobal:
            let name = try pop()
            let module = try pop()
            guard case .string(let nameText) = name, case .string(let moduleText) = module else {
                throw fail("it needs two strings, found \(module.kindName) and \(name.kindName)")
            }
            try push(.global(try global(module: moduleText, name: nameText)))
        case .binunicode: try push(.string(try readString(length: try readLength(4))))
        case .shortBinunicode: try push(.string(try readString(length: try readLength(1))))
        case .binstring:
            let length = Int32(bitPattern: UInt32(try readUnsigned(4)))
            guard length >= 0 else { throw fail("negative length \(length)") }
            guard Int(length) <= remaining else {
                throw PickleError.lengthTooLarge(path: path, offset: opcodeOffset, opcode: op.name, length: UInt64(length),
                                                 remaining: remaining)
            }
            try push(.bytes(try read(Int(length))))
        case .shortBinstring: try push(.bytes(try read(try readLength(1))))
        case .binbytes: try push(.bytes(try read(try readLength(4))))
        case .shortBinbytes: try push(.bytes(try read(try readLength(1))))
        case .binbytes8: try push(.bytes(try read(try readLength(8))))
        case .binint: try push(.int(Int(Int32(bitPattern: UInt32(try readUnsigned(4))))))
        case .binint1: try push(.int(Int(try readUnsigned(1))))
        case .binint2: try push(.int(Int(try readUnsigned(2))))
        case .none: try push(.none)
        case .newtrue: try push(.bool(true))
        case .newfalse: try push(.bool(false))
        case .tuple: try push(try tuple(try popToMark()))
        case .tuple1, .tuple2, .tuple3:
            let count = op == .tuple1 ? 1 : op == .tuple2 ? 2 : 3
            var items: [PickleValue] = []
            for _ in 0..<count { items.append(try pop()) }
            try push(try tuple(items.reversed()))
        case .reduce:
            let arguments = try pop()
            let callable = try pop()
            try push(try reduce(callable, arguments))
        case .build:
            let state = try pop()
            try build(stack[try topIndex()], state: state)
        default:
            throw PickleError.forbiddenOpcode(path: path, offset: opcodeOffset, opcode: op.name)
        }
    }

    /// The allowed global for `module.name`, or the error that refuses it.
    private func global(module: String, name: String) throws -> NumPyGlobal {
        guard let global = NumPyGlobal(module: module, name: name) else {
            throw PickleError.forbiddenGlobal(path: path, offset: opcodeOffset, module: module, name: name)
        }
        return global
    }
}
