// Shared by the test targets (BackpropTests, BackpropInteropTests): a child process's peak memory.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to its end and measures its peak resident memory, which Foundation's Process does
/// not report. Through GNU time (`/usr/bin/time -f %M`), which forks the program from its own small
/// process: on Linux a process spawned straight from this (large) test process inherits the test's
/// high-water mark in ru_maxrss across exec (about 1 GB here), which would hide the program's own.
/// Without GNU time `peakBytes` is nil.
public enum PeakMemoryRun {
    public struct Outcome: CustomStringConvertible, Sendable {
        public var status: Int32
        public var signaled: Bool
        public var timedOut: Bool
        public var stdout: String
        public var stderr: String
        /// The child's peak resident set size in bytes (nil without GNU time).
        public var peakBytes: Int?
        public var seconds: Double

        public var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
        public var description: String {
            "status \(status)\(signaled ? " (signal)" : "")\(timedOut ? " (timed out)" : ""), "
                + "peak \(peakBytes.map { "\($0 / 1_000_000) MB" } ?? "not measured"), \(String(format: "%.2f", seconds)) s\n"
                + "--- stderr ---\n\(stderr.prefix(2000))"
        }
    }

    /// Runs `executable arguments…` with `environment`, killing it after `timeout` seconds.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                    timeout: Double = 30) throws -> Outcome {
        let base = NSTemporaryDirectory() + "backprop-peak-\(UUID().uuidString)"
        let (outPath, errPath, rssPath) = (base + ".out", base + ".err", base + ".rss")
        defer { unlink(outPath); unlink(errPath); unlink(rssPath) }
        let timed = isGNUTime
        let program = timed ? "/usr/bin/time" : executable
        let timeArguments = timed ? ["-f", "%M", "-o", rssPath, executable] : []
        #if os(Linux)
        var actions = posix_spawn_file_actions_t()
        #else
        var actions: posix_spawn_file_actions_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = ([program] + timeArguments + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let started = Date()
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        var timedOut = false
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date().timeIntervalSince(started) > timeout && !timedOut {
                timedOut = true
                kill(pid, SIGKILL)
            }
            usleep(2_000)
        }
        let seconds = Date().timeIntervalSince(started)
        var code = (status >> 8) & 0xFF, signal = status & 0x7F
        var peak: Int?
        if timed {
            // GNU time exits with the program's status, or 128 + N after "Command terminated by signal N".
            let report = (try? String(contentsOfFile: rssPath, encoding: .utf8)) ?? ""
            peak = report.split(separator: "\n").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }.map { $0 * 1024 }
            if report.contains("terminated by signal") { (code, signal) = (code - 128, code - 128) }
        }
        return Outcome(status: signal != 0 ? signal : code, signaled: signal != 0, timedOut: timedOut,
                       stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                       peakBytes: peak, seconds: seconds)
    }

    /// Whether /usr/bin/time is GNU time (it takes -f and -o; BSD's does not).
    public static let isGNUTime: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
        process.arguments = ["-f", "%M", "-o", "/dev/null", "/bin/sh", "-c", "exit 0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()
}
