import BackpropCore
import BackpropTraining

extension GraphLayout {
    /// The first step of a layout: the graph on its grid, the lines each node shows and the box they
    /// need, and the labels of every edge that carries them.
    struct MeasuredGraph {
        let graph: ComputationalGraph
        let grid: GraphGrid
        /// Every node's lines and box size, by node index.
        let shapes: [Int: NodeShape]
        /// The labels of every edge whose source is not a side node, by edge index.
        let edgeLabels: [Int: EdgeLabel]

        init(_ graph: ComputationalGraph) {
            self.graph = graph
            let grid = GraphGrid(graph)
            self.grid = grid
            var shapes: [Int: NodeShape] = [:]
            for (index, node) in graph.nodes.enumerated() {
                shapes[index] = NodeShape(node, at: index, in: graph, grid: grid)
            }
            self.shapes = shapes
            var edgeLabels: [Int: EdgeLabel] = [:]
            for (i, edge) in graph.edges.enumerated() where grid.host[edge.from] == nil {
                edgeLabels[i] = EdgeLabel(edge)
            }
            self.edgeLabels = edgeLabels
        }

        /// The edges that carry labels (their source is not a side node), with their indices.
        var labelledEdges: [(index: Int, edge: GraphEdge)] {
            graph.edges.enumerated().filter { grid.host[$0.element.from] == nil }.map { ($0.offset, $0.element) }
        }

        /// Width and height of the side nodes drawn above `host`, side by side (zero when it has none).
        func sideStack(_ host: Int) -> (width: Double, height: Double) {
            let sides = grid.sides[host] ?? []
            guard !sides.isEmpty else { return (0, 0) }
            return (sides.reduce(0) { $0 + shapes[$1]!.width } + GraphLayout.sideGap * Double(sides.count - 1),
                    sides.map { shapes[$0]!.height }.max()!)
        }
    }
}
