import ArgumentParser
import Backprop
import Foundation

/// The `backprop` executable: parses flags, calls the library, prints.
@main
struct BackpropCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backprop",
        abstract: "Neural networks trained by layer-wise backpropagation, as in Deep Learning from Scratch.",
        version: backpropVersion,
        subcommands: [TrainCommand.self, EvaluateCommand.self, PredictCommand.self, ConvertCommand.self, GradcheckCommand.self,
                      FiltersCommand.self, ExampleCommand.self, GraphCommand.self, BookCommand.self, BenchCommand.self,
                      SummaryCommand.self, LabCommand.self]
    )

    static func main() {
        relaunchWithTunedBLASIfNeeded()
        main(nil)
    }

    /// OpenBLAS picks its kernels when it loads, from `OPENBLAS_CORETYPE` or its own CPU detection. When
    /// the detection fell back to the generic kernel on a CPU it does not know, run this program again
    /// with the right core type (once; an `OPENBLAS_CORETYPE` the user set is always respected).
    static func relaunchWithTunedBLASIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["OPENBLAS_CORETYPE"] == nil, environment["BACKPROP_BLAS_RELAUNCHED"] == nil,
              let core = BLASInfo.recommendedCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("BACKPROP_BLAS_RELAUNCHED", "1", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // execv returns only on failure: carry on with the kernel OpenBLAS chose.
    }
}
