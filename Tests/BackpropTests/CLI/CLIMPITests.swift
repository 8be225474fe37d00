import Backprop
import Foundation
import Testing

/// Data-parallel `backprop train` under Open MPI's mpirun, on this machine (loopback, oversubscribed):
/// 2 ranks give the 1-process run; a killed rank ends the job with one clear line and a whole
/// checkpoint; `--resume` continues on another number of ranks. Skipped, saying why, when the build has
/// no Open MPI or mpirun is not installed.
@Suite(.enabled(if: MPIHarness.unavailableReason == nil, Comment(rawValue: MPIHarness.unavailableReason ?? "")))
struct CLIMPITests {
    /// Tensors of two checkpoints agree within 1e-12 of each tensor's largest element.
    static func expectClose(_ a: String, _ b: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let x = try CLIHarness.tensors(a), y = try CLIHarness.tensors(b)
        #expect(Set(x.keys) == Set(y.keys), sourceLocation: sourceLocation)
        for (name, stored) in x {
            guard let other = y[name] else { continue }
            let p: Tensor<Double> = try stored.tensor(name: name, path: a), q: Tensor<Double> = try other.tensor(name: name, path: b)
            let scale = p.scalars.map(abs).max() ?? 0
            let worst = zip(p.scalars, q.scalars).map { abs($0 - $1) }.max() ?? 0
            // A bias just before a batch norm has ∂L/∂b = 0 exactly: it stays 0 up to rounding on both sides.
            if scale < 1e-12 {
                #expect((q.scalars.map(abs).max() ?? 0) < 1e-12, "\(name) should stay 0 up to rounding", sourceLocation: sourceLocation)
                continue
            }
            #expect(worst <= 1e-12 * scale, "\(name): differs by \(worst), largest element \(scale)", sourceLocation: sourceLocation)
        }
    }

    /// The per-epoch records of a metrics JSON file.
    static func records(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return (CLIHarness.parseJSON(text) as? [[String: Any]]) ?? []
    }

    @Test("2 ranks equal 1 process in float64: loss of every step, weights, test accuracy",
          arguments: [["--model", "two-layer", "--batch-size", "63"],
                      ["--model", "mlp", "--batch-norm", "--weight-decay", "0.01", "--batch-size", "63"],
                      ["--model", "cnn", "--hidden", "20", "--batch-size", "21"]])
    func twoRanksEqualOneProcess(model: [String]) throws {
        try CLIHarness.withScratchDirectory("mpi-equal") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data, train: 63, test: 20)
            func flags(_ name: String) -> [String] {
                ["train", "--data", data, "--dtype", "float64", "--iterations", "6", "--threads", "1", "--quiet", "--json",
                 "--checkpoint", CLIHarness.join(scratch, "\(name).safetensors"),
                 "--metrics", CLIHarness.join(scratch, "\(name).json")] + model
            }
            let alone = try CLIHarness.runOK(flags("alone"), timeout: 120)
            let shared = try MPIHarness.runOK(ranks: 2, flags("shared"))
            let a = CLIHarness.jsonObject(alone), b = CLIHarness.jsonObject(shared)
            #expect(CLIHarness.integer(b?["ranks"]) == 2)
            #expect(CLIHarness.number(a?["test_accuracy"]) == CLIHarness.number(b?["test_accuracy"]))
            #expect(CLIHarness.number(a?["train_accuracy"]) == CLIHarness.number(b?["train_accuracy"]))
            // One line of JSON on stdout: only rank 0 printed.
            #expect(shared.stdout.split(separator: "\n").count == 1, "\(shared)")
            let x = try Self.records(CLIHarness.join(scratch, "alone.json")), y = try Self.records(CLIHarness.join(scratch, "shared.json"))
            #expect(x.count == y.count && !x.isEmpty)
            for (r, s) in zip(x, y) {
                let l = CLIHarness.number(r["loss"]) ?? .nan, m = CLIHarness.number(s["loss"]) ?? .nan
                #expect(abs(l - m) <= 1e-12 * abs(l), "loss \(l) vs \(m)")
                #expect(CLIHarness.number(r["test_acc"]) == CLIHarness.number(s["test_acc"]))
            }
            try Self.expectClose(CLIHarness.join(scratch, "alone.safetensors"), CLIHarness.join(scratch, "shared.safetensors"))
        }
    }

    @Test("A killed rank ends the job within seconds with one clear line; the checkpoint is whole and resumes on 3 ranks and on 1")
    func killedRankLeavesAWholeCheckpoint() throws {
        try CLIHarness.withScratchDirectory("mpi-kill") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data, train: 63, test: 20)
            let checkpoint = CLIHarness.join(scratch, "run.safetensors")
            let running = try MPIHarness.start(ranks: 2, ["train", "--data", data, "--model", "mlp", "--hidden", "20,20",
                                                          "--batch-size", "21",
                                                          "--iterations", "45", "--threads", "1", "--checkpoint", checkpoint, "--quiet"])
            let saved = running.wait(until: { FileManager.default.fileExists(atPath: checkpoint) }, timeout: 60)
            #expect(saved, "no checkpoint after 60 s")
            let victim = MPIHarness.rankProcess(1, of: running.process.processIdentifier)
            #expect(victim != nil, "rank 1's process was not found")
            if let victim { kill(victim, SIGKILL) }
            let killedAt = Date()
            let result = running.finish(timeout: 60)
            #expect(Date().timeIntervalSince(killedAt) < 20, "the job took \(Date().timeIntervalSince(killedAt)) s to end")
            #expect(result.status != 0, "\(result)")
            let ours = result.stderrLines.filter { $0.hasPrefix("backprop:") }
            #expect(ours.count == 1 && ours[0].contains("MPI job ended at iteration") && ours[0].contains("--resume \(checkpoint)"),
                    "\(result)")
            let contents = try Checkpoint.read(path: checkpoint)
            let reached = contents.training?.iteration ?? 0
            #expect(reached > 0 && reached < 45, "checkpoint at iteration \(reached)")

            // Resume on 3 ranks for a while (--iterations cannot change a saved run: resume a copy to its end on 1 rank).
            let resumed3 = CLIHarness.join(scratch, "resumed3.safetensors")
            let three = try MPIHarness.runOK(ranks: 3, ["train", "--resume", checkpoint, "--data", data, "--threads", "1",
                                                         "--checkpoint", resumed3, "--quiet", "--json"], timeout: 240)
            #expect(CLIHarness.integer(CLIHarness.jsonObject(three)?["iterations"]) == 45)
            let resumed1 = CLIHarness.join(scratch, "resumed1.safetensors")
            let one = try CLIHarness.runOK(["train", "--resume", checkpoint, "--data", data, "--threads", "1",
                                            "--checkpoint", resumed1, "--quiet", "--json"], timeout: 240)
            #expect(CLIHarness.integer(CLIHarness.jsonObject(one)?["iterations"]) == 45)
            #expect(try Checkpoint.read(path: resumed3).training?.iteration == 45)
        }
    }

    @Test("A batch with fewer examples than ranks is refused with one line")
    func tooSmallBatches() throws {
        try CLIHarness.withScratchDirectory("mpi-small") { scratch in
            let data = CLIHarness.join(scratch, "data")
            try CLIHarness.writeTinyDataset(at: data, train: 21, test: 5)
            let result = try MPIHarness.run(ranks: 2, ["train", "--data", data, "--batch-size", "20", "--iterations", "2", "--quiet"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("2 ranks need at least 2 examples in every batch"), "\(result)")
        }
    }
}

