import Foundation
import Testing

/// Issue 25: every output path is checked before any work — its folder exists and is a folder, it is
/// not itself a folder, the folder is writable — and a bad one is exit 73 (EX_CANTCREAT) with one line
/// naming the path and the problem, never Foundation's "The operation could not be completed".
@Suite struct CLIOutputPathTests {
    enum Problem: String, CaseIterable {
        case missingFolder, pathIsAFolder, parentIsAFile

        /// A path with this problem inside `scratch` (creating what it needs), and the words naming it.
        func path(in scratch: String, name: String) throws -> (path: String, reason: String) {
            switch self {
            case .missingFolder:
                return (CLIHarness.join(CLIHarness.join(scratch, "no-such-folder"), name), "does not exist")
            case .pathIsAFolder:
                let folder = CLIHarness.join(scratch, name)
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                return (folder, "it is a folder")
            case .parentIsAFile:
                let file = CLIHarness.join(scratch, "plain-file")
                _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
                return (CLIHarness.join(file, name), "is not a folder")
            }
        }
    }

    /// Exit 73, exactly one line naming `path` and `reason` (and `flag` when given), nothing on stdout.
    static func expectCannotCreate(_ result: CLIHarness.Result, path: String, reason: String, flag: String?,
                                   sourceLocation: SourceLocation = #_sourceLocation) {
        CLIHarness.expectFailure(result, status: 73, oneLine: true, mentions: [path, reason] + (flag.map { [$0] } ?? []),
                                 sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("operation could not be completed") && !result.stderr.contains("NSCocoaErrorDomain"),
                "\(result)", sourceLocation: sourceLocation)
        #expect(result.stdout.isEmpty, "\(result)", sourceLocation: sourceLocation)
    }

    static let trainOutputs = ["--checkpoint": "net.safetensors", "--metrics": "run.csv", "--plot": "run.svg"]

    @Test(arguments: ["--checkpoint", "--metrics", "--plot"], Problem.allCases)
    func trainRefusesABadOutputBeforeReadingTheData(_ flag: String, problem: Problem) throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("train-out") { scratch in
            let (path, reason) = try problem.path(in: scratch, name: Self.trainOutputs[flag]!)
            // The dataset does not exist: refusing the output first proves nothing was read or trained.
            let result = try CLIHarness.run(["train", "--data", CLIHarness.join(scratch, "no-data"), "--iterations", "2", flag, path])
            Self.expectCannotCreate(result, path: path, reason: reason, flag: flag)
            #expect(!result.stderr.contains("epoch"), "\(result)")
            if problem == .pathIsAFolder { #expect(CLIHarness.contents(of: path).isEmpty, "something was written into \(path)") }
        }
    }

    @Test func trainRefusesAnUnwritableFolder() throws {
        guard CLIHarness.requireExecutable() else { return }
        guard getuid() != 0 else { return }   // root writes anywhere: nothing to refuse
        try CLIHarness.withScratchDirectory("readonly") { scratch in
            let folder = CLIHarness.join(scratch, "locked")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o555])
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder) }
            let path = CLIHarness.join(folder, "net.safetensors")
            let result = try CLIHarness.run(["train", "--data", "synthetic", "--iterations", "2", "--checkpoint", path])
            Self.expectCannotCreate(result, path: path, reason: "is not writable", flag: "--checkpoint")
        }
    }

    @Test(arguments: Problem.allCases)
    func convertRefusesABadOutputBeforeConverting(_ problem: Problem) throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("convert-out") { scratch in
            let input = CLIHarness.join(scratch, "net.safetensors")
            try CLIHarness.runOK(["train", "--data", "synthetic", "--iterations", "1", "--quiet", "--checkpoint", input])
            for name in ["x.npz", "x.safetensors", "x.onnx"] {
                let (path, reason) = try problem.path(in: scratch, name: name)
                let result = try CLIHarness.run(["convert", input, path])
                Self.expectCannotCreate(result, path: path, reason: reason, flag: nil)
            }
        }
    }

    @Test(arguments: [
        (["graph"], "--out", "g.svg"),
        (["filters", "--checkpoint", "/nonexistent/net.safetensors"], "--out", "f.svg"),
        (["book", "gradient-descent"], "--plot", "b.svg"),
    ], Problem.allCases)
    func otherCommandsRefuseABadOutputFirst(_ target: ([String], String, String), problem: Problem) throws {
        guard CLIHarness.requireExecutable() else { return }
        let (command, flag, name) = target
        try CLIHarness.withScratchDirectory("other-out") { scratch in
            let (path, reason) = try problem.path(in: scratch, name: name)
            let result = try CLIHarness.run(command + [flag, path])
            Self.expectCannotCreate(result, path: path, reason: reason, flag: flag)
        }
    }

    @Test func aFolderGivenAsAFileToReadIsNamedInOneLine() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("read-folder") { scratch in
            let folder = CLIHarness.join(scratch, "net.safetensors")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let result = try CLIHarness.run(["evaluate", "--checkpoint", folder, "--data", "synthetic"])
            CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: [folder, "it is a folder"])
            #expect(!result.stderr.contains("operation could not be completed"), "\(result)")
        }
    }
}
