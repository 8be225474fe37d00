import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// The safetensors reader and writer: exact byte layout, bit-identical round trips, and every kind of
/// hostile file refused with the matching CheckpointError.
struct SafetensorsTests {
    /// A file's bytes from a header text and data: 8-byte little-endian length (or `length`), header, data.
    static func rawFile(_ header: String, _ data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        var n = length ?? UInt64(h.count)
        var out: [UInt8] = []
        for _ in 0..<8 { out.append(UInt8(n & 0xFF)); n >>= 8 }
        return out + h + data
    }

    static func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    static func floatBytes(_ values: [Float]) -> [UInt8] { values.flatMap { le($0.bitPattern) } }
    static func doubleBytes(_ values: [Double]) -> [UInt8] { values.flatMap { le($0.bitPattern) } }

    // MARK: Layout

    @Test func byteLayoutMatchesTheSpec() {
        var file = SafetensorsFile()
        file.tensors["b"] = StoredTensor(Tensor<Double>(shape: [], scalars: [0.5]))
        file.tensors["a"] = StoredTensor(Tensor<Float>([1.0, -2.0]))
        file.metadata["k"] = "v"
        let bytes = file.encoded()
        let json = #"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
            + #""b":{"dtype":"F64","shape":[],"data_offsets":[8,16]}}"#
        var header = Array(json.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        let expected = Self.le(UInt64(header.count)) + header
            + [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0]            // 1.0f, -2.0f
            + [0, 0, 0, 0, 0, 0, 0xE0, 0x3F]                                // 0.5
        #expect(bytes == expected, "got \(String(decoding: bytes.dropFirst(8).prefix(header.count), as: UTF8.self))")
        // The length field is little-endian, the header a multiple of 8 and the data 8-aligned.
        let length = bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect(length % 8 == 0 && Int(length) == header.count)
        #expect(bytes[8] == UInt8(ascii: "{"))
    }

    @Test func headerIsValidJSONWithSpecFields() throws {
        var file = SafetensorsFile()
        for (i, n) in [1, 3, 7, 12].enumerated() {
            file.tensors["t\(i)"] = StoredTensor(Tensor<Float>(shape: [n], scalars: (0..<n).map { Float($0) }))
        }
        file.metadata = ["quote\"s": "line\nbreak\ttab\\ \u{1} é 🙂", "empty": ""]
        let bytes = file.encoded()
        let length = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        #expect(length % 8 == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + length)])) as? [String: Any])
        #expect((object["__metadata__"] as? [String: String]) == file.metadata)
        var end = 0
        for name in ["t0", "t1", "t2", "t3"] {
            let entry = try #require(object[name] as? [String: Any])
            #expect(entry["dtype"] as? String == "F32")
            let offsets = try #require(entry["data_offsets"] as? [Int])
            #expect(offsets[0] == end, "tensors are contiguous in name order")
            end = offsets[1]
        }
        #expect(end == bytes.count - 8 - length, "the data area is exactly the tensors")
    }

    // MARK: Round trips

    @Test func roundTripIsBitIdentical() throws {
        try DataFixtures.withScratchDirectory("st-rt") { dir in
            var rng = SeededGenerator(seed: 8)
            let f = Tensor<Float>.randomNormal([3, 4, 5], using: &rng)
            let specials: [Double] = [0, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                      Double.leastNormalMagnitude / 3, -1.5, .pi]
            let d = Tensor<Double>(specials)
            var file = SafetensorsFile()
            file.tensors["layer.0/weight"] = StoredTensor(f)
            file.tensors["double"] = StoredTensor(d)
            file.tensors["nanf"] = StoredTensor(Tensor<Float>([.nan, -.nan, .signalingNaN, -0.0]))
            file.tensors["scalar"] = StoredTensor(Tensor<Float>(shape: [], scalars: [7]))
            file.tensors["empty"] = StoredTensor(Tensor<Float>(shape: [0, 3], scalars: []))
            file.tensors["bytes"] = StoredTensor(dtype: .u8, shape: [2, 2], bytes: [0, 1, 254, 255])
            file.tensors["ints"] = StoredTensor(dtype: .i64, shape: [2], bytes: Self.le(Int64(-3)) + Self.le(Int64.max))
            file.tensors["flags"] = StoredTensor(dtype: .bool, shape: [3], bytes: [1, 0, 1])
            file.metadata = ["format": "test", "json": #"{"a": [1, 2]}"#, "unicode": "ü∑ 🙂", "ctl": "\u{0}\u{1f}\u{7f}"]
            let path = DataFixtures.join(dir, "rt.safetensors")
            try file.write(to: path)
            let back = try SafetensorsFile.read(path: path)
            #expect(back == file)
            for name in file.tensors.keys {
                #expect(back.tensors[name]?.bytes == file.tensors[name]?.bytes, "\(name) bytes")
                #expect(back.tensors[name]?.shape == file.tensors[name]?.shape, "\(name) shape")
                #expect(back.tensors[name]?.dtype == file.tensors[name]?.dtype, "\(name) dtype")
            }
            let f2: Tensor<Float> = try back.tensors["layer.0/weight"]!.tensor(name: "w", path: path)
            #expect(f2.shape == [3, 4, 5])
            #expect(f2.scalars.map(\.bitPattern) == f.scalars.map(\.bitPattern))
            let d2: Tensor<Double> = try back.tensors["double"]!.tensor(name: "d", path: path)
            #expect(d2.scalars.map(\.bitPattern) == specials.map(\.bitPattern))
            // Re-encoding is stable.
            #expect(back.encoded() == file.encoded())
        }
    }

    @Test func emptyFileRoundTrips() throws {
        let empty = SafetensorsFile()
        let bytes = empty.encoded()
        #expect(bytes.count == 16 && Array(bytes[8...]) == Array("{}      ".utf8))
        #expect(try SafetensorsFile.parse(bytes, path: "e") == empty)
    }

    @Test func storedTensorConvertsBetweenPrecisions() throws {
        let f = Tensor<Float>([0.1, -3.25, 1e30])
        let asDouble: Tensor<Double> = try StoredTensor(f).tensor(name: "x", path: "p")
        #expect(asDouble.scalars == f.scalars.map { Double($0) })
        let d = Tensor<Double>([0.1, -3.25, 1e300])
        let asFloat: Tensor<Float> = try StoredTensor(d).tensor(name: "x", path: "p")
        #expect(asFloat.scalars == d.scalars.map { Float($0) })
        #expect(throws: CheckpointError.self) {
            let _: Tensor<Float> = try StoredTensor(dtype: .u8, shape: [1], bytes: [1]).tensor(name: "x", path: "p")
        }
    }

    // MARK: Hostile files

    let validEntry = #""w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
    let eightBytes = floatBytes([1, 2])

    /// Writes `bytes` to a file and expects `read` to throw a CheckpointError naming the file and matching.
    func expectRejected(_ bytes: [UInt8], _ what: String, sourceLocation: SourceLocation = #_sourceLocation,
                        matches: (CheckpointError, String) -> Bool) throws {
        try DataFixtures.withScratchDirectory("st-bad") { dir in
            let path = DataFixtures.join(dir, "bad.safetensors")
            try DataFixtures.writeBytes(bytes, to: path)
            DataFixtures.expectCheckpointError(path: path, what, sourceLocation: sourceLocation,
                                               matches: { matches($0, path) }) {
                _ = try SafetensorsFile.read(path: path)
            }
        }
    }

    @Test func validMinimalFileIsAccepted() throws {
        let file = try SafetensorsFile.parse(Self.rawFile("{\(validEntry)}", eightBytes), path: "ok")
        #expect(file.tensors["w"] == StoredTensor(dtype: .f32, shape: [2], bytes: eightBytes))
    }

    @Test func missingFile() throws {
        try DataFixtures.withScratchDirectory("st-missing") { dir in
            let path = DataFixtures.join(dir, "none.safetensors")
            DataFixtures.expectCheckpointError(.missingFile(path: path), path: path) { _ = try SafetensorsFile.read(path: path) }
        }
    }

    @Test func headerLengthLargerThanFile() throws {
        let header = "{\(validEntry)}"
        let bytes = Self.rawFile(header, eightBytes, length: UInt64(header.utf8.count + 9))
        try expectRejected(bytes, "length past the end") { e, p in
            e == .badHeaderLength(path: p, length: UInt64(header.utf8.count + 9), fileSize: bytes.count)
        }
        let huge = Self.rawFile("{}", length: UInt64.max)
        try expectRejected(huge, "length 2^64-1") { e, p in e == .badHeaderLength(path: p, length: .max, fileSize: huge.count) }
        let big = Self.rawFile("{}", length: 1 << 40)
        try expectRejected(big, "length 2^40") { e, p in e == .badHeaderLength(path: p, length: 1 << 40, fileSize: big.count) }
        try expectRejected([1, 0, 0], "shorter than the length field") { e, p in
            if case .badHeaderLength(let path, _, 3) = e { path == p } else { false }
        }
        try expectRejected(Self.rawFile("{}", length: 0), "zero length") { e, p in
            if case .badHeaderLength(let path, 0, _) = e { path == p } else { false }
        }
    }

    @Test func badJSON() throws {
        for text in ["{\"w\": ", "{not json}  ", "{}}", "\u{FF}{}", "{\"a\":}", "{'a':1}"] {
            try expectRejected(Self.rawFile(text), "bad JSON \(text)") { e, p in
                if case .badHeader(let path, _) = e { path == p } else { false }
            }
        }
        // Foundation's parser tolerates a trailing comma; the entry is then malformed: rejected either way.
        try expectRejected(Self.rawFile("{\"a\":1,}"), "trailing comma") { e, p in
            switch e {
            case .badHeader(let path, _), .badTensorEntry(let path, _, _): path == p
            default: false
            }
        }
        // Bytes that are not UTF-8 at all.
        try expectRejected(Self.le(UInt64(4)) + [0x7B, 0xFF, 0xFE, 0x7D], "not UTF-8") { e, p in
            if case .badHeader(let path, _) = e { path == p } else { false }
        }
    }

    @Test func headerNotAnObject() throws {
        for text in ["[]      ", "[{\"dtype\":\"F32\"}]", "\"string\"", "42", "true"] {
            try expectRejected(Self.rawFile(text), "header \(text)") { e, p in
                e == .badHeader(path: p, reason: "not a JSON object")
            }
        }
    }

    /// `null` is not an object either; it must not be reported as a broken tensor named "?".
    @Test func headerNull() throws {
        try expectRejected(Self.rawFile("null"), "header null") { e, p in
            if case .badHeader(let path, _) = e { path == p } else { false }
        }
    }

    @Test func offsetsOutsideTheDataArea() throws {
        let cases: [(String, [UInt8])] = [
            (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,12]}}"#, eightBytes),
            (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, eightBytes),
            (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}"#, eightBytes),
            (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#, eightBytes),
            (#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[9223372036854775800,9223372036854775807]}}"#, eightBytes),
        ]
        for (header, data) in cases {
            try expectRejected(Self.rawFile(header, data), header) { e, p in
                if case .badTensorEntry(let path, "w", _) = e { path == p } else { false }
            }
        }
    }

    @Test func overlappingTensors() throws {
        let header = #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        try expectRejected(Self.rawFile(header, eightBytes), "overlap") { e, p in
            if case .badTensorEntry(let path, "b", let reason) = e { path == p && reason.contains("\"a\"") } else { false }
        }
        let same = #"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}"#
        try expectRejected(Self.rawFile(same, eightBytes), "same range") { e, p in
            if case .badTensorEntry(let path, _, _) = e { path == p } else { false }
        }
    }

