/// Why a pickle was refused. Every case names the file, and those met while reading name the byte
/// offset and the opcode; `description` is one line for the CLI to print.
public enum PickleError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case unreadable(path: String, reason: String)
    /// A global other than the NumPy array constructors (e.g. `os.system`).
    case forbiddenGlobal(path: String, offset: Int, module: String, name: String)
    /// A byte that is no pickle opcode at all.
    case unknownOpcode(path: String, offset: Int, byte: UInt8)
    /// A real pickle opcode that NumPy array dicts never use (INST, OBJ, PERSID, …).
    case forbiddenOpcode(path: String, offset: Int, opcode: String)
    /// A protocol other than 2, 3 or 4 (-1: no PROTO opcode at the start, so protocol 0 or 1 or no pickle).
    case unsupportedProtocol(path: String, offset: Int, protocol: Int)
    /// The file ends inside an opcode's argument, or before STOP.
    case truncated(path: String, offset: Int, opcode: String, needed: Int, remaining: Int)
    /// A declared length larger than the rest of the file (nothing is allocated for it).
    case lengthTooLarge(path: String, offset: Int, opcode: String, length: UInt64, remaining: Int)
    /// Marks, stack, memo or containers beyond the limits a dict of arrays could need.
    case limitExceeded(path: String, offset: Int, opcode: String, what: String)
    /// An opcode met a stack it cannot work on (out of order, wrong types, missing MARK, …).
    case malformed(path: String, offset: Int, opcode: String, reason: String)
    /// A NumPy dtype other than float32 and float64 (e.g. int64).
    case unsupportedDType(path: String, offset: Int, dtype: String)
    /// The unpickled value is not a dict of float arrays (names the key when one value is at fault).
    case notArrayDict(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .forbiddenGlobal(let path, let offset, let module, let name):
            return "\(path): byte \(offset): GLOBAL \(module).\(name) is not allowed "
                + "(a pickle of NumPy arrays names only \(NumPyGlobal.allowedNames)); nothing was run"
        case .unknownOpcode(let path, let offset, let byte):
            return "\(path): byte \(offset): 0x\(String(byte, radix: 16, uppercase: true)) is not a pickle opcode"
        case .forbiddenOpcode(let path, let offset, let opcode):
            return "\(path): byte \(offset): opcode \(opcode) is not allowed in a pickle of NumPy arrays"
        case .unsupportedProtocol(let path, _, let version) where version < 0:
            return "\(path): not a pickle of protocol 2, 3 or 4 (it does not start with the PROTO opcode)"
        case .unsupportedProtocol(let path, let offset, let version):
            return "\(path): byte \(offset): pickle protocol \(version) is not supported (only 2, 3 and 4)"
        case .truncated(let path, let offset, let opcode, let needed, let remaining):
            return "\(path): byte \(offset): truncated: \(opcode) needs \(needed) more bytes, the file has \(remaining)"
        case .lengthTooLarge(let path, let offset, let opcode, let length, let remaining):
            return "\(path): byte \(offset): \(opcode) declares \(length) bytes, only \(remaining) remain in the file"
        case .limitExceeded(let path, let offset, let opcode, let what):
            return "\(path): byte \(offset): \(opcode): \(what)"
        case .malformed(let path, let offset, let opcode, let reason):
            return "\(path): byte \(offset): \(opcode): \(reason)"
        case .unsupportedDType(let path, let offset, let dtype):
            return "\(path): byte \(offset): dtype \(dtype) is not supported (only float32 and float64 arrays)"
        case .notArrayDict(let path, let reason):
            return "\(path): not a dict of NumPy float arrays: \(reason)"
        }
    }
}
