/// NumPy's type descriptors as pickles and `.npy` headers spell them ('<f4', '>f8', 'f8', '|O', …):
/// which of them Backprop reads, and a readable name for the others.
enum NumPyTypeCode {
    /// The element type and byte order ('<', '>', '|', '=' or nil when absent) of a descriptor, or nil
    /// unless it is float32, float64 or object.
    static func parse(_ descr: String) -> (element: NumPyDType.Element, byteOrder: Character?)? {
        var code = Substring(descr)
        var order: Character?
        if let first = code.first, "<>|=".contains(first) {
            order = first
            code = code.dropFirst()
        }
        switch code {
        case "f4", "f", "float32": return (.float32, order)
        case "f8", "d", "float64", "float": return (.float64, order)
        case "O", "O8", "O4", "object": return (.object, order)
        default: return nil
        }
    }

    /// The descriptor with NumPy's name for it, e.g. "'<i8' (int64)".
    static func describe(_ descr: String) -> String {
        var code = Substring(descr)
        if let first = code.first, "<>|=".contains(first) { code = code.dropFirst() }
        let kinds: [Character: String] = ["b": "bool", "i": "int", "u": "uint", "f": "float", "c": "complex",
                                          "O": "object", "U": "str", "S": "bytes", "V": "void",
                                          "M": "datetime64", "m": "timedelta64"]
        guard let kind = code.first, let name = kinds[kind] else { return "'\(descr)'" }
        let digits = code.dropFirst()
        if ["i", "u", "f", "c"].contains(kind), let size = Int(digits) {
            return "'\(descr)' (\(name)\(size * 8))"
        }
        return "'\(descr)' (\(name))"
    }
}
