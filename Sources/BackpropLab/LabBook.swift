import Backprop
import Foundation

/// The Book view: `BookCatalog` as a gallery, and one experiment at a time run at quick scale, its figure
/// (the report's `SVGDocument`, the SVG `backprop book NAME --plot x.svg` writes) and printed lines.
///
/// Which experiments run from the page is decided by their quick scale, not by timing: every experiment
/// of `BookCatalog.all` promises that `.quick` finishes in about a second (the tests run them all that
/// way; from 0.06 s to 1.5 s in a debug build, the data experiments loading Fashion-MNIST included), so
/// they run here, on `BookData.standard` with seed 0 as `backprop book NAME --quick` runs them. Others in
/// the catalog given (`ch03-inference`, which needs the book's weights file) show the command instead.
struct LabBook: Sendable {
    /// The gallery's experiments, in the book's order.
    let catalog: [any BookExperiment]

    /// One experiment of the gallery.
    struct Entry: Encodable, Sendable {
        var name: String
        var section: String
        var figure: String?
        var summary: String
        /// Whether the page's Run button runs it.
        var runnable: Bool
        /// The command line that runs it at quick scale.
        var command: String
    }

    /// What a run of one experiment shows.
    struct Run: Encodable, Sendable {
        var name: String
        var section: String
        var figure: String?
        /// As `backprop book NAME --quick` prints them.
        var lines: [String]
        /// The figure, as `--plot x.svg` writes it (nil when the section draws none).
        var svg: String?
    }

    /// The names the page may run: the library's catalog, each sized to about a second at quick scale.
    static let runnable = Set(BookCatalog.all.map(\.name))

    /// The gallery.
    var entries: [Entry] {
        catalog.map { e in
            let runnable = Self.runnable.contains(e.name)
            return Entry(name: e.name, section: e.section, figure: e.figure, summary: e.summary, runnable: runnable,
                         command: "backprop book \(e.name)" + (runnable ? " --quick" : ""))
        }
    }

    /// The experiment `name`, if the page runs it. Throws `unknownExperiment` (404) or `cliOnly` (400).
    func experiment(_ name: String) throws -> any BookExperiment {
        guard let experiment = BookCatalog.experiment(named: name, in: catalog) else {
            throw LabRequestError.unknownExperiment(name, known: catalog.map(\.name))
        }
        guard Self.runnable.contains(name) else { throw LabRequestError.cliOnly(name) }
        return experiment
    }

    /// Runs `experiment` at quick scale with seed 0 and the standard data (as `backprop book NAME --quick`) on a thread of its own.
    static func run(_ experiment: any BookExperiment) async throws -> Run {
        let report: BookReport = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try experiment.run(BookContext(scale: .quick)) })
            }
        }
        return Run(name: experiment.name, section: experiment.section, figure: experiment.figure, lines: report.lines,
                   svg: report.plot?.text)
    }
}
