import BackpropCore
import BackpropTraining

extension GraphLayout {
    /// Every place where the layout draws over itself, described; empty when nothing overlaps: two
    /// texts or boxes intersecting, an edge's line running through a text or a node it does not
    /// connect, or anything outside the picture. The tests hold every graph to an empty list.
    func collisions() -> [String] {
        var boxes: [(name: String, box: Box, node: Int?)] = []
        for node in nodes { boxes.append(("node \(node.label.lines.first?.text ?? "?")", node.box, node.index)) }
        for edge in edges {
            if let label = edge.forward { boxes.append(("forward label \(label.lines[0].text)", label.box, nil)) }
            if let label = edge.backward { boxes.append(("backward label \(label.lines[0].text)", label.box, nil)) }
        }
        for text in texts { boxes.append(("text \(text.lines.first?.text ?? "")", text.box, nil)) }
        var found: [String] = []
        for i in boxes.indices {
            let b = boxes[i].box
            if b.x < 0 || b.y < 0 || b.maxX > width || b.maxY > height { found.append("\(boxes[i].name) is outside the picture") }
            for j in boxes.indices where j > i && b.intersects(boxes[j].box) {
                found.append("\(boxes[i].name) overlaps \(boxes[j].name)")
            }
        }
        for edge in edges {
            let ends: Set<Int> = [edge.from, edge.to]
            for (a, b) in zip(edge.points, edge.points.dropFirst()) {
                let length = Swift.max(Swift.abs(b.x - a.x), Swift.abs(b.y - a.y))
                let steps = Swift.max(1, Int(length / 2))
                for k in 0...steps {
                    let t = Double(k) / Double(steps)
                    let (px, py) = (a.x + t * (b.x - a.x), a.y + t * (b.y - a.y))
                    if px < 0 || py < 0 || px > width || py > height {
                        found.append("edge \(edge.index) leaves the picture")
                        break
                    }
                    if let hit = boxes.first(where: { !($0.node.map(ends.contains) ?? false) && $0.box.contains(px, py) }) {
                        found.append("edge \(edge.index) runs through \(hit.name)")
                        break
                    }
                }
            }
        }
        return found
    }
}
