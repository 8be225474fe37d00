import Foundation

/// How the learning rate changes over a run (`backprop train --lr-schedule … --warmup N`), as PyTorch's
/// schedulers define it. The rate of a step is a pure function of the step's index, so a resumed run
/// continues the schedule exactly.
///
/// With base rate η₀ (`--learning-rate` or the default), step i (0-based: the i-th optimizer update),
/// E batches per epoch, T iterations in the run and W warm-up iterations:
///
/// - warm-up, for i < W: η = η₀ · i / W — linear from 0 (the first update uses 0), as PyTorch's
///   `LinearLR(start_factor=0, total_iters=W)` stepped once per iteration;
/// - `constant`: η = η₀;
/// - `step(epochs: S, gamma: γ)`: η = η₀ · γ^⌊e / S⌋ with e = ⌊i / E⌋ the epochs completed — PyTorch's
///   `StepLR(step_size=S, gamma=γ)` stepped once per epoch (the warm-up only replaces its first W rates);
/// - `cosine`: η = η₀ · (1 + cos(π · (i − W) / (T − W))) / 2 — PyTorch's `CosineAnnealingLR(T_max=T−W,
///   eta_min=0)` stepped once per iteration after the warm-up (`SequentialLR` of the two).
public enum LearningRateSchedule: Codable, Sendable, Equatable, CustomStringConvertible {
    /// The base rate throughout.
    case constant
    /// The base rate times `gamma` after every `epochs` epochs.
    case step(epochs: Int, gamma: Double)
    /// Half a cosine from the base rate down to 0 over the run (after the warm-up).
    case cosine

    /// Parses the flag's text: `constant`, `step:EPOCHS:GAMMA` (e.g. `step:2:0.5`) or `cosine`; nil when
    /// it is none of these (numbers out of range parse, and are named by `problems(warmup:)`).
    public init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts.first {
        case "constant" where parts.count == 1: self = .constant
        case "cosine" where parts.count == 1: self = .cosine
        case "step" where parts.count == 3:
            guard let epochs = Int(parts[1]), let gamma = Double(parts[2]) else { return nil }
            self = .step(epochs: epochs, gamma: gamma)
        default: return nil
        }
    }

    /// The flag's text, e.g. `step:2:0.5`.
    public var description: String {
        switch self {
        case .constant: "constant"
        case .step(let epochs, let gamma): "step:\(epochs):\(gamma)"
        case .cosine: "cosine"
        }
    }

    /// The message for a --lr-schedule that `init(argument:)` refuses.
    public static func unknownArgumentProblem(_ text: String) -> String {
        "--lr-schedule must be constant, step:EPOCHS:GAMMA (e.g. step:2:0.5) or cosine, got \(text)"
    }

    /// Every problem with the schedule and the warm-up, each naming its flag (empty when valid).
    public func problems(warmup: Int) -> [String] {
        var result: [String] = []
        if case .step(let epochs, let gamma) = self {
            if epochs < 1 { result.append("--lr-schedule \(self): the step must be at least 1 epoch, got \(epochs)") }
            if !(gamma > 0 && gamma.isFinite) { result.append("--lr-schedule \(self): gamma must be a positive number, got \(gamma)") }
        }
        if warmup < 0 { result.append("--warmup must be at least 0 iterations, got \(warmup)") }
        return result
    }

    /// The rate of step `iteration` (0-based) for base rate `base`, as the type's documentation defines.
    /// `iterationsPerEpoch` and `totalIterations` are the run's (E and T); `warmup` is W.
    public func rate(at iteration: Int, base: Double, warmup: Int, iterationsPerEpoch: Int, totalIterations: Int) -> Double {
        if iteration < warmup { return base * Double(iteration) / Double(warmup) }
        switch self {
        case .constant:
            return base
        case .step(let epochs, let gamma):
            let epoch = iteration / Swift.max(iterationsPerEpoch, 1)
            return base * pow(gamma, Double(epoch / Swift.max(epochs, 1)))
        case .cosine:
            let span = Double(Swift.max(totalIterations - warmup, 1))
            return base * (1 + cos(Double.pi * Double(iteration - warmup) / span)) / 2
        }
    }
}
