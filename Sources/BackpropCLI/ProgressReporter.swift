import Backprop
import Foundation

/// Training progress on stderr: a one-line bar redrawn in place when stderr is a terminal, plain
/// per-epoch lines otherwise; nothing when disabled.
final class ProgressReporter {
    let enabled: Bool
    let total: Int
    let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastDraw = 0.0
    private var drewBar = false

    init(enabled: Bool, total: Int) {
        self.enabled = enabled
        self.total = total
    }

    func step(_ p: StepProgress) {
        guard enabled, isTerminal else { return }
        let now = Date().timeIntervalSince1970
        guard now - lastDraw >= 0.1 || p.iteration == p.totalIterations else { return }
        lastDraw = now
        let width = 24
        let filled = Int(Double(width) * Double(p.iteration) / Double(Swift.max(1, p.totalIterations)))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let line = String(format: "\r%@ epoch %d  iter %d/%d  loss %.4f  %.0f ex/s  ETA %@ ",
                          bar, p.epoch + 1, p.iteration, p.totalIterations, p.loss, p.examplesPerSecond,
                          formatDuration(p.secondsRemaining))
        FileHandle.standardError.write(Data(line.utf8))
        drewBar = true
    }

    func epoch(_ r: EpochRecord) {
        guard enabled else { return }
        if drewBar { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        printError(String(format: "epoch %6.2f  iter %6d  loss %.4f  train acc %.4f  test acc %.4f  %7.1f s",
                          r.epoch, r.iteration, r.loss, r.trainAccuracy, r.testAccuracy, r.seconds))
    }

    func finish() {
        if enabled && drewBar { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    private func formatDuration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
