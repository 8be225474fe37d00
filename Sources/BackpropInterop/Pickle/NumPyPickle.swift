import Backprop
import Foundation

/// The book's weight files: Python pickles of a dict from names to NumPy float arrays
/// (`pickle.dump(params, f)`), read by the restricted `Unpickler` — safe on any file, since nothing in
/// it is ever run. Also reads the object array `np.save` writes for a dict (see `NPY`).
///
///     let params = try NumPyPickle.readArrays(path: "ch03_sample_weight.pkl")   // ["W1": (784, 50) F32, …]
public enum NumPyPickle {
    /// The arrays of a pickle file, by key, as little-endian C-order tensors. Throws `PickleError`.
    public static func readArrays(path: String) throws -> [String: StoredTensor] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            let exists = FileManager.default.fileExists(atPath: path)
            throw PickleError.unreadable(path: path, reason: exists ? fileErrorReason(error, path: path) : "file not found")
        }
        return try arrays(fromPickle: [UInt8](data), path: path)
    }

    /// The arrays of the pickle in `bytes[range]` (the whole of `bytes` by default); `path` names the
    /// file in errors, whose offsets count from the start of `bytes`.
    public static func arrays(fromPickle bytes: [UInt8], range: Range<Int>? = nil, path: String) throws -> [String: StoredTensor] {
        var unpickler = Unpickler(bytes: bytes, range: range, path: path)
        let value = try unpickler.run()
        var pairs: [PickleDict.Entry]
        switch value {
        case .dict(let dict): pairs = dict.pairs
        case .array(let array) where array.objectItems != nil:
            // np.save(file, dict): a 0-d object array holding the dict.
            guard let items = array.objectItems, array.shape.isEmpty, case .dict(let dict) = items[0] else {
                throw PickleError.notArrayDict(path: path, reason: "it holds an object array of shape \(array.shape), not one dict")
            }
            pairs = dict.pairs
        default:
            throw PickleError.notArrayDict(path: path, reason: "it holds \(value.kindName)")
        }
        var budget = range?.count ?? bytes.count
        var result: [String: StoredTensor] = [:]
        for entry in pairs {
            let (key, value) = (entry.key, entry.value)
            guard let name = key.text else { throw PickleError.notArrayDict(path: path, reason: "a key is \(key.kindName), not a string") }
            guard case .array(let array) = value, let dtype = array.dtype, let data = array.data else {
                throw PickleError.notArrayDict(path: path, reason: "\"\(name)\" is \(value.kindName), not a float array")
            }
            // The same array under several keys would be copied once per key: keep the total to the file's size.
            guard data.count <= budget else {
                throw PickleError.notArrayDict(path: path,
                                               reason: "its arrays hold more bytes than the file (arrays repeated under several keys)")
            }
            budget -= data.count
            let size = dtype.element == .float32 ? 4 : 8
            let ordered = ArrayLayout.littleEndianCOrder(data, elementSize: size, shape: array.shape,
                                                         bigEndian: dtype.isBigEndian, fortranOrder: array.fortranOrder)
            result[name] = StoredTensor(dtype: size == 4 ? .f32 : .f64, shape: array.shape, bytes: ordered)
        }
        return result
    }
}
