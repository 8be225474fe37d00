import Backprop
@testable import BackpropInterop
import Foundation
import Testing

/// `.npy`, `.npz` and pickles against NumPy itself (Python/npy_fixtures.py): float32/float64, both byte
/// orders, Fortran order, 0-d and empty arrays, NaN/inf/-0/subnormals, versions 1.0–3.0, npz stored and
/// deflated, np.save of a dict, pickles of protocols 2, 3 and 4 — bit for bit in both directions.
@Suite("Interop: NumPy round trips")
struct NumPyRoundTripTests {
    /// NumPy's fixture files in a fresh folder, with the table of cases (name → (dtype, shape)).
    static func makeFixtures() throws -> (directory: String, cases: [String: (dtype: StoredTensor.DType, shape: [Int])])? {
        let directory = try InteropFixtures.temporaryDirectory()
        guard try InteropFixtures.python("npy_fixtures.py", ["make", directory]) != nil else { return nil }
        let data = try Data(contentsOf: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("cases.json")))
        let table = try JSONSerialization.jsonObject(with: data) as! [String: [Any]]
        var cases: [String: (dtype: StoredTensor.DType, shape: [Int])] = [:]
        for (name, entry) in table {
            cases[name] = (entry[0] as! String == "float32" ? .f32 : .f64, (entry[1] as! [NSNumber]).map(\.intValue))
        }
        return (directory, cases)
    }

    /// The expected tensor of case `name`: NumPy's values as C-order little-endian bytes.
    static func expected(_ name: String, in directory: String, _ entry: (dtype: StoredTensor.DType, shape: [Int])) throws -> StoredTensor {
        let raw = try Data(contentsOf: URL(fileURLWithPath: (directory as NSString).appendingPathComponent("\(name).raw")))
        return StoredTensor(dtype: entry.dtype, shape: entry.shape, bytes: [UInt8](raw))
    }

    static func path(_ directory: String, _ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    @Test("reads NumPy's .npy, .npz, np.save'd dicts and pickles bit for bit")
    func readsNumPy() throws {
        guard let (directory, cases) = try Self.makeFixtures() else { return }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var expected: [String: StoredTensor] = [:]
        for (name, entry) in cases {
            expected[name] = try Self.expected(name, in: directory, entry)
            #expect(try NPY.read(path: Self.path(directory, "\(name).npy")) == .array(expected[name]!), "\(name).npy")
        }
        for version in [2, 3] {
            #expect(try NPY.read(path: Self.path(directory, "f64_le_v\(version).npy")) == .array(expected["f64_le"]!),
                    "version \(version).0")
        }
        let members = ["f32_le", "f64_be", "f64_fortran", "f32_vector"]
        for archive in ["stored.npz", "compressed.npz"] {
            let arrays = try NPZ.read(path: Self.path(directory, archive))
            #expect(arrays == Dictionary(uniqueKeysWithValues: members.map { ($0, expected[$0]!) }), "\(archive)")
        }
        let dict = ["W1": expected["f32_le"]!, "b1": expected["f32_vector"]!, "W2": expected["f64_fortran"]!]
        #expect(try NPY.read(path: Self.path(directory, "dict.npy")) == .dictionary(dict), "np.save of a dict")
        let pickled = ["W1": expected["f32_be"]!, "b1": expected["f32_fortran_be"]!, "W2": expected["f64_special"]!]
        for version in 2...4 {
            #expect(try NumPyPickle.readArrays(path: Self.path(directory, "dict_p\(version).pkl")) == pickled, "protocol \(version)")
        }
    }

    @Test("NumPy reads what we write: .npy in both byte orders, .npz stored and deflated")
    func numpyReadsOurs() throws {
        guard let (directory, cases) = try Self.makeFixtures() else { return }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var arrays: [String: StoredTensor] = [:]
        for (name, entry) in cases {
            let tensor = try Self.expected(name, in: directory, entry)
            arrays[name] = tensor
            for (order, bigEndian) in [("le", false), ("be", true)] {
                let file = Self.path(directory, "swift_\(name)_\(order).npy")
                try NPY.write(tensor, to: file, bigEndian: bigEndian)
                #expect(try NPY.read(path: file) == .array(tensor), "our \(file) read back")
            }
        }
        for (kind, compressed) in [("stored", false), ("compressed", true)] {
            let file = Self.path(directory, "swift_\(kind).npz")
            try NPZ.write(arrays, to: file, compressed: compressed)
            #expect(try NPZ.read(path: file) == arrays, "our \(file) read back")
        }
        guard let result = try InteropFixtures.python("npy_fixtures.py", ["check", directory]) else { return }
        #expect(result.stdout.contains(", 0 problems"), "\(result.stdout)")
    }

    @Test("refuses int64 arrays, npz members that are no .npy or lie about their shape")
    func refusesWhatItCannotHold() throws {
        guard let (directory, _) = try Self.makeFixtures() else { return }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: InteropError.unsupportedDType(path: Self.path(directory, "int64.npy"), name: nil, dtype: "'<i8' (int64)")) {
            try NPY.read(path: Self.path(directory, "int64.npy"))
        }
        let int64Pickle = Self.path(directory, "int64.pkl")
        #expect { try NumPyPickle.readArrays(path: int64Pickle) } throws: { error in
            guard case PickleError.unsupportedDType(int64Pickle, _, "'i8' (int64)") = error else { return false }
            return true
        }
        #expect { try NPZ.read(path: Self.path(directory, "text_member.npz")) } throws: { error in
            "\(error)".contains("member readme.txt is not an .npy file")
        }
        #expect { try NPZ.read(path: Self.path(directory, "lying_member.npz")) } throws: { error in
            // Refused before inflating: the header's shape disagrees with the size the zip entry declares.
            "\(error)".contains("member W1.npy's .npy header claims shape [9, 9]")
        }
    }
}
