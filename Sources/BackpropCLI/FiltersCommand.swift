import ArgumentParser
import Backprop
import Foundation

/// `backprop filters`: the first convolution's filters as a grid, as the book's Figure 7-24.
struct FiltersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "filters",
        abstract: "Draw the first layer's convolution filters of a cnn/deep-cnn checkpoint as an SVG grid (Figure 7-24).",
        discussion: "With --initial, draws the filters the run started from (same architecture and seed), "
            + "for the book's before/after comparison."
    )

    @Option(help: "The checkpoint (safetensors) of a cnn or deep-cnn run.")
    var checkpoint: String

    @Option(help: "The SVG file to write.")
    var out: String

    @Flag(help: "Draw the filters before training (the run's initial weights) instead of the trained ones.")
    var initial = false

    func validate() throws {
        guard out.lowercased().hasSuffix(".svg") else { throw ValidationError("--out \(out): the file name must end in .svg") }
    }

    func run() throws {
        try checkOutputPaths([("--out", out)])
        try reportingErrors {
            let saved = try Checkpoint.read(path: checkpoint)
            guard saved.spec.kind.isConvolutional else {
                throw CheckpointError.badMetadata(path: checkpoint, key: "spec",
                                                  reason: "a \(saved.spec.kind.rawValue) network has no convolution filters")
            }
            let network: Network<Double> = initial
                ? Network(spec: saved.spec, seed: saved.training?.options.seed ?? 0)
                : try saved.makeNetwork()
            let weights = network.parameter(named: "W1")!.value
            let title = "\(saved.spec.kind.rawValue) W1 \(weights.shape) — \(initial ? "before training" : "after training")"
            try FilterPlot.write(weights: weights, title: title, to: out)
            print("wrote \(out): \(weights.shape[0]) filters of \(weights.shape[2])×\(weights.shape[3])")
        }
    }
}
