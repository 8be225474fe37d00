import BackpropCore
import BackpropTraining
import Foundation

/// Where `GraphSVG` draws everything, computed from text widths (`TextMetrics`) so that nothing
/// overlaps: nodes on a grid of columns (left to right) and rows; each edge runs right from its source,
/// along its source's row, with the forward value above it and the gradient below it in the gap after
/// the source's column (every gap is as wide as its widest label); an edge to another row turns at the
/// target's centre. Parameters (and a loss layer's targets) sit above the layer they feed. A long chain
/// wraps onto further rows, each row entered from the left.
///
/// The steps, each its own type: `MeasuredGraph` (the texts of the nodes and edges, and the boxes they
/// need), `Columns` (the grid's columns and the gaps between them, wrapped if too wide), `Rows` (each
/// row's height and centre line), then the boxes here and the edges' routes (`EdgeRouter`).
struct GraphLayout {
    struct Box: Equatable {
        var x, y, width, height: Double
        var maxX: Double { x + width }
        var maxY: Double { y + height }
        var midX: Double { x + width / 2 }
        var midY: Double { y + height / 2 }

        func intersects(_ other: Box) -> Bool {
            x < other.maxX && other.x < maxX && y < other.maxY && other.y < maxY
        }

        func contains(_ px: Double, _ py: Double) -> Bool {
            px > x && px < maxX && py > y && py < maxY
        }
    }

    struct TextLine {
        var text: String
        var x: Double
        var baseline: Double
        var size: Double
        var color: String
        var bold = false
    }

    /// Lines of text and the box they fill.
    struct Label {
        var lines: [TextLine]
        var box: Box
    }

    struct PlacedNode {
        var index: Int
        var box: Box
        /// Drawn above the layer it feeds (a parameter, or a loss layer's targets).
        var isSide: Bool
        var label: Label
    }

    struct PlacedEdge {
        var index: Int
        /// The nodes it joins (indices in the graph's `nodes`).
        var from: Int, to: Int
        var points: [(x: Double, y: Double)]
        /// The short link from a side node to its layer (its gradient is written in the side node).
        var isSideLink: Bool
        var forward: Label?
        var backward: Label?
    }

    static let forwardColor = "#000000"
    static let gradientColor = "#d62728"
    static let labelSize = 12.0, labelLine = 15.0
    static let margin = 20.0, rowGap = 30.0, sideLink = 22.0, sideGap = 8.0

    var nodes: [PlacedNode] = []
    var edges: [PlacedEdge] = []
    var texts: [Label] = []   // title, legend, notes
    var width = 0.0, height = 0.0

    /// The layout of `graph`, wrapping an automatically placed chain at about `maxWidth`.
    init(_ graph: ComputationalGraph, maxWidth: Double = 1500) {
        let measured = MeasuredGraph(graph)
        let (cells, columns) = Columns.placement(of: measured, maxWidth: maxWidth)
        let rows = Rows(cells, measured)
        let boxes = Self.boxes(cells, columns, rows, measured)
        for index in graph.nodes.indices {
            guard let box = boxes[index] else { continue }
            nodes.append(Self.placedNode(index, box: box, measured))
        }
        var router = EdgeRouter(measured: measured, cells: cells, columns: columns, rows: rows, boxes: boxes)
        for (i, edge) in graph.edges.enumerated() {
            if let placed = router.route(i, edge) { edges.append(placed) }
        }
        addTitleAndFooter(graph, top: rows.end - Self.rowGap + 16)
    }

