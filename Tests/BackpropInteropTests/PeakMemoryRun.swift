// A copy of Tests/BackpropTests/CLI/CLIPeakMemory.swift: test targets cannot share a file.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to its end with posix_spawn and reaps it with wait4, whose rusage is that child's
/// alone: its peak resident memory (ru_maxrss), which Foundation's Process does not report.
enum PeakMemoryRun {
    struct Outcome: CustomStringConvertible {
        var status: Int32
        var signaled: Bool
        var timedOut: Bool
        var stdout: String
        var stderr: String
        /// The child's peak resident set size in bytes.
        var peakBytes: Int
        var seconds: Double

        var stderrLines: [String] { stderr.split(separator: "\n").map(String.init) }
        var description: String {
            "status \(status)\(signaled ? " (signal)" : "")\(timedOut ? " (timed out)" : ""), "
                + "peak \(peakBytes / 1_000_000) MB, \(String(format: "%.2f", seconds)) s\n--- stderr ---\n\(stderr.prefix(2000))"
        }
    }

    /// Runs `executable arguments…` with `environment`, killing it after `timeout` seconds.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String],
                    timeout: Double = 30) throws -> Outcome {
        let base = NSTemporaryDirectory() + "backprop-peak-\(UUID().uuidString)"
        let (outPath, errPath) = (base + ".out", base + ".err")
        defer { unlink(outPath); unlink(errPath) }
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
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let started = Date()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        while wait4(pid, &status, WNOHANG, &usage) == 0 {
            if Date().timeIntervalSince(started) > timeout && !timedOut {
                timedOut = true
                kill(pid, SIGKILL)
            }
            usleep(2_000)
        }
        let seconds = Date().timeIntervalSince(started)
        #if os(Linux)
        let peak = Int(usage.ru_maxrss) * 1024   // kilobytes on Linux
        #else
        let peak = Int(usage.ru_maxrss)          // bytes on macOS
        #endif
        let signal = status & 0x7F
        return Outcome(status: signal != 0 ? signal : (status >> 8) & 0xFF, signaled: signal != 0, timedOut: timedOut,
                       stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                       stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                       peakBytes: peak, seconds: seconds)
    }
}
