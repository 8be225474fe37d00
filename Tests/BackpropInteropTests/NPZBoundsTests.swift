import Backprop
@testable import BackpropInterop
import Foundation
import BackpropTestSupport
import Testing
import ZIPFoundation

/// Issue 25: an `.npz` member is refused from what its zip entry and its `.npy` header claim, before it
/// is inflated, and inflating stops at the cap whatever they claimed — fast, naming the member.
@Suite struct NPZBoundsTests {
    /// An in-memory zip of one member holding `bytes`, deflated.
    static func zip(_ name: String, _ bytes: [UInt8]) throws -> [UInt8] {
        let archive = try Archive(accessMode: .create)
        let data = Data(bytes)
        try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), modificationDate: Date(timeIntervalSince1970: 0),
                             compressionMethod: .deflate) { position, size in data.subdata(in: Int(position)..<(Int(position) + size)) }
        return [UInt8](archive.data!)
    }

    /// `zip` with the uncompressed size its local header and its central directory declare set to `size`.
    static func declaring(_ zip: [UInt8], size: UInt32) -> [UInt8] {
        var bytes = zip
        let field = (0..<4).map { UInt8((size >> (8 * $0)) & 0xFF) }
        #expect(Array(bytes[0..<4]) == [0x50, 0x4B, 0x03, 0x04])
        bytes.replaceSubrange(22..<26, with: field)
        let central = (0..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == [0x50, 0x4B, 0x01, 0x02] }!
        bytes.replaceSubrange((central + 24)..<(central + 28), with: field)
        return bytes
    }

    /// A `.npy` file with `header`'s shape over `count` zero bytes of data.
    static func npy(shape: String, zeros count: Int) -> [UInt8] {
        NPYHeaderTests.file("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }\n", data: [UInt8](repeating: 0, count: count))
    }

    /// Writes `bytes` to a fresh file and reads it as an `.npz`; returns the error and the seconds taken.
    static func refusal(_ bytes: [UInt8],
                        maximumMemberBytes: Int = NPZ.defaultMaximumMemberBytes) throws -> (InteropError?, Double, String) {
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = (directory as NSString).appendingPathComponent("bomb.npz")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let start = Date()
        do {
            _ = try NPZ.read(path: path, maximumMemberBytes: maximumMemberBytes)
            return (nil, Date().timeIntervalSince(start), path)
        } catch let error as InteropError {
            return (error, Date().timeIntervalSince(start), path)
        }
    }

    static let fourMB = 4 << 20

    @Test func aHeaderClaimingAHugeShapeIsRefusedBeforeInflating() throws {
        // 4 MB of zeros (deflated to a few KB) under a header that claims 2^20 × 2^20 float32: 4 TiB.
        let bomb = try Self.zip("W1.npy", Self.npy(shape: "(1048576, 1048576)", zeros: Self.fourMB))
        #expect(bomb.count < 100_000)
        let (error, seconds, path) = try Self.refusal(bomb)
        guard case .badNPZ(let named, let reason) = error else { Issue.record("not refused: \(String(describing: error))"); return }
        #expect(named == path)
        #expect(reason.contains("member W1.npy") && reason.contains("claims shape [1048576, 1048576]")
                && reason.contains("\(4_398_046_511_104 + Self.npy(shape: "(1048576, 1048576)", zeros: 0).count) bytes")
                && reason.contains("the zip entry declares \(Self.npy(shape: "(1048576, 1048576)", zeros: Self.fourMB).count)"),
                "\(reason)")
        #expect(seconds < 2, "took \(seconds) s")
    }

    @Test func aZipEntryDeclaringGigabytesIsRefusedBeforeInflating() throws {
        // An honest header and data (1024 × 1024 float32), but the zip declares 4026531840 bytes.
        let honest = try Self.zip("W1.npy", Self.npy(shape: "(1024, 1024)", zeros: Self.fourMB))
        let (error, seconds, _) = try Self.refusal(Self.declaring(honest, size: 0xF000_0000))
        guard case .badNPZ(_, let reason) = error else { Issue.record("not refused: \(String(describing: error))"); return }
        #expect(reason.contains("member W1.npy declares 4026531840 bytes uncompressed, more than the limit of 1073741824"), "\(reason)")
        #expect(seconds < 2, "took \(seconds) s")
        // The same file read whole when the zip tells the truth: the checks refuse only what is wrong.
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = (directory as NSString).appendingPathComponent("honest.npz")
        try Data(honest).write(to: URL(fileURLWithPath: path))
        #expect(try NPZ.read(path: path)["W1"]?.shape == [1024, 1024])
    }

    @Test func inflatingStopsAtTheCapWhateverTheHeadersClaim() throws {
        // The header and the zip both claim 64 bytes of data, and 4 MB inflate: stopped at the first chunk.
        let lying = try Self.zip("b1.npy", Self.npy(shape: "(16,)", zeros: Self.fourMB))
        let claimed = UInt32(Self.npy(shape: "(16,)", zeros: 64).count)
        let (error, seconds, _) = try Self.refusal(Self.declaring(lying, size: claimed))
        guard case .badNPZ(_, let reason) = error else { Issue.record("not refused: \(String(describing: error))"); return }
        #expect(reason.contains("member b1.npy inflates to more than the \(claimed) bytes it declares"), "\(reason)")
        #expect(seconds < 2, "took \(seconds) s")
        // A cap below an honest member's size refuses it too.
        let honest = try Self.zip("W1.npy", Self.npy(shape: "(1024, 1024)", zeros: Self.fourMB))
        let (capped, _, _) = try Self.refusal(honest, maximumMemberBytes: 1 << 20)
        guard case .badNPZ(_, let cappedReason) = capped else { Issue.record("not refused: \(String(describing: capped))"); return }
        let size = Self.npy(shape: "(1024, 1024)", zeros: Self.fourMB).count
        #expect(cappedReason.contains("member W1.npy declares \(size) bytes uncompressed, more than the limit of 1048576"),
                "\(cappedReason)")
    }

    @Test func convertRefusesTheBombInOneLineFastAndSmall() throws {
        let bomb = try Self.zip("W1.npy", Self.npy(shape: "(1048576, 1048576)", zeros: Self.fourMB))
        let directory = try InteropFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = (directory as NSString).appendingPathComponent("bomb.npz")
        let output = (directory as NSString).appendingPathComponent("out.safetensors")
        try Data(bomb).write(to: URL(fileURLWithPath: input))
        guard FileManager.default.isExecutableFile(atPath: InteropFixtures.executable) else {
            Issue.record("the backprop executable is missing at \(InteropFixtures.executable)")
            return
        }
        let outcome = try PeakMemoryRun.run(InteropFixtures.executable, ["convert", input, output],
                                            environment: ProcessInfo.processInfo.environment)
        #expect(outcome.status == 65 && !outcome.signaled, "\(outcome)")
        #expect(outcome.stderrLines.count == 1 && outcome.stderr.hasPrefix("backprop: \(input)") && outcome.stderr.contains("W1.npy"),
                "\(outcome)")
        #expect(outcome.seconds < 5, "\(outcome)")
        if let peak = outcome.peakBytes { #expect(peak > 1_000_000 && peak < 500_000_000, "peak memory \(peak) bytes: \(outcome)") }
        #expect(!FileManager.default.fileExists(atPath: output))
        print("convert of the .npz bomb: \(outcome.seconds) s, peak \(outcome.peakBytes.map(String.init) ?? "not measured") bytes")
    }
}
