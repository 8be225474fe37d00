import BackpropCore
import BackpropTraining

extension GraphLayout {
    /// The texts written along an edge: its forward value above, its gradient (after a ←) below.
    struct EdgeLabel {
        var forward: [String]
        var backward: [String]

        init(_ edge: GraphEdge) {
            forward = GraphLabels.forwardLines(edge)
            backward = GraphLabels.backwardLines(edge)
            if !backward.isEmpty { backward[0] = "← " + backward[0] }
        }

        /// The widest line of either.
        var width: Double {
            (forward + backward).map { TextMetrics.width($0, size: GraphLayout.labelSize) }.max() ?? 0
        }
    }
}
