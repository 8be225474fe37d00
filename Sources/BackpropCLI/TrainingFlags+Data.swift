import Backprop

extension TrainingFlags {
    /// `configuration` with the flags for your own data (image folders, CSV tables) set, and the problem
    /// of an --image-size that is not H or HxW added to `problems`.
    func withDataFlags(_ configuration: TrainingConfiguration, problems: [String]) -> (TrainingConfiguration, problems: [String]) {
        var configuration = configuration, problems = problems
        configuration.channels = channels
        configuration.testSplit = testSplit
        configuration.skipBadImages = skipBadImages ? true : nil
        configuration.target = target
        configuration.testFile = test
        if let imageSize {
            if let sides = parseImageSize(imageSize) {
                configuration.imageSize = sides
            } else {
                problems.append("--image-size must be H or HxW, e.g. 32 or 32x48; got \(imageSize)")
            }
        }
        return (configuration, problems)
    }
}

/// The (height, width) of an --image-size flag: "32" (square) or "32x48" (height × width).
func parseImageSize(_ text: String) -> [Int]? {
    let parts = text.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        .map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard parts.count == 1 || parts.count == 2, parts.allSatisfy({ $0 != nil }) else { return nil }
    let sides = parts.compactMap { $0 }
    return sides.count == 1 ? [sides[0], sides[0]] : sides
}