    @Test func shapeDisagreesWithOffsets() throws {
        let cases = [
            #"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#,
            #"{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#,
            #"{"w":{"dtype":"F32","shape":[],"data_offsets":[0,8]}}"#,
            #"{"w":{"dtype":"F32","shape":[1,1],"data_offsets":[0,8]}}"#,
            #"{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#,
            #"{"w":{"dtype":"F32","shape":[4611686018427387904,4611686018427387904],"data_offsets":[0,8]}}"#,
            #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}"#,
            #"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#,
        ]
        for header in cases {
            try expectRejected(Self.rawFile(header, eightBytes), header) { e, p in
                if case .badTensorEntry(let path, "w", _) = e { path == p } else { false }
            }
        }
    }

    @Test func malformedEntries() throws {
        let cases = [
            #"{"w":{"shape":[2],"data_offsets":[0,8]}}"#,
            #"{"w":{"dtype":"F32","data_offsets":[0,8]}}"#,
            #"{"w":{"dtype":"F32","shape":[2]}}"#,
            #"{"w":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}"#,
            #"{"w":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}"#,
            #"{"w":[1,2]}"#,
            #"{"w":"F32"}"#,
        ]
        for header in cases {
            try expectRejected(Self.rawFile(header, eightBytes), header) { e, p in
                if case .badTensorEntry(let path, "w", _) = e { path == p } else { false }
            }
        }
        // A fractional extent: Foundation reports it as corrupt data without a coding path, so the reader
        // can only say the header is bad. Rejected either way.
        let fractional = #"{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#
        try expectRejected(Self.rawFile(fractional, eightBytes), fractional) { e, p in
            switch e {
            case .badHeader(let path, _), .badTensorEntry(let path, _, _): path == p
            default: false
            }
        }
    }

