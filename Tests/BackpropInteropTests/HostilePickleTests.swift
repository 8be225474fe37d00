import Backprop
@testable import BackpropInterop
import Foundation
import Testing

/// Pickles that would run code, lie about lengths, nest without end or break off: each is refused with
/// a typed error naming the file, the byte offset and the opcode, and nothing is allocated for them.
@Suite("Interop: hostile pickles")
struct HostilePickleTests {
    static func parse(_ bytes: [UInt8]) throws -> [String: StoredTensor] {
        try NumPyPickle.arrays(fromPickle: bytes, path: "evil.pkl")
    }

    @Test("a global that would call os.system is refused before anything is called")
    func osSystem() {
        var p = PickleBytes()
        p.global("os", "system")          // offset 2
        p.unicode("touch /tmp/backprop-pwned")
        p.op(0x85)                         // TUPLE1
        p.op(0x52)                         // REDUCE
        p.op(0x2E)                         // STOP
        #expect(throws: PickleError.forbiddenGlobal(path: "evil.pkl", offset: 2, module: "os", name: "system")) { try Self.parse(p.bytes) }
        var stacked = PickleBytes(protocol: 4)
        stacked.unicode("builtins")
        stacked.unicode("eval")
        stacked.op(0x93)                   // STACK_GLOBAL at offset 2 + 10 + 6
        #expect(throws: PickleError.forbiddenGlobal(path: "evil.pkl", offset: 18, module: "builtins", name: "eval")) {
            try Self.parse(stacked.bytes)
        }
        #expect(!FileManager.default.fileExists(atPath: "/tmp/backprop-pwned"))
    }

    @Test("unknown and forbidden opcodes are named with their offset")
    func opcodes() {
        #expect(throws: PickleError.unknownOpcode(path: "evil.pkl", offset: 2, byte: 0xFF)) { try Self.parse([0x80, 3, 0xFF]) }
        #expect(throws: PickleError.forbiddenOpcode(path: "evil.pkl", offset: 3, opcode: "INST")) { try Self.parse([0x80, 3, 0x28, 0x69]) }
        #expect(throws: PickleError.forbiddenOpcode(path: "evil.pkl", offset: 2, opcode: "PERSID")) { try Self.parse([0x80, 2, 0x50]) }
        #expect(throws: PickleError.unsupportedProtocol(path: "evil.pkl", offset: 0, protocol: 5)) { try Self.parse([0x80, 5, 0x7D, 0x2E]) }
        #expect(throws: PickleError.unsupportedProtocol(path: "evil.pkl", offset: 0, protocol: -1)) {
            try Self.parse(Array("(dp0\n.".utf8))
        }
    }

    @Test("a declared length beyond the file is refused without allocating it")
    func hugeLengths() {
        let binbytes: [UInt8] = [0x80, 3, 0x42] + PickleBytes.littleEndian(0xFFFF_FFF0, 4) + [0, 0]
        #expect(throws: PickleError.lengthTooLarge(path: "evil.pkl", offset: 2, opcode: "BINBYTES", length: 0xFFFF_FFF0, remaining: 2)) {
            try Self.parse(binbytes)
        }
        let binbytes8: [UInt8] = [0x80, 4, 0x8E] + PickleBytes.littleEndian(1 << 40, 8)
        #expect(throws: PickleError.lengthTooLarge(path: "evil.pkl", offset: 2, opcode: "BINBYTES8", length: 1 << 40, remaining: 0)) {
            try Self.parse(binbytes8)
        }
        let frame: [UInt8] = [0x80, 4, 0x95] + PickleBytes.littleEndian(UInt64.max, 8)
        #expect(throws: PickleError.lengthTooLarge(path: "evil.pkl", offset: 2, opcode: "FRAME", length: UInt64.max, remaining: 0)) {
            try Self.parse(frame)
        }
        let unicode: [UInt8] = [0x80, 3, 0x58] + PickleBytes.littleEndian(1 << 31, 4)
        #expect(throws: PickleError.self) { try Self.parse(unicode) }
    }

    @Test("deep nesting stops at the caps, without recursion", arguments: [
        ([UInt8](repeating: 0x28, count: 100_000), "more than 64 MARKs open"),                          // MARK × 100,000
        ([0x4E] + [UInt8](repeating: 0x85, count: 100_000), "values nested more than 32 deep"),         // NONE, TUPLE1 × 100,000
        ([UInt8](repeating: 0x4E, count: 200_000), "more than 100000 values on the stack"),              // NONE × 200,000
        ([0x7D, 0x5D, 0x5D, 0x73], "a dict of arrays holds arrays, numbers and strings, not a list"),  // {, [, [, SETITEM
    ])
    func nesting(_ body: [UInt8], _ reason: String) {
        #expect { try Self.parse([0x80, 3] + body + [0x2E]) } throws: { "\($0)".contains(reason) }
    }

    @Test("opcodes out of order are refused", arguments: [
        ([0x62], "BUILD: the stack is empty"),                            // BUILD first
        ([0x4E, 0x75], "SETITEMS: no MARK before it"),                    // NONE, SETITEMS
        ([0x7D, 0x28, 0x4E, 0x75], "SETITEMS: an odd number of values"),  // {, MARK, NONE, SETITEMS
        ([0x4E, 0x28, 0x4E, 0x4E, 0x75], "SETITEMS: it needs a dict"),    // NONE, MARK, NONE, NONE, SETITEMS
        ([0x68, 0x07], "BINGET: memo entry 7 was never stored"),
        ([0x4E, 0x4E, 0x52], "REDUCE: it calls None"),
        ([0x7D, 0x4E], "STOP: 1 values are left on the stack"),
        ([0x7D, 0x28], "STOP: a MARK is still open"),
        ([0x80, 0x03, 0x7D], "PROTO: PROTO appears after the start"),
        ([0x7D, 0x2E, 0x4E], "STOP: 1 bytes follow the end of the pickle"),
        ([0x4E], "not a dict of NumPy float arrays: it holds None"),
    ])
    func outOfOrder(_ body: [UInt8], _ reason: String) {
        let bytes = [0x80, 3] + body + (body.contains(0x2E) ? [] : [0x2E])
        #expect { try Self.parse(bytes) } throws: { "\($0)".contains(reason) }
    }

    @Test("a truncated book pickle is refused at every cut", arguments: [1, 2, 100, 20_000, 181_000, 181_852])
    func truncated(_ length: Int) throws {
        guard let path = InteropFixtures.bookFile("ch03_sample_weight.pkl") else { return }
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(length))
        #expect(throws: PickleError.self) { try NumPyPickle.arrays(fromPickle: bytes, path: "cut.pkl") }
    }

    @Test("an int64 dtype, a shape the data does not fill, and one array under many keys are refused")
    func lyingArrays() throws {
        guard let path = InteropFixtures.bookFile("ch03_sample_weight.pkl") else { return }
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var int64 = original
        let f4 = try #require(Self.find(Array("f4".utf8), in: int64))
        int64[f4] = UInt8(ascii: "i")
        int64[f4 + 1] = UInt8(ascii: "8")
        #expect(throws: PickleError.unsupportedDType(path: "i8.pkl", offset: f4 + 7 + 4, dtype: "'i8' (int64)")) {
            try NumPyPickle.arrays(fromPickle: int64, path: "i8.pkl")
        }
        // b2's shape (100,) spelled BININT1 100 at offset 89: make it 101.
        var longer = original
        #expect(longer[89] == 0x4B && longer[90] == 100)
        longer[90] = 101
        #expect { try NumPyPickle.arrays(fromPickle: longer, path: "long.pkl") } throws: { error in
            "\(error)".contains("shape (101,) of float32 needs 404 bytes, the pickle holds 400")
        }
        // One 1 kB array under 2,000 keys (BINGET each): more than the file's size in arrays.
        #expect { try Self.parse(Self.repeatedArray(keys: 2_000)) } throws: { "\($0)".contains("its arrays hold more bytes than the file") }
        // The same with one key reads.
        #expect(try Self.parse(Self.repeatedArray(keys: 1))
                == ["W0": StoredTensor(dtype: .f32, shape: [250], bytes: [UInt8](repeating: 0, count: 1000))])
    }

    /// A dict whose `keys` keys all name one float32 array of 250 zeros (memoised once, then BINGET).
    static func repeatedArray(keys: Int) -> [UInt8] {
        var p = PickleBytes()
        p.op(0x7D)                                                            // EMPTY_DICT
        p.op(0x28)                                                            // MARK
        p.unicode("W0")
        p.global("numpy.core.multiarray", "_reconstruct")
        p.global("numpy", "ndarray")
        p.int(0); p.op(0x85); p.op(0x43, [1, 0x62]); p.op(0x87); p.op(0x52)   // (0,), b'b', TUPLE3, REDUCE
        p.op(0x28); p.int(1); p.int(250); p.op(0x85)                          // MARK 1 (250,)
        p.global("numpy", "dtype"); p.unicode("f4"); p.int(0); p.int(1); p.op(0x87); p.op(0x52)
        p.op(0x28); p.int(3); p.unicode("<"); p.op(0x4E); p.op(0x4E); p.op(0x4E); p.int(0); p.int(0); p.int(0)
        p.op(0x74); p.op(0x62)                                                // TUPLE, BUILD the dtype
        p.op(0x89); p.op(0x42, PickleBytes.littleEndian(1000, 4) + [UInt8](repeating: 0, count: 1000))
        p.op(0x74); p.op(0x62)                                                // TUPLE, BUILD the array
        p.op(0x71, [0])                                                       // BINPUT 0
        for i in 1..<keys { p.unicode("W\(i)"); p.op(0x68, [0]) }            // "Wi", BINGET 0
        p.op(0x75); p.op(0x2E)                                                // SETITEMS, STOP
        return p.bytes
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        (0...(haystack.count - needle.count)).first { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }
}
