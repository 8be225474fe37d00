import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

struct SpiralTests {
    @Test func shapeLabelsAndDeterminism() {
        let a = SpiralDataset(pointsPerClass: 50, classes: 4, seed: 2)
        #expect(a.points.shape == [200, 2])
        #expect(a.labels.count == 200 && Set(a.labels) == [0, 1, 2, 3])
        #expect(a.points == SpiralDataset(pointsPerClass: 50, classes: 4, seed: 2).points)
        #expect(a.points != SpiralDataset(pointsPerClass: 50, classes: 4, seed: 3).points)
        // Radius of point j is j / pointsPerClass.
        let r = (a.points[10, 0] * a.points[10, 0] + a.points[10, 1] * a.points[10, 1]).squareRoot()
        #expect(Swift.abs(r - 0.2) < 1e-12)
    }

    @Test func portableSinMatchesLibm() {
        for x in stride(from: -20.0, through: 20.0, by: 0.37) {
            #expect(Swift.abs(portableSin(x) - Foundation.sin(x)) < 1e-14)
        }
    }
}