    @Test func nonStringMetadata() throws {
        let cases: [(String, String)] = [
            (#"{"__metadata__":{"ok":"x","epoch":3},"#, "epoch"),
            (#"{"__metadata__":{"nested":{"a":"b"}},"#, "nested"),
            (#"{"__metadata__":{"n":null},"#, "n"),
        ]
        for (prefix, key) in cases {
            try expectRejected(Self.rawFile(prefix + validEntry + "}", eightBytes), prefix) { e, p in
                e == .badMetadata(path: p, key: key, reason: "values must be strings")
            }
        }
        try expectRejected(Self.rawFile(#"{"__metadata__":["a"],"# + validEntry + "}", eightBytes), "metadata array") { e, p in
            if case .badMetadata(let path, _, _) = e { path == p } else { false }
        }
    }

    @Test func unknownDType() throws {
        for dtype in ["F16", "BF16", "I8", "float32", "f32", ""] {
            let header = #"{"w":{"dtype":""# + dtype + #"","shape":[2],"data_offsets":[0,8]}}"#
            try expectRejected(Self.rawFile(header, eightBytes), dtype) { e, p in
                e == .unsupportedDType(path: p, name: "w", dtype: dtype)
            }
        }
    }

    /// What the other safetensors implementations accept: padding spaces, any order of entries, tensors
    /// stored in a different order than their names, metadata last.
    @Test func acceptsOtherWritersLayouts() throws {
        let header = #"{"z":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "#
            + #""a" : {"data_offsets":[4,12],"shape":[1],"dtype":"F64"},"__metadata__":{"k":"v"}}"#
            + String(repeating: " ", count: 5)
        let data = Self.floatBytes([3]) + Self.doubleBytes([-1])
        let file = try SafetensorsFile.parse(Self.rawFile(header, data), path: "p")
        #expect(file.metadata == ["k": "v"])
        #expect(file.tensors["z"] == StoredTensor(dtype: .f32, shape: [1], bytes: Self.floatBytes([3])))
        #expect(file.tensors["a"] == StoredTensor(dtype: .f64, shape: [1], bytes: Self.doubleBytes([-1])))
    }
}
