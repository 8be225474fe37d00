import BackpropCore
import BackpropTraining

/// The grid `GraphLayout` places nodes on: which nodes are side nodes (drawn above the layer they feed),
/// and the column and row of every other node — the graph's own positions when all its nodes have one,
/// else a column one after the node's inputs (inputs just before the first node that uses them).
struct GraphGrid {
    struct Cell: Equatable {
        var column: Int
        var row: Int
    }

    /// Column and row of every node that is not a side node.
    var cells: [Int: Cell] = [:]
    /// The layer each side node feeds, and the side nodes of each layer (in order).
    var host: [Int: Int] = [:]
    var sides: [Int: [Int]] = [:]
    /// Placed automatically with one node per column: a chain that may wrap.
    var isChain = false

    init(_ graph: ComputationalGraph) {
        // A side node: placed automatically, no inputs, one output that is not its consumer's first input.
        var firstInput: [Int: Int] = [:]
        for (i, edge) in graph.edges.enumerated() where firstInput[edge.to] == nil { firstInput[edge.to] = i }
        for (index, node) in graph.nodes.enumerated() where node.position == nil {
            let outgoing = graph.edges.indices.filter { graph.edges[$0].from == index }
            guard outgoing.count == 1, firstInput[index] == nil, firstInput[graph.edges[outgoing[0]].to] != outgoing[0] else { continue }
            let consumer = graph.edges[outgoing[0]].to
            host[index] = consumer
            sides[consumer, default: []].append(index)
        }
        let main = graph.nodes.indices.filter { host[$0] == nil }
        if main.allSatisfy({ graph.nodes[$0].position != nil }) {
            for index in main {
                let p = graph.nodes[index].position!
                cells[index] = Cell(column: Swift.max(0, p.column), row: Swift.max(0, p.row))
            }
            return
        }
        // Longest path from the sources, then each source just before its first consumer.
        let mainEdges = graph.edges.filter { host[$0.from] == nil && host[$0.to] == nil && $0.from != $0.to }
        var column: [Int: Int] = Dictionary(uniqueKeysWithValues: main.map { ($0, 0) })
        for _ in 0..<main.count {
            var changed = false
            for edge in mainEdges where column[edge.to]! < column[edge.from]! + 1 {
                column[edge.to] = column[edge.from]! + 1
                changed = true
            }
            if !changed { break }
        }
        for index in main where !mainEdges.contains(where: { $0.to == index }) {
            let consumers = mainEdges.filter { $0.from == index }.map { column[$0.to]! }
            if let first = consumers.min() { column[index] = Swift.max(0, first - 1) }
        }
        var rows: [Int: Int] = [:]
        for index in main {
            let c = column[index]!
            cells[index] = Cell(column: c, row: rows[c, default: 0])
            rows[c, default: 0] += 1
        }
        isChain = rows.values.allSatisfy { $0 == 1 }
    }

    /// The chain's cells folded into rows of `k` columns.
    func wrapped(every k: Int) -> [Int: Cell] {
        cells.mapValues { Cell(column: $0.column % k, row: $0.column / k) }
    }

    /// Where an edge's labels go: the gap after its source's column, on the source's row; or, for an
    /// edge that wraps to the start of the next row, the gap before column 0 (gap −1) on that row.
    static func slot(_ edge: GraphEdge, _ cells: [Int: Cell]) -> (gap: Int, row: Int) {
        guard let from = cells[edge.from], let to = cells[edge.to] else { return (0, 0) }
        if to.row > from.row && to.column <= from.column { return (-1, to.row) }
        return (from.column, from.row)
    }
}
