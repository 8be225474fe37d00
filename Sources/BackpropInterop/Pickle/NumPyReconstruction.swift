/// What REDUCE and BUILD do with the NumPy globals, reproduced without calling anything:
///
/// - `_reconstruct(numpy.ndarray, (0,), b'b')` makes an empty array; BUILD gives it
///   `(version, shape, dtype, is_fortran, raw bytes)` (or the same without the version).
/// - `numpy.dtype('f4' | 'f8' | 'O8', align, copy)` makes a dtype; BUILD gives it
///   `(3 or 4, byte order, subarray, names, fields, elsize, alignment, flags[, metadata])`, of which
///   the byte order is kept and subarray, names and fields must be None (no structured dtypes).
/// - `_codecs.encode(text, 'latin1')` (how protocol 2 spells bytes) gives the text's code points as bytes.
extension Unpickler {
    mutating func reduce(_ callable: PickleValue, _ arguments: PickleValue) throws -> PickleValue {
        guard case .global(let global) = callable else {
            throw fail("it calls \(callable.kindName); only NumPy's constructors are called")
        }
        guard case .tuple(let arguments) = arguments else {
            throw fail("the arguments of \(global.qualifiedName) are \(arguments.kindName), not a tuple")
        }
        let items = arguments.items
        switch global {
        case .reconstruct:
            guard items.count == 3, case .global(.ndarray) = items[0], case .tuple = items[1] else {
                throw fail("\(global.qualifiedName) is called with \(describe(items)) instead of (numpy.ndarray, shape, type code)")
            }
            return .array(NumPyArrayObject())
        case .ndarray:
            throw fail("numpy.ndarray is only passed to _reconstruct, never called")
        case .dtype:
            guard (1...3).contains(items.count), let code = items[0].text else {
                throw fail("numpy.dtype is called with \(describe(items)) instead of (type code, align, copy)")
            }
            guard let (element, _) = NumPyTypeCode.parse(code) else {
                throw PickleError.unsupportedDType(path: path, offset: opcodeOffset, dtype: NumPyTypeCode.describe(code))
            }
            return .dtype(NumPyDType(element: element))
        case .latin1Encode:
            guard items.count == 2, case .string(let text) = items[0], let encoding = items[1].text,
                  ["latin1", "latin-1", "iso-8859-1", "iso8859-1"].contains(encoding.lowercased()) else {
                throw fail("_codecs.encode is called with \(describe(items)) instead of (text, 'latin1')")
            }
            let count = text.unicodeScalars.count
            guard count <= budget else { throw limit("copies of the file's data would exceed its size") }
            budget -= count
            var data: [UInt8] = []
            data.reserveCapacity(count)
            for scalar in text.unicodeScalars {
                guard scalar.value < 256 else {
                    throw fail("the text has a character beyond latin-1 (U+\(String(scalar.value, radix: 16)))")
                }
                data.append(UInt8(scalar.value))
            }
            return .bytes(data[...])
        }
    }

    /// BUILD: sets the state of the array or dtype on top of the stack.
    mutating func build(_ target: PickleValue, state: PickleValue) throws {
        guard case .tuple(let tuple) = state else { throw fail("the state is \(state.kindName), not a tuple") }
        switch target {
        case .dtype(let dtype): try build(dtype, tuple.items)
        case .array(let array): try build(array, tuple.items)
        default: throw fail("it sets the state of \(target.kindName); only arrays and dtypes are built")
        }
    }

    private func build(_ dtype: NumPyDType, _ items: [PickleValue]) throws {
        guard items.count == 8 || items.count == 9, let version = items[0].integer, version == 3 || version == 4,
              let order = items[1].text, order.count == 1, "<>|=".contains(order) else {
            throw fail("the state of numpy.dtype is \(describe(items)) instead of "
                       + "(3, byte order, None, None, None, size, alignment, flags)")
        }
        for i in 2...4 {
            guard case .none = items[i] else {
                throw PickleError.unsupportedDType(path: path, offset: opcodeOffset, dtype: "with fields or a subarray")
            }
        }
        dtype.byteOrder = order.first
    }

    private func build(_ array: NumPyArrayObject, _ state: [PickleValue]) throws {
        guard !array.isBuilt else { throw fail("the array was already built") }
        var items = state
        if items.count == 5 {
            guard items[0].integer == 1 else { throw fail("array state version \(items[0].kindName), not 1") }
            items.removeFirst()
        }
        guard items.count == 4, case .tuple(let shapeTuple) = items[0], case .dtype(let dtype) = items[1],
              let fortran = items[2].integer else {
            throw fail("the state of numpy.ndarray is \(describe(state)) instead of (1, shape, dtype, is_fortran, data)")
        }
        var shape: [Int] = []
        var count = 1
        for extent in shapeTuple.items {
            guard let n = extent.integer, n >= 0 else { throw fail("the shape holds \(extent.kindName) instead of a size") }
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow, product <= Int.max / 8 else { throw fail("shape \(shapeText(shapeTuple)) is larger than any file") }
            shape.append(n)
            count = product
        }
        switch dtype.element {
        case .float32, .float64:
            guard case .bytes(let data) = items[3] else { throw fail("the data of a float array is \(items[3].kindName), not bytes") }
            let size = dtype.element == .float32 ? 4 : 8
            guard data.count == count * size else {
                let element = dtype.element == .float32 ? "float32" : "float64"
                throw fail("shape \(shapeText(shapeTuple)) of \(element) needs \(count * size) bytes, the pickle holds \(data.count)")
            }
            array.data = data
        case .object:
            guard case .list(let list) = items[3], list.items.count == count else {
                throw fail("the data of an object array of shape \(shapeText(shapeTuple)) is \(items[3].kindName), not a list of \(count)")
            }
            array.objectItems = list.items
        }
        array.shape = shape
        array.fortranOrder = fortran != 0
        array.dtype = dtype
    }

    private func describe(_ items: [PickleValue]) -> String {
        "(" + items.map(\.kindName).joined(separator: ", ") + ")"
    }

    private func shapeText(_ shape: PickleTuple) -> String {
        "(" + shape.items.map { $0.integer.map(String.init) ?? $0.kindName }.joined(separator: ", ") + (shape.items.count == 1 ? ",)" : ")")
    }
}
