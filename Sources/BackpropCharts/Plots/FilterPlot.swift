import BackpropCore
import BackpropTraining

/// The first layer's filters as a grid of grayscale images, as the book's Figure 7-24 draws them
/// (ch07/visualize_filter.py: `imshow(FW[i, 0], cmap=gray_r)`): one tile per filter, channel 0, each
/// tile scaled from its own minimum (white) to its maximum (black).
public enum FilterPlot {
    /// A standalone SVG of `weights` (FN, C, FH, FW): FN tiles of FH×FW cells, `columns` tiles per row.
    /// With `captions` (one per tile; lines separated by "\n"), each tile has its caption below it
    /// (the misclassified images of §8.1.1 use this). `title` is written above the grid and is the
    /// document's `<title>`. Stops if `weights` is not 4-D.
    public static func svg<Scalar: TensorScalar>(weights: Tensor<Scalar>, columns: Int = 10, cellSize: Int = 8,
                                                 title: String, captions: [String] = []) -> SVGDocument {
        precondition(weights.rank == 4, "FilterPlot.svg: filters must have shape (FN, C, FH, FW), got \(weights.shape)")
        precondition(columns >= 1 && cellSize >= 1, "FilterPlot.svg: columns and cellSize must be positive")
        let (count, channels, height, width) = (weights.shape[0], weights.shape[1], weights.shape[2], weights.shape[3])
        precondition(captions.isEmpty || captions.count == count, "FilterPlot.svg: \(captions.count) captions for \(count) tiles")
        let gap = cellSize, top = 30
        let captionLines = captions.map { $0.split(separator: "\n", omittingEmptySubsequences: false).count }.max() ?? 0
        let lineHeight = 14, captionHeight = captionLines * lineHeight
        let tileWidth = width * cellSize, tileHeight = height * cellSize
        let rows = (count + columns - 1) / columns
        let totalWidth = gap + Swift.min(count, columns) * (tileWidth + gap)
        let totalHeight = top + rows * (tileHeight + captionHeight + gap) + gap
        var svg = "<text x=\"\(gap)\" y=\"20\" font-size=\"14\">\(SVGDocument.escape(title))</text>\n"
        for f in 0..<count {
            let base = f * channels * height * width          // channel 0 of filter f
            let values = (0..<(height * width)).map { Double(weights.scalars[base + $0]) }
            let low = values.min() ?? 0, high = values.max() ?? 0
            let x0 = gap + (f % columns) * (tileWidth + gap), y0 = top + (f / columns) * (tileHeight + captionHeight + gap)
            svg += "<g>\n"
            for (i, v) in values.enumerated() {
                // gray_r: the smallest weight white, the largest black.
                let level = high > low ? (v - low) / (high - low) : 0.5
                let gray = Int((255 * (1 - level)).rounded())
                svg += "<rect x=\"\(x0 + (i % width) * cellSize)\" y=\"\(y0 + (i / width) * cellSize)\" "
                    + "width=\"\(cellSize)\" height=\"\(cellSize)\" fill=\"rgb(\(gray),\(gray),\(gray))\"/>\n"
            }
            svg += "<rect x=\"\(x0)\" y=\"\(y0)\" width=\"\(tileWidth)\" height=\"\(tileHeight)\" "
                + "fill=\"none\" stroke=\"#999\" stroke-width=\"0.5\"/>\n"
            if !captions.isEmpty {
                for (k, line) in captions[f].split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    svg += "<text x=\"\(x0)\" y=\"\(y0 + tileHeight + (k + 1) * lineHeight - 2)\" "
                        + "font-size=\"11\">\(SVGDocument.escape(String(line)))</text>\n"
                }
            }
            svg += "</g>\n"
        }
        return SVGDocument(width: Double(totalWidth), height: Double(totalHeight), title: title,
                           rootAttributes: "shape-rendering=\"crispEdges\"", body: svg)
    }

    /// Writes the SVG atomically.
    public static func write<Scalar: TensorScalar>(weights: Tensor<Scalar>, title: String, to path: String) throws {
        try svg(weights: weights, title: title).write(to: path)
    }
}
