import BackpropCharts
import BackpropCore
import BackpropTraining

/// Made-up 28×28 grayscale images in ten classes, for running the book's data experiments without a
/// dataset (`--data synthetic`, and the tests): dim noise (0…59) plus, for class k, a bright horizontal
/// bar (180…255) on rows 4 + 2k and 5 + 2k, columns 2…25. A network learns them in a few steps, so
/// loss curves fall and accuracies rise as on real data, only faster.
public enum SyntheticImages {
    /// `count` images; image i has class (i + r) mod 10 with r random in 0…9. The same seed gives the
    /// same images on every platform.
    public static func make(count: Int, seed: UInt64) -> ImageSet {
        precondition(count >= 0, "SyntheticImages.make: count must be non-negative, got \(count)")
        var generator = SeededGenerator(seed: seed)
        var pixels = [UInt8](repeating: 0, count: count * 784)
        var labels = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            let label = (i + generator.nextIndex(below: 10)) % 10
            labels[i] = UInt8(label)
            let base = i * 784
            for p in 0..<784 { pixels[base + p] = UInt8(generator.nextIndex(below: 60)) }
            for row in (4 + 2 * label)...(5 + 2 * label) {
                for column in 2..<26 { pixels[base + row * 28 + column] = UInt8(180 + generator.nextIndex(below: 76)) }
            }
        }
        return ImageSet(pixels: pixels, labels: labels, rows: 28, columns: 28)
    }
}
