import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Hostile files through the executable: each refused within seconds with exit 65 and one short
/// stderr line naming it (issue 19; the library-level checks are in Data/HostileInputTests).
struct CLIHostileFileTests {
    static func idxHeader(_ dimensions: [Int]) -> [UInt8] {
        [0, 0, 8, UInt8(dimensions.count)] + dimensions.flatMap { d in [24, 16, 8, 0].map { UInt8(d >> $0 & 0xFF) } }
    }

    /// Training images whose header claims 2⁴⁰ bytes; a gzip bomb (256 MiB of zeros in about 260 KB).
    @Test(arguments: ["2^40", "bomb"])
    func hostileTrainingImages(_ kind: String) throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("hostile") { scratch in
            try CLIHarness.writeTinyDataset(at: scratch, train: 20, test: 10)
            let images = CLIHarness.join(scratch, CLIHarness.trainImagesName)
            try FileManager.default.removeItem(atPath: images)
            if kind == "bomb" {
                let zeros = [UInt8](repeating: 0, count: 1 << 28)
                let header = Self.idxHeader([1, 1 << 14, 1 << 14])
                try Data(Gzip.compress(header + zeros)).write(to: URL(fileURLWithPath: images + ".gz"))
                let result = try CLIHarness.run(["train", "--data", scratch, "--iterations", "1", "--quiet"], timeout: 20)
                CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [images + ".gz", "gzip bomb"])
            } else {
                try Data(Self.idxHeader([1 << 20, 1 << 10, 1 << 10])).write(to: URL(fileURLWithPath: images))
                let result = try CLIHarness.run(["train", "--data", scratch, "--iterations", "1", "--quiet"], timeout: 20)
                CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [images, "implausible size"])
            }
        }
    }

    /// A PNG claiming 10⁶ × 10⁶ pixels, and a checkpoint whose format value is 2 MB long: the line
    /// stays short.
    @Test func hugePNGAndHugeMetadataValue() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("hostile-predict") { scratch in
            let data = CLIHarness.join(scratch, "data"), checkpoint = CLIHarness.join(scratch, "net.safetensors")
            try CLIHarness.writeTinyDataset(at: data, train: 20, test: 10)
            try CLIHarness.runOK(["train", "--data", data, "--iterations", "1", "--batch-size", "5", "--quiet", "--checkpoint", checkpoint])
            let png = CLIHarness.join(scratch, "huge.png")
            try Data(PNGReaderTests.header(width: 1_000_000, height: 1_000_000)).write(to: URL(fileURLWithPath: png))
            let result = try CLIHarness.run(["predict", "--checkpoint", checkpoint, png], timeout: 20)
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [png, "1000000 × 1000000"])

            var file = try SafetensorsFile.read(path: checkpoint)
            file.metadata["format"] = String(repeating: "x", count: 2_000_000)
            let long = CLIHarness.join(scratch, "long.safetensors")
            try file.write(to: long)
            let refused = try CLIHarness.run(["evaluate", "--checkpoint", long, "--data", data], timeout: 20)
            CLIHarness.expectFailure(refused, status: 65, oneLine: true, mentions: [long, "format"])
            #expect(refused.stderr.count < 500, "\(refused.stderr.count) characters on stderr")
        }
    }
}