/// Running `backprop` under mpirun.
enum MPIHarness {
    /// Why the MPI tests cannot run here, or nil.
    static let unavailableReason: String? = {
        #if BACKPROP_MPI
        return mpirun == nil ? "mpirun is not on PATH (apt-get install openmpi-bin)" : nil
        #else
        return "this build has no Open MPI (Package.swift found no ompi.pc; install libopenmpi-dev)"
        #endif
    }()

    static let mpirun: URL? = {
        let folders = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
        return folders.map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// Loopback only, shared memory without the single-copy mechanism containers forbid, and 10 s instead
    /// of mpirun's 1 s between the SIGTERM that ends the other ranks and its SIGKILL
    /// (`odls_base_sigkill_timeout`): on a machine busy with the rest of the suite, rank 0 may need more
    /// than a second to print its line (`OMPI_MCA_odls_base_sigkill_timeout=0` loses it in most runs).
    static let environment = ["OMPI_MCA_btl_tcp_if_include": "lo", "OMPI_MCA_oob_tcp_if_include": "lo",
                              "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
                              "OMPI_MCA_odls_base_sigkill_timeout": "10"]

    static func start(ranks: Int, _ arguments: [String]) throws -> CLIHarness.Running {
        try CLIHarness.Running(["--oversubscribe", "--allow-run-as-root", "-np", "\(ranks)", CLIHarness.executableURL.path] + arguments,
                               environment: environment, executable: mpirun!)
    }

    static func run(ranks: Int, _ arguments: [String], timeout: Double = 120) throws -> CLIHarness.Result {
        try start(ranks: ranks, arguments).finish(timeout: timeout)
    }

    @discardableResult
    static func runOK(ranks: Int, _ arguments: [String], timeout: Double = 120,
                      sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIHarness.Result {
        let result = try run(ranks: ranks, arguments, timeout: timeout)
        #expect(result.status == 0 && !result.timedOut, "expected success: \(result)", sourceLocation: sourceLocation)
        return result
    }

    /// The pid of rank `rank` among mpirun's children (found by OMPI_COMM_WORLD_RANK in their environment).
    static func rankProcess(_ rank: Int, of mpirun: Int32) -> Int32? {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, Int32(fields[1]) == mpirun,
                  let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            let variables = environ.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if variables.contains("OMPI_COMM_WORLD_RANK=\(rank)") { return pid }
        }
        return nil
    }
}