    /// The box of every node: each main node centred in its cell, each layer's side nodes side by side
    /// above its row's labels, centred over the layer.
    private static func boxes(_ cells: [Int: GraphGrid.Cell], _ columns: Columns, _ rows: Rows,
                              _ measured: MeasuredGraph) -> [Int: Box] {
        var boxes: [Int: Box] = [:]
        for (node, cell) in cells {
            let s = measured.shapes[node]!
            boxes[node] = Box(x: columns.x[cell.column] + (columns.widths[cell.column] - s.width) / 2,
                              y: rows.y[cell.row] - s.height / 2, width: s.width, height: s.height)
        }
        for (host, sides) in measured.grid.sides {
            guard let hostBox = boxes[host], let cell = cells[host] else { continue }
            var sx = hostBox.midX - measured.sideStack(host).width / 2
            let bottom = rows.y[cell.row] - rows.upper[cell.row] - sideLink
            for side in sides {
                let s = measured.shapes[side]!
                boxes[side] = Box(x: sx, y: bottom - s.height, width: s.width, height: s.height)
                sx += s.width + sideGap
            }
        }
        return boxes
    }

    /// Node `index` in `box`, its lines centred in it one under another.
    private static func placedNode(_ index: Int, box: Box, _ measured: MeasuredGraph) -> PlacedNode {
        let shape = measured.shapes[index]!
        var lines: [TextLine] = []
        var baseline = box.midY - shape.textHeight / 2
        for line in shape.lines {
            baseline += line.size + 4
            lines.append(TextLine(text: line.text, x: box.midX, baseline: baseline - 4 - line.size * 0.12, size: line.size,
                                  color: line.color, bold: line.bold))
        }
        return PlacedNode(index: index, box: box, isSide: measured.grid.host[index] != nil, label: Label(lines: lines, box: box))
    }

    /// Title above, legend and notes below (from `bottom`), then everything moved right of the margin,
    /// and the picture's size.
    private mutating func addTitleAndFooter(_ graph: ComputationalGraph, top bottom: Double) {
        let m = GraphLayout.self
        texts.append(m.textBlock([graph.title], size: 16, top: 10, bold: true))
        let footer = m.textBlock([GraphLabels.legend(for: graph)] + graph.notes, size: 12.5, top: bottom, color: "#333333")
        texts.append(footer)
        let allX = nodes.map(\.box.x) + edges.flatMap { $0.points.map(\.x) }
        let shift = Swift.max(0, m.margin - (allX.min() ?? m.margin))
        if shift > 0 { move(by: shift) }
        let edgeX = edges.flatMap { e in e.points.map(\.x) + [e.forward?.box.maxX, e.backward?.box.maxX].compactMap { $0 } }
        let rightmost = (nodes.map(\.box.maxX) + edgeX + texts.map(\.box.maxX)).max() ?? 0
        width = (rightmost + m.margin).rounded(.up)
        height = (footer.box.maxY + m.margin).rounded(.up)
    }

    /// Lines of `size` one under another from `top`, left-aligned at the margin.
    private static func textBlock(_ lines: [String], size: Double, top: Double, bold: Bool = false,
                                  color: String = "#000000") -> Label {
        let w = lines.map { TextMetrics.width($0, size: size, bold: bold) }.max() ?? 0
        let textLines = lines.enumerated().map { k, text in
            TextLine(text: text, x: margin + w / 2, baseline: top + Double(k) * (size + 5) + size * 0.9, size: size,
                     color: color, bold: bold)
        }
        return Label(lines: textLines, box: Box(x: margin, y: top, width: w, height: Double(lines.count) * (size + 5)))
    }

    /// Moves the graph (not the title and notes) right by `dx`.
    private mutating func move(by dx: Double) {
        func moved(_ label: Label) -> Label {
            var label = label
            label.box.x += dx
            for k in label.lines.indices { label.lines[k].x += dx }
            return label
        }
        for k in nodes.indices {
            nodes[k].box.x += dx
            nodes[k].label = moved(nodes[k].label)
        }
        for k in edges.indices {
            edges[k].points = edges[k].points.map { ($0.x + dx, $0.y) }
            edges[k].forward = edges[k].forward.map(moved)
            edges[k].backward = edges[k].backward.map(moved)
        }
    }
}
