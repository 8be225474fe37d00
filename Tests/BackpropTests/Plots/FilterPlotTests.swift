import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Figure 7-24's filter grid (`backprop filters`), built through `SVGDocument`.
struct FilterPlotTests {
    @Test func oneTilePerFilterScaledFromWhiteToBlack() throws {
        // Two filters of 2×3, channel 0 then channel 1 (ignored).
        let w = Tensor<Double>(shape: [2, 2, 2, 3], scalars: [
            0, 1, 2, 3, 4, 5,        7, 7, 7, 7, 7, 7,
            -1, -1, -1, -1, -1, 9,   0, 0, 0, 0, 0, 0,
        ])
        let svg = FilterPlot.svg(weights: w, columns: 10, cellSize: 4, title: "a < b & c").text
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        let xml = XMLSummary.parse(svg)
        #expect(xml.error == nil)
        // Two 12×8 tiles side by side with 4-pixel gaps, under a 30-pixel title band.
        let root = try #require(xml.elements.first)
        #expect(root.attributes["width"] == "36.00" && root.attributes["height"] == "46.00")
        #expect(root.attributes["viewBox"] == "0 0 36.00 46.00" && root.attributes["shape-rendering"] == "crispEdges")
        // The title, escaped once, in <title> and above the grid.
        #expect(xml.all("title").map(\.text) == ["a < b & c"] && xml.labels() == ["a < b & c"])
        #expect(svg.components(separatedBy: "a &lt; b &amp; c").count - 1 == 2)
        // One group per filter, each 6 cells and a frame.
        let tiles = xml.indices("g")
        #expect(tiles.count == 2)
        let cells = tiles.map { tile in xml.all("rect", in: tile).filter { $0.attributes["fill"]!.hasPrefix("rgb(") } }
        #expect(cells.map(\.count) == [6, 6])
        #expect(xml.all("rect", in: tiles[0]).count == 7)
        // Filter 0: 0 is white, 5 is black, 1 is 80% white (gray_r); filter 1: five −1 white, 9 black.
        #expect(cells[0].map { $0.attributes["fill"]! } == [
            "rgb(255,255,255)", "rgb(204,204,204)", "rgb(153,153,153)", "rgb(102,102,102)", "rgb(51,51,51)", "rgb(0,0,0)",
        ])
        #expect(cells[1].map { $0.attributes["fill"]! } == Array(repeating: "rgb(255,255,255)", count: 5) + ["rgb(0,0,0)"])
        #expect(cells[1][0].attributes["x"] == "20" && cells[1][0].attributes["y"] == "30")
    }

    @Test func rejectsNonFourDimensionalWeights() async {
        await #expect(processExitsWith: .failure) {
            _ = FilterPlot.svg(weights: Tensor<Double>.zeros([3, 3]), title: "")
        }
    }
}
