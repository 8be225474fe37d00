/// A value on the unpickler's stack or in its memo. Only what NumPy array pickles hold: no Python object
/// is ever created, and the callables (`NumPyGlobal`) are names the unpickler interprets itself.
///
/// Containment is restricted so that the values form no cycles and no deep chains (which would recurse
/// when freed): tuples are immutable and their depth is capped when built; a dict holds only plain
/// values (`isPlain`: no list, dict, object array or array not yet built), a list plain values or such
/// dicts; an object array holds the items of one such list. Lists and dicts are values, changed in place
/// on the stack by APPEND and SETITEMS.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    case string(String)
    /// Raw bytes (BINBYTES, or Python 2's BINSTRING), a slice of the file's own bytes.
    case bytes(ArraySlice<UInt8>)
    case tuple(PickleTuple)
    case list(PickleList)
    case dict(PickleDict)
    case global(NumPyGlobal)
    case dtype(NumPyDType)
    case array(NumPyArrayObject)

    /// How deeply containers nest inside this value (0 for a scalar).
    var depth: Int {
        switch self {
        case .tuple(let t): t.depth
        case .list(let l): l.depth
        case .dict(let d): d.depth
        case .array(let a): a.objectItems == nil ? 0 : 3
        default: 0
        }
    }

    /// Holds no list, dict or object array: safe to keep anywhere.
    var isPlain: Bool {
        switch self {
        case .tuple(let t): t.isPlain
        case .list, .dict: false
        case .array(let a): a.isBuilt && a.objectItems == nil
        default: true
        }
    }

    /// A short name of the kind of value, for messages ("a tuple", "None", …).
    var kindName: String {
        switch self {
        case .none: "None"
        case .bool: "a bool"
        case .int: "an int"
        case .string: "a string"
        case .bytes: "bytes"
        case .tuple(let t): "a tuple of \(t.items.count)"
        case .list: "a list"
        case .dict: "a dict"
        case .global(let g): g.qualifiedName
        case .dtype: "a numpy.dtype"
        case .array: "a numpy.ndarray"
        }
    }

    /// Text from a str, or from ASCII bytes (Python 2 pickles spell names and codes as byte strings).
    var text: String? {
        switch self {
        case .string(let s): return s
        case .bytes(let b) where b.allSatisfy({ $0 < 0x80 }): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }

    /// An int, or a bool as Python's 0/1 (the dtype constructor's flags come either way).
    var integer: Int? {
        switch self {
        case .int(let i): i
        case .bool(let b): b ? 1 : 0
        default: nil
        }
    }
}

/// An immutable tuple with its nesting depth, fixed when it is built.
struct PickleTuple {
    let items: [PickleValue]
    let depth: Int
    let isPlain: Bool

    init(_ items: [PickleValue]) {
        self.items = items
        depth = 1 + (items.map(\.depth).max() ?? 0)
        isPlain = items.allSatisfy(\.isPlain)
    }
}

/// A list (only object arrays' data uses one): plain values or dicts.
struct PickleList {
    var items: [PickleValue] = []
    var depth = 1
}

/// A dict as its (key, value) pairs in order; later keys replace earlier ones when it is read.
struct PickleDict {
    struct Entry {
        var key: PickleValue
        var value: PickleValue
    }

    var pairs: [Entry] = []
    var depth = 1
}

/// The callables a NumPy array pickle names, which the unpickler interprets itself (nothing is imported).
enum NumPyGlobal: Equatable {
    /// `numpy.core.multiarray._reconstruct` (NumPy 1) or `numpy._core.multiarray._reconstruct` (NumPy 2):
    /// makes an empty array that BUILD then fills.
    case reconstruct(module: String)
    /// `numpy.ndarray`, the class `_reconstruct` is asked to make.
    case ndarray
    /// `numpy.dtype`: makes a dtype that BUILD then gives its byte order.
    case dtype
    /// `_codecs.encode`: how Python 3 spells bytes at protocol 2 (`encode(text, 'latin1')`); read as the
    /// text's code points, each one byte.
    case latin1Encode

    /// The global as `module.name`.
    var qualifiedName: String {
        switch self {
        case .reconstruct(let module): "\(module)._reconstruct"
        case .ndarray: "numpy.ndarray"
        case .dtype: "numpy.dtype"
        case .latin1Encode: "_codecs.encode"
        }
    }

    /// The global for `module.name`, or nil for everything else.
    init?(module: String, name: String) {
        switch (module, name) {
        case ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"):
            self = .reconstruct(module: module)
        case ("numpy", "ndarray"): self = .ndarray
        case ("numpy", "dtype"): self = .dtype
        case ("_codecs", "encode"): self = .latin1Encode
        default: return nil
        }
    }

    /// What the error message lists as allowed.
    static let allowedNames = "numpy.core.multiarray._reconstruct, numpy._core.multiarray._reconstruct, numpy.ndarray, "
        + "numpy.dtype, _codecs.encode"
}

/// A `numpy.dtype` being unpickled: its type from the constructor, its byte order from BUILD (shared by
/// reference, as the memo shares it in Python).
final class NumPyDType {
    enum Element { case float32, float64, object }
    let element: Element
    /// '<', '>', '|' or '='; nil until BUILD sets it (then native order, as NumPy assumes).
    var byteOrder: Character?

    init(element: Element) { self.element = element }

    var isBigEndian: Bool { byteOrder == ">" }
}

/// A `numpy.ndarray` being unpickled: empty after `_reconstruct`, filled by BUILD.
final class NumPyArrayObject {
    var shape: [Int] = []
    var dtype: NumPyDType?
    var fortranOrder = false
    /// The raw element bytes of a float array, in the file's byte order and the array's memory order.
    var data: ArraySlice<UInt8>?
    /// The elements of an object array (what `np.save` writes for a dict).
    var objectItems: [PickleValue]?

    var isBuilt: Bool { dtype != nil }
}
