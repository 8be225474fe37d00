/// Every opcode of Python's pickle protocols 0–5 (CPython's `Lib/pickletools.py` lists them), so that an
/// error can name what it met. Only those in `allowed` are ever interpreted (see `Unpickler`).
enum PickleOpcode: UInt8, CaseIterable {
    case int = 0x49  // INT, protocol 0
    case binint = 0x4A  // BININT, protocol 1
    case binint1 = 0x4B  // BININT1, protocol 1
    case binint2 = 0x4D  // BININT2, protocol 1
    case long = 0x4C  // LONG, protocol 0
    case long1 = 0x8A  // LONG1, protocol 2
    case long4 = 0x8B  // LONG4, protocol 2
    case string = 0x53  // STRING, protocol 0
    case binstring = 0x54  // BINSTRING, protocol 1
    case shortBinstring = 0x55  // SHORT_BINSTRING, protocol 1
    case binbytes = 0x42  // BINBYTES, protocol 3
    case shortBinbytes = 0x43  // SHORT_BINBYTES, protocol 3
    case binbytes8 = 0x8E  // BINBYTES8, protocol 4
    case bytearray8 = 0x96  // BYTEARRAY8, protocol 5
    case nextBuffer = 0x97  // NEXT_BUFFER, protocol 5
    case readonlyBuffer = 0x98  // READONLY_BUFFER, protocol 5
    case none = 0x4E  // NONE, protocol 0
    case newtrue = 0x88  // NEWTRUE, protocol 2
    case newfalse = 0x89  // NEWFALSE, protocol 2
    case unicode = 0x56  // UNICODE, protocol 0
    case shortBinunicode = 0x8C  // SHORT_BINUNICODE, protocol 4
    case binunicode = 0x58  // BINUNICODE, protocol 1
    case binunicode8 = 0x8D  // BINUNICODE8, protocol 4
    case float = 0x46  // FLOAT, protocol 0
    case binfloat = 0x47  // BINFLOAT, protocol 1
    case emptyList = 0x5D  // EMPTY_LIST, protocol 1
    case append = 0x61  // APPEND, protocol 0
    case appends = 0x65  // APPENDS, protocol 1
    case list = 0x6C  // LIST, protocol 0
    case emptyTuple = 0x29  // EMPTY_TUPLE, protocol 1
    case tuple = 0x74  // TUPLE, protocol 0
    case tuple1 = 0x85  // TUPLE1, protocol 2
    case tuple2 = 0x86  // TUPLE2, protocol 2
    case tuple3 = 0x87  // TUPLE3, protocol 2
    case emptyDict = 0x7D  // EMPTY_DICT, protocol 1
    case dict = 0x64  // DICT, protocol 0
    case setitem = 0x73  // SETITEM, protocol 0
    case setitems = 0x75  // SETITEMS, protocol 1
    case emptySet = 0x8F  // EMPTY_SET, protocol 4
    case additems = 0x90  // ADDITEMS, protocol 4
    case frozenset = 0x91  // FROZENSET, protocol 4
    case pop = 0x30  // POP, protocol 0
    case dup = 0x32  // DUP, protocol 0
    case mark = 0x28  // MARK, protocol 0
    case popMark = 0x31  // POP_MARK, protocol 1
    case get = 0x67  // GET, protocol 0
    case binget = 0x68  // BINGET, protocol 1
    case longBinget = 0x6A  // LONG_BINGET, protocol 1
    case put = 0x70  // PUT, protocol 0
    case binput = 0x71  // BINPUT, protocol 1
    case longBinput = 0x72  // LONG_BINPUT, protocol 1
    case memoize = 0x94  // MEMOIZE, protocol 4
    case ext1 = 0x82  // EXT1, protocol 2
    case ext2 = 0x83  // EXT2, protocol 2
    case ext4 = 0x84  // EXT4, protocol 2
    case global = 0x63  // GLOBAL, protocol 0
    case stackGlobal = 0x93  // STACK_GLOBAL, protocol 4
    case reduce = 0x52  // REDUCE, protocol 0
    case build = 0x62  // BUILD, protocol 0
    case inst = 0x69  // INST, protocol 0
    case obj = 0x6F  // OBJ, protocol 1
    case newobj = 0x81  // NEWOBJ, protocol 2
    case newobjEx = 0x92  // NEWOBJ_EX, protocol 4
    case proto = 0x80  // PROTO, protocol 2
    case stop = 0x2E  // STOP, protocol 0
    case frame = 0x95  // FRAME, protocol 4
    case persid = 0x50  // PERSID, protocol 0
    case binpersid = 0x51  // BINPERSID, protocol 1

