import ArgumentParser
import Backprop
import BackpropInterop
import Foundation

/// `backprop book list` and `backprop book NAME`: the book's experiments (`BookCatalog`), printed as
/// their scripts print them, with `--json` for the values and `--plot` for the figure.
struct BookCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "book",
        abstract: "Run one of the book's experiments (ch. 3, 4, 6, 8): `book list` names them all.",
        discussion: "Prints what the book's script prints; --plot FILE.svg draws its figure, --json prints the results as one JSON object."
    )

    @Argument(help: "`list`, or the experiment to run.")
    var name: String

    @Option(help: "Write the experiment's figure to this SVG file.")
    var plot: String?

    @Flag(help: "Print the results as one line of JSON instead of text.")
    var json = false

    @Option(help: "MNIST-format directory, or `synthetic` (default: $BACKPROP_DATA, else \(DatasetDirectory.defaultPath)).")
    var data: String?

    @Option(help: "Seed of every random draw.")
    var seed: UInt64 = 0

    @Option(help: "Weights for the experiments that evaluate a network (ch03-inference: the book's sample_weight.pkl).")
    var checkpoint: String?

    @Flag(help: "A tiny version that runs in about a second.")
    var quick = false

    func run() throws {
        let catalog = BookCatalog.withBookWeights
        if name == "list" {
            if json {
                print(BookValue.array(catalog.map { e in
                    ["name": .string(e.name), "section": .string(e.section), "figure": e.figure.map(BookValue.string) ?? .string(""),
                     "summary": .string(e.summary)]
                }).jsonText)
            } else {
                let width = (catalog.map(\.name.count).max() ?? 0) + 2
                let sectionWidth = (catalog.map { ($0.section + ($0.figure.map { ", " + $0 } ?? "")).count }.max() ?? 0) + 2
                for e in catalog {
                    let where_ = e.section + (e.figure.map { ", " + $0 } ?? "")
                    print(e.name.padding(toLength: width, withPad: " ", startingAt: 0)
                          + where_.padding(toLength: sectionWidth, withPad: " ", startingAt: 0) + e.summary)
                }
            }
            return
        }
        guard let experiment = BookCatalog.experiment(named: name, in: catalog) else {
            printError("backprop: unknown experiment \"\(name)\"; valid names: list, \(catalog.map(\.name).joined(separator: ", "))")
            throw ExitCode.validationFailure
        }
        if plot != nil && experiment.figure == nil {
            printError("backprop: book \(name) draws no figure; leave out --plot")
            throw ExitCode.validationFailure
        }
        // Before the experiment runs (some take minutes): a --plot that could never be written.
        try checkOutputPaths([("--plot", plot)])
        let scale: BookScale = quick ? .quick : .book
        let bookData: BookData = data == "synthetic" ? .synthetic(count: quick ? 300 : 6000)
            : .directory(DatasetDirectory.resolve(data))
        let context = BookContext(seed: seed, data: bookData, checkpoint: checkpoint, scale: scale)
        let report = try reportingErrors {
            do {
                return try experiment.run(context)
            } catch let error as BookError {
                printError("backprop: \(error)")
                throw ExitCode(ExitStatus.badData)
            } catch let error as PickleError {
                printError("backprop: \(error)")
                throw ExitCode(ExitStatus.badData)
            } catch let error as InteropError {
                printError("backprop: \(error)")
                throw ExitCode(ExitStatus.badData)
            }
        }
        if let plot, let svg = report.plot {
            try reportingErrors { try svg.write(to: plot) }
        }
        if json {
            var object: [String: BookValue] = ["experiment": .string(experiment.name), "section": .string(experiment.section),
                                               "seed": Int(exactly: seed).map(BookValue.integer) ?? .string(String(seed)),
                                               "scale": .string(scale.rawValue),
                                               "results": .object(report.values)]
            if let figure = experiment.figure { object["figure"] = .string(figure) }
            print(BookValue.object(object).jsonText)
        } else {
            report.lines.forEach { print($0) }
            if let plot { print("figure written to \(plot)") }
        }
    }
}
