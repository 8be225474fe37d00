import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// The book's §6.1 comparison (`ch06/optimizer_compare_naive.py`): minimise f(x, y) = x²/20 + y² from
/// (−7, 2) with 30 updates of each optimizer, x and y being two parameters as in the book's `params`
/// dictionary. The expected end points come from an independent NumPy reimplementation of the book's
/// `common/optimizer.py` run on the same problem; the qualitative facts are those of Figures 6-3 to 6-8.
struct OptimizerPathTests {
    /// The 31 points (x, y): the start and the position after each of the 30 updates.
    static func path(_ optimizer: any Optimizer<Double>) -> [(x: Double, y: Double)] {
        let x = Parameter<Double>(name: "x", value: Tensor(-7.0), decays: false)
        let y = Parameter<Double>(name: "y", value: Tensor(2.0), decays: false)
        var points = [(x: x.value.scalar, y: y.value.scalar)]
        for _ in 0..<30 {
            x.gradient = Tensor(x.value.scalar / 10)       // ∂f/∂x = x/10
            y.gradient = Tensor(2 * y.value.scalar)        // ∂f/∂y = 2y
            optimizer.update([x, y])
            points.append((x.value.scalar, y.value.scalar))
        }
        return points
    }

    static func f(_ p: (x: Double, y: Double)) -> Double { p.x * p.x / 20 + p.y * p.y }
    static func distance(_ p: (x: Double, y: Double)) -> Double { (p.x * p.x + p.y * p.y).squareRoot() }

    /// The updates (1…30) after which the coordinate has a different sign than before.
    static func signChanges(_ values: [Double]) -> [Int] {
        (1..<values.count).filter { (values[$0] < 0) != (values[$0 - 1] < 0) }
    }

    static let sgd = path(SGD(learningRate: 0.95))
    static let momentum = path(Momentum(learningRate: 0.1))
    static let adaGrad = path(AdaGrad(learningRate: 1.5))
    static let adam = path(Adam(learningRate: 0.3))

    @Test func endPointsMatchNumPy() {
        // NumPy, the book's optimizers, same problem: final (x, y) after 30 updates.
        let expected: [(String, [(x: Double, y: Double)], Double, Double)] = [
            ("SGD", Self.sgd, -0.3503929957523197, 0.0847823165504322),
            ("Momentum", Self.momentum, 0.896413858493733, 0.08808560171506971),
            ("AdaGrad", Self.adaGrad, -0.12016232231416045, 2.486389893984459e-17),
            ("Adam", Self.adam, 0.13600685239498186, 0.31824537553721943),
        ]
        for (name, path, x, y) in expected {
            #expect(path.count == 31)
            let end = path.last!
            #expect(Swift.abs(end.x - x) <= 1e-9, "\(name): x = \(end.x), NumPy \(x)")
            #expect(Swift.abs(end.y - y) <= 1e-9, "\(name): y = \(end.y), NumPy \(y)")
        }
    }

    @Test func sgdZigZagsInYAndCrawlsInX() {
        let path = Self.sgd
        // y ← y − 0.95·2y = −0.9y: the sign flips on every one of the 30 updates.
        #expect(Self.signChanges(path.map(\.y)) == Array(1...30))
        // x ← x − 0.95·x/10 = 0.905x: x never crosses 0 and creeps towards it; after 30 updates it is
        // still at 7·0.905³⁰ ≈ 0.35 from 0 while |y| = 2·0.9³⁰ ≈ 0.085.
        #expect(Self.signChanges(path.map(\.x)).isEmpty)
        #expect(zip(path, path.dropFirst()).allSatisfy { Swift.abs($1.x) < Swift.abs($0.x) })
        #expect(path.last!.x < -0.3 && Swift.abs(path.last!.y) < 0.1)
        #expect(Swift.abs(path[1].x - -6.335) <= 1e-12 && Swift.abs(path[1].y - -1.8) <= 1e-12)
    }

    @Test func momentumRollsLikeABallAndOvershoots() {
        let path = Self.momentum
        // y swings through 0 slowly (every 6–7 updates), not on every update as SGD's does.
        #expect(Self.signChanges(path.map(\.y)) == [4, 10, 17, 24])
        // x gathers speed, overshoots the minimum once (update 24) and ends on the far side,
        // farther from the origin than SGD.
        #expect(Self.signChanges(path.map(\.x)) == [24])
        #expect(path.last!.x > 0.85)
        #expect(Self.distance(path.last!) > Self.distance(Self.sgd.last!))
    }

    @Test func adaGradDampsTheYDirectionAtOnce() {
        let path = Self.adaGrad
        // The first step is η·g/|g| ≈ 1.5 in each coordinate: y 2 → 0.5, x −7 → −5.5.
        #expect(Swift.abs(path[1].y - 0.5) < 1e-6 && Swift.abs(path[1].x - -5.5) < 1e-6)
        // y then shrinks monotonically without ever crossing 0 — no zig-zag.
        #expect(Self.signChanges(path.map(\.y)).isEmpty)
        #expect(zip(path, path.dropFirst()).allSatisfy { Swift.abs($1.y) < Swift.abs($0.y) })
        #expect(Self.signChanges(path.map(\.x)).isEmpty)
        // It ends nearest the minimum of the four.
        let end = Self.distance(path.last!)
        #expect(end < 0.13)
        for other in [Self.sgd, Self.momentum, Self.adam] { #expect(end < Self.distance(other.last!)) }
    }

    @Test func adamSwingsGentlyInY() {
        let path = Self.adam
        #expect(Self.signChanges(path.map(\.y)) == [8, 23])
        #expect(Self.signChanges(path.map(\.x)) == [29])
        // The first step is ≈ η = 0.3 in each coordinate (m/√v ≈ sign of g on the first update).
        #expect(Swift.abs(path[1].x - -6.7) < 1e-5 && Swift.abs(path[1].y - 1.7) < 1e-5)
    }

    @Test func everyOptimizerGetsCloserToTheMinimum() {
        let start = (x: -7.0, y: 2.0)
        for (name, path) in [("SGD", Self.sgd), ("Momentum", Self.momentum), ("AdaGrad", Self.adaGrad), ("Adam", Self.adam)] {
            #expect(Self.f(path.last!) < Self.f(start) / 50, "\(name): f = \(Self.f(path.last!))")
        }
        // Adam and AdaGrad end far nearer the origin than where they started (√53 ≈ 7.3).
        #expect(Self.distance(Self.adam.last!) < 0.35)
        #expect(Self.distance(Self.adaGrad.last!) < 0.13)
        #expect(Self.distance(start) > 7.2)
    }
}
