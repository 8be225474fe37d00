@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining
import Foundation
import Testing

/// The pictures: nothing drawn over anything else in any of the graphs `backprop graph` makes, the
/// book's numbers in the SVG, and DOT that Graphviz renders.
@Suite("Graph: SVG and DOT")
struct GraphRenderingTests {
    static func networkGraphs() -> [(String, ComputationalGraph)] {
        let specs: [NetworkSpec] = [
            NetworkSpec(kind: .twoLayer, inputSize: 784, hiddenSizes: [50], outputSize: 10, weightInit: .standardDeviation(0.01)),
            NetworkSpec(kind: .mlp, inputSize: 784, hiddenSizes: [100, 100], outputSize: 10, batchNorm: true, dropoutRatio: 0.2),
            NetworkSpec(kind: .cnn, inputSize: 784, hiddenSizes: [100], outputSize: 10, weightInit: .standardDeviation(0.01)),
            NetworkSpec(kind: .deepCNN, inputSize: 784, hiddenSizes: [50], outputSize: 10, dropoutRatio: 0.5),
        ]
        var result: [(String, ComputationalGraph)] = []
        var rng = SeededGenerator(seed: 2)
        for spec in specs {
            let shape = spec.kind.isConvolutional ? spec.imageShape : [spec.inputSize]
            result.append((spec.kind.rawValue,
                           NetworkGraph.shapes(of: Network<Float>(spec: spec), exampleShape: shape, title: spec.kind.rawValue)))
            let x = Tensor<Float>.randomUniform([3] + shape, using: &rng)
            let t = Tensor<Float>([1, 4, 7])
            result.append((spec.kind.rawValue + " with a batch",
                           NetworkGraph.pass(of: Network<Float>(spec: spec), x: x, t: t,
                                             title: spec.kind.rawValue + ", a batch of 3 with a long title to fit")))
        }
        return result
    }

    /// Made once: the convolutional passes take a while in a debug build.
    static let all = allGraphs()

    static func allGraphs() -> [(String, ComputationalGraph)] {
        [("buy-apple", BookGraphs.buyApple()), ("buy-apple-orange", BookGraphs.buyAppleOrange()),
         ("buy-apple-orange, long numbers",
          BookGraphs.buyAppleOrange(apple: 123.456789, appleCount: 17, orange: 0.000123, orangeCount: 1e9, tax: 1.0825)),
         ("sigmoid", BookGraphs.sigmoid()), ("sigmoid at -7", BookGraphs.sigmoid(x: -7, dout: 0.001)),
         ("relu", BookGraphs.relu()), ("relu at -1", BookGraphs.relu(x: -1)), ("affine", BookGraphs.affine()),
         ("affine 100×784→50", BookGraphs.affine(batch: 100, inputs: 784, outputs: 50))] + networkGraphs()
    }

    @Test("no text, box or line is drawn over another in any graph, and everything is inside the picture")
    func nothingOverlaps() {
        for (name, graph) in Self.all {
            let layout = GraphLayout(graph)
            #expect(layout.collisions().isEmpty, "\(name): \(layout.collisions().prefix(5))")
            #expect(layout.nodes.count == graph.nodes.count && layout.edges.count == graph.edges.count, "\(name)")
        }
    }

    @Test("the checker itself sees an overlap")
    func checkerFindsOverlaps() {
        var layout = GraphLayout(BookGraphs.buyApple())
        layout.nodes[1].box = layout.nodes[0].box
        #expect(!layout.collisions().isEmpty)
    }

    @Test("long chains wrap into rows no wider than asked")
    func chainsWrap() {
        let deep = Self.all.first { $0.0 == "deep-cnn" }!.1
        let layout = GraphLayout(deep, maxWidth: 1500)
        #expect(layout.width <= 1500 + 2 * GraphLayout.margin + 40, "width \(layout.width)")
        let rows = Set(layout.nodes.filter { !$0.isSide }.map { Int($0.box.midY) })
        #expect(rows.count >= 3, "\(rows.count) rows")
    }

    @Test("the SVG is one document with the book's numbers as text, forward in black and gradients in red")
    func svgText() {
        let svg = GraphSVG.render(BookGraphs.buyAppleOrange())
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.hasSuffix("</svg>\n"))
        for text in ["715", "650", "← 3.3", "← 165", "← 650", "← 2.2", "← 110"] {
            #expect(svg.contains(">\(text)</text>"), "\(text)")
        }
        #expect(svg.contains("fill=\"#d62728\""))
        // Valid XML built by SVGDocument: the graph's title, the arrow head in <defs>, a white background.
        let xml = XMLSummary.parse(svg)
        #expect(xml.error == nil)
        #expect(xml.all("title").map(\.text) == [BookGraphs.buyAppleOrange().title])
        #expect(xml.count("marker", in: xml.indices("defs").first) == 1)
        #expect(xml.elements.first { $0.name == "rect" }?.attributes["fill"] == "#ffffff")
        #expect(svg == GraphSVG.document(BookGraphs.buyAppleOrange()).text)
        // XML special characters in a title are escaped.
        var g = BookGraphs.relu()
        g.title = "a < b & \"c\""
        #expect(GraphSVG.render(g).contains("a &lt; b &amp; &quot;c&quot;"))
    }

    @Test("DOT: Graphviz's dot renders every graph to SVG")
    func dotRenders() throws {
        let dots = ["/usr/bin/dot", "/usr/local/bin/dot", "/opt/homebrew/bin/dot"]
        guard let dot = dots.first(where: FileManager.default.isExecutableFile) else {
            Issue.record("Graphviz's dot is needed for this check (scripts/setup.sh installs graphviz)")
            return
        }
        for (name, graph) in [Self.all[1], Self.all[3], Self.all[7]] + Self.all.suffix(2) {
            let text = GraphDOT.render(graph)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("backprop-dot-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let input = directory.appendingPathComponent("g.dot"), output = directory.appendingPathComponent("g.svg")
            try text.write(to: input, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: dot)
            process.arguments = ["-Tsvg", input.path, "-o", output.path]
            let errors = directory.appendingPathComponent("err")
            _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errors)
            try process.run()
            process.waitUntilExit()
            // dot writes "-" as &#45;.
            let svg = ((try? String(contentsOf: output, encoding: .utf8)) ?? "").replacingOccurrences(of: "&#45;", with: "-")
            let stderr = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            #expect(process.terminationStatus == 0 && stderr.isEmpty, "\(name): \(stderr)")
            #expect(svg.contains("<svg"), "\(name)")
            for edge in graph.edges {
                for line in GraphLabels.forwardLines(edge) + GraphLabels.backwardLines(edge) {
                    let found = svg.contains(GraphDOT.escape(line))
                    #expect(found, "\(name): \(line) is not in dot's SVG")
                }
            }
        }
    }

    @Test("the text rendering lists every edge with its forward value and gradient")
    func text() {
        #expect(GraphText.render(BookGraphs.buyApple()) == """
            buy-apple: §5.4.1, figure 5-16
            edge           forward  backward
            apple → ×      100      2.2
            apple_num → ×  2        110
            × → ×          200      1.1
            tax → ×        1.1      200
            × → price      220      1

            """)
    }
}
