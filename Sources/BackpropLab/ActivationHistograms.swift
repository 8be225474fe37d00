import Backprop

/// The distribution of each layer's output on a batch, as §6.2.1's figures 6-10 to 6-14 draw them: one
/// small histogram per layer (a `Chart` with a `ChartHistogram`), from one inference-mode forward pass.
enum ActivationHistograms {
    /// The histogram of every layer's output for the batch `x`, keyed by the layer's node in the graph
    /// `GraphRecorder.recordChain` draws (node 0 is the input, so layer k is node k + 1).
    static func svgs<Scalar: TensorScalar>(_ network: Network<Scalar>, x: Tensor<Scalar>, labels: [String]) -> [String: String] {
        var result: [String: String] = [:]
        var y = x
        for (k, layer) in network.layers.enumerated() {
            y = layer.forward(y, training: false)
            let label = k + 1 < labels.count ? labels[k + 1] : "layer \(k + 1)"
            result[String(k + 1)] = svg(y.scalars.map { Double($0) }, title: "\(label) output, \(y.count) values").text
        }
        return result
    }

    /// A 30-bin histogram of `values` between their minimum and maximum.
    static func svg(_ values: [Double], title: String, bins: Int = 30) -> SVGDocument {
        let finite = values.filter(\.isFinite)
        let low = finite.min() ?? 0, high = max(finite.max() ?? 1, low + 1e-12)
        let width = (high - low) / Double(bins)
        var counts = Array(repeating: 0, count: bins)
        for v in finite { counts[min(bins - 1, Int((v - low) / width))] += 1 }
        let edges = (0...bins).map { low + Double($0) * width }
        var panel = ChartPanel(xLabel: "value", yLabel: "count")
        panel.histogram = ChartHistogram(edges: edges, counts: counts)
        panel.legend = false
        return Chart(title: title, panels: [panel], panelWidth: 320, panelHeight: 190).svg
    }
}
