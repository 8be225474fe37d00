import ArgumentParser
import Backprop
import Foundation

/// Bounds on sizes that come from outside (flags), checked before anything is allocated for them.
enum SizeLimits {
    /// The default of `--max-parameters`: 100 million trainable parameters, 1.6 GB to train in float32
    /// with Adam (weights, gradients and two moments). The book's networks have well under a million;
    /// a typo such as `--hidden 1000000000` asks for terabytes.
    static let defaultMaxParameters = 100_000_000

    /// The help of `--max-parameters`, shared by the commands that build a network from flags.
    static let maxParametersHelp: ArgumentHelp = """
        Refuse a network of more trainable parameters than this (default \(defaultMaxParameters); \
        raise it for a larger --hidden).
        """

    /// Refuses, with one line naming `flag` and exit status 64, a network of `spec` whose parameter count
    /// is above `limit` or overflows. `bytesPerParameter` is what each parameter costs (scalar size times
    /// the copies kept: weights, gradients, optimizer state); `what` says for what ("to train in float32
    /// with adam").
    static func checkNetwork(_ spec: NetworkSpec, flag: String, limit: Int, bytesPerParameter: Int, what: String) throws {
        guard let count = spec.parameterCount else {
            throw usageFailure("\(flag): the network's parameter count does not fit in 64 bits; the limit is --max-parameters \(limit)")
        }
        guard count > limit else { return }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: bytesPerParameter)
        let size = overflow ? "over \(byteText(Int.max))" : byteText(bytes)
        throw usageFailure("\(flag): the network has \(count) parameters (\(size) \(what)), more than --max-parameters \(limit)")
    }

    /// What a benchmark may allocate for its arrays (4 GB): --matrix-size and --elements past it are refused.
    static let benchmarkBytes = 4_000_000_000

    /// Refuses (one line naming `flag`, exit 64) `arrays` arrays of `count` float32 values past
    /// `benchmarkBytes`, or a count whose bytes overflow.
    static func checkBenchmarkArrays(flag: String, arrays: Int, count: Int, what: String) throws {
        let (perArray, overflow1) = count.multipliedReportingOverflow(by: 4)
        let (bytes, overflow2) = perArray.multipliedReportingOverflow(by: arrays)
        guard overflow1 || overflow2 || bytes > benchmarkBytes else { return }
        let size = overflow1 || overflow2 ? "over \(byteText(Int.max))" : byteText(bytes)
        throw usageFailure("\(flag): \(what) take \(size), more than the \(byteText(benchmarkBytes)) a benchmark may allocate")
    }

    /// Bytes per parameter to train in `dtype` with `optimizer`: weights, gradients and optimizer state.
    static func trainingBytesPerParameter(scalarSize: Int, optimizer: OptimizerKind) -> Int {
        scalarSize * (2 + optimizer.stateSlots)
    }

    /// "6.3 TB", "1.6 GB", "512 bytes": decimal units.
    static func byteText(_ bytes: Int) -> String {
        let units = ["KB", "MB", "GB", "TB", "PB", "EB"]
        guard bytes >= 1_000 else { return "\(bytes) bytes" }
        var value = Double(bytes) / 1_000
        var unit = 0
        while value >= 1_000 && unit < units.count - 1 {
            value /= 1_000
            unit += 1
        }
        return String(format: "%.1f %@", value, units[unit])
    }
}

/// Prints "backprop: MESSAGE" (one line) and returns exit status 64 to throw: a usage error without
/// ArgumentParser's usage text after it.
func usageFailure(_ message: String) -> ExitCode {
    printError("backprop: " + oneLine(message))
    return ExitCode(ExitStatus.usage)
}
