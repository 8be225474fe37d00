import Testing
@testable import Backprop

struct FilterPlotTests {
    @Test func oneTilePerFilterScaledFromWhiteToBlack() {
        // Two filters of 2×3, channel 0 then channel 1 (ignored).
        let w = Tensor<Double>(shape: [2, 2, 2, 3], scalars: [
            0, 1, 2, 3, 4, 5,        7, 7, 7, 7, 7, 7,
            -1, -1, -1, -1, -1, 9,   0, 0, 0, 0, 0, 0,
        ])
        let svg = FilterPlot.svg(weights: w, columns: 10, cellSize: 4, title: "a < b & c")
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.contains("a &lt; b &amp; c"))
        let cells = svg.components(separatedBy: "fill=\"rgb(").count - 1
        #expect(cells == 2 * 6)
        // Filter 0: 0 is white, 5 is black, 1 is 80% white (gray_r).
        #expect(svg.contains("fill=\"rgb(255,255,255)\""))
        #expect(svg.contains("fill=\"rgb(0,0,0)\""))
        #expect(svg.contains("fill=\"rgb(204,204,204)\""))
    }

    @Test func rejectsNonFourDimensionalWeights() async {
        await #expect(processExitsWith: .failure) {
            _ = FilterPlot.svg(weights: Tensor<Double>.zeros([3, 3]), title: "")
        }
    }
}
