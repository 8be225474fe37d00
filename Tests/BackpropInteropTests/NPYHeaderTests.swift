import Backprop
@testable import BackpropInterop
import Foundation
import Testing

/// `.npy` headers parsed as leniently as NumPy's `ast.literal_eval` allows, and every broken file
/// refused with a reason (no NumPy needed: the files are made byte by byte).
@Suite("Interop: .npy headers and broken files")
struct NPYHeaderTests {
    /// A `.npy` of `major`.0 with `header` as its text and `data` after it.
    static func file(_ header: String, major: UInt8 = 1, data: [UInt8]) -> [UInt8] {
        let text = Array(header.utf8)
        let length = major == 1 ? PickleBytes.littleEndian(UInt64(text.count), 2) : PickleBytes.littleEndian(UInt64(text.count), 4)
        return NPY.magic + [major, 0] + length + text + data
    }

    static let six: [UInt8] = (0..<6).flatMap { i in withUnsafeBytes(of: Float(i).bitPattern.littleEndian) { Array($0) } }
    static let expected = StoredTensor(dtype: .f32, shape: [2, 3], bytes: six)

    @Test("accepts what literal_eval accepts", arguments: [
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }          \n",
        "{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<f4\"}",
        "  {'descr':'<f4','fortran_order':False,'shape':(2,3,)}\n\n",
        "{\n 'descr' : u'<f4' ,\n 'fortran_order' : False ,\n 'shape' : ( 2 , 3 ) ,\n}\n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }\n",
        "{'descr': 'f4', 'fortran_order': False, 'shape': (2, 3)}",
        "{'descr': '<f', 'fortran_order': False, 'shape': (2, 3)}",
    ])
    func lenient(_ header: String) throws {
        #expect(try NPY.parse(Self.file(header, data: Self.six), path: "x.npy") == .array(Self.expected))
    }

    @Test("reads version 2.0 and 3.0 (UTF-8) headers")
    func versions() throws {
        for major: UInt8 in [2, 3] {
            let bytes = Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", major: major, data: Self.six)
            #expect(try NPY.parse(bytes, path: "x.npy") == .array(Self.expected))
        }
    }

    @Test("refuses broken headers and files, with the reason", arguments: [
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (6), }", "shape is not a tuple"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }", "shape is not a tuple"),
        ("{'descr': '<f4', 'shape': (2, 3), }", "the header's keys are"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1}", "the header's keys are"),
        ("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 3), }", "fortran_order is not True or False"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }", "shape holds something other than a size"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ", "the header ends inside the dict"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)} junk", "unexpected text after the dict"),
        ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3)}", "structured dtype"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }",
         "the header declares shape [3, 3] of float32, 36 bytes, and 24 bytes follow it"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
         "the header declares shape [2, 2] of float32, 16 bytes, and 24 bytes follow it"),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }",
         "shape [4294967296, 4294967296, 4294967296] is larger than any file"),
        (String(repeating: "(", count: 40), "brackets nested more than 16 deep"),
    ])
    func refused(_ header: String, _ reason: String) throws {
        #expect { try NPY.parse(Self.file(header, data: Self.six), path: "x.npy") } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("x.npy: bad .npy file: ") && text.contains(reason)
        }
    }

    @Test("refuses Python 2's L suffix in version 3.0, a wrong magic, version or header length")
    func refusedPreambles() throws {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }\n"
        #expect(throws: InteropError.self) { try NPY.parse(Self.file(header, major: 3, data: Self.six), path: "x.npy") }
        var wrongMagic = Self.file("{}", data: [])
        wrongMagic[1] = 0x4D
        #expect(throws: InteropError.badNPY(path: "x.npy", reason: "it does not start with NumPy's magic \\x93NUMPY")) {
            try NPY.parse(wrongMagic, path: "x.npy")
        }
        #expect(throws: InteropError.badNPY(path: "x.npy", reason: "format version 4.0 is not 1.0, 2.0 or 3.0")) {
            try NPY.parse(Self.file("{}", major: 4, data: []), path: "x.npy")
        }
        var longHeader = Self.file("{}", data: [])
        longHeader[8] = 0xFF
        longHeader[9] = 0xFF
        #expect(throws: InteropError.badNPY(path: "x.npy", reason: "the header length 65535 runs past the end of the 12-byte file")) {
            try NPY.parse(longHeader, path: "x.npy")
        }
        #expect(throws: InteropError.unsupportedDType(path: "x.npy", name: nil, dtype: "'<i8' (int64)")) {
            try NPY.parse(Self.file("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", data: Self.six), path: "x.npy")
        }
    }

    @Test("writes NumPy's layout: version 1.0, header padded to 64 bytes, '<f4'/'>f8'")
    func writtenHeader() throws {
        let bytes = try NPY.encode(StoredTensor(dtype: .f64, shape: [3], bytes: [UInt8](repeating: 0, count: 24)), bigEndian: true)
        #expect(Array(bytes[0..<8]) == NPY.magic + [1, 0])
        let length = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + length) % 64 == 0 && bytes[9 + length] == 0x0A)
        let header = String(decoding: bytes[10..<(10 + length)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }"))
    }

    @Test("an .npz that is not a zip is refused")
    func notAZip() throws {
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = (directory as NSString).appendingPathComponent("fake.npz")
        try Data("PK\u{03}\u{04} this is not really a zip archive".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: InteropError.badNPZ(path: path, reason: "not a zip archive")) { try NPZ.read(path: path) }
    }
}