    /// The opcode as Python spells it (`BINUNICODE`, `REDUCE`, …).
    var name: String {
        switch self {
        case .int: "INT"
        case .binint: "BININT"
        case .binint1: "BININT1"
        case .binint2: "BININT2"
        case .long: "LONG"
        case .long1: "LONG1"
        case .long4: "LONG4"
        case .string: "STRING"
        case .binstring: "BINSTRING"
        case .shortBinstring: "SHORT_BINSTRING"
        case .binbytes: "BINBYTES"
        case .shortBinbytes: "SHORT_BINBYTES"
        case .binbytes8: "BINBYTES8"
        case .bytearray8: "BYTEARRAY8"
        case .nextBuffer: "NEXT_BUFFER"
        case .readonlyBuffer: "READONLY_BUFFER"
        case .none: "NONE"
        case .newtrue: "NEWTRUE"
        case .newfalse: "NEWFALSE"
        case .unicode: "UNICODE"
        case .shortBinunicode: "SHORT_BINUNICODE"
        case .binunicode: "BINUNICODE"
        case .binunicode8: "BINUNICODE8"
        case .float: "FLOAT"
        case .binfloat: "BINFLOAT"
        case .emptyList: "EMPTY_LIST"
        case .append: "APPEND"
        case .appends: "APPENDS"
        case .list: "LIST"
        case .emptyTuple: "EMPTY_TUPLE"
        case .tuple: "TUPLE"
        case .tuple1: "TUPLE1"
        case .tuple2: "TUPLE2"
        case .tuple3: "TUPLE3"
        case .emptyDict: "EMPTY_DICT"
        case .dict: "DICT"
        case .setitem: "SETITEM"
        case .setitems: "SETITEMS"
        case .emptySet: "EMPTY_SET"
        case .additems: "ADDITEMS"
        case .frozenset: "FROZENSET"
        case .pop: "POP"
        case .dup: "DUP"
        case .mark: "MARK"
        case .popMark: "POP_MARK"
        case .get: "GET"
        case .binget: "BINGET"
        case .longBinget: "LONG_BINGET"
        case .put: "PUT"
        case .binput: "BINPUT"
        case .longBinput: "LONG_BINPUT"
        case .memoize: "MEMOIZE"
        case .ext1: "EXT1"
        case .ext2: "EXT2"
        case .ext4: "EXT4"
        case .global: "GLOBAL"
        case .stackGlobal: "STACK_GLOBAL"
        case .reduce: "REDUCE"
        case .build: "BUILD"
        case .inst: "INST"
        case .obj: "OBJ"
        case .newobj: "NEWOBJ"
        case .newobjEx: "NEWOBJ_EX"
        case .proto: "PROTO"
        case .stop: "STOP"
        case .frame: "FRAME"
        case .persid: "PERSID"
        case .binpersid: "BINPERSID"
        }
    }

    /// The opcodes that pickles of NumPy array dicts use (protocols 2–4; see
    /// `../shared/book-weights/README.md`), plus the few a dict of arrays may also need: SETITEM (a dict
    /// of one array), EMPTY_TUPLE (a 0-d array's shape), LONG_BINPUT/LONG_BINGET (more than 256 memo
    /// entries), BINBYTES8, EMPTY_LIST/APPEND/APPENDS (the object array `np.save` writes for a dict),
    /// BINSTRING/SHORT_BINSTRING (Python 2's byte strings).
    static let allowed: Set<PickleOpcode> = [
        .proto, .frame, .emptyDict, .emptyList, .emptyTuple, .mark,
        .setitem, .setitems, .append, .appends, .binput, .longBinput,
        .memoize, .binget, .longBinget, .global, .stackGlobal, .binunicode,
        .shortBinunicode, .binstring, .shortBinstring, .binint, .binint1, .binint2,
        .binbytes, .shortBinbytes, .binbytes8, .none, .newtrue, .newfalse,
        .tuple, .tuple1, .tuple2, .tuple3, .reduce, .build,
        .stop,
    ]
}
