@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining
import Foundation
import Testing

/// The numbers on the edges of chapter 5's graphs, against the book's worked examples (§5.4, §5.5) and
/// against the derivatives worked out independently.
@Suite("Graph: the book's computational graphs")
struct BookGraphTests {
    /// (forward, backward) of every edge from the node labelled `from` to the node labelled `to`, sorted.
    static func values(_ graph: ComputationalGraph, _ from: String, _ to: String) -> [[Double]] {
        graph.edges.filter { graph.nodes[$0.from].label == from && graph.nodes[$0.to].label == to }
            .map { [$0.forward?.scalar ?? .nan, $0.backward?.scalar ?? .nan] }
            .sorted { $0[0] < $1[0] }
    }

    static func close(_ a: [[Double]], _ b: [[Double]], tolerance: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.count == y.count && zip(x, y).allSatisfy { Swift.abs($0 - $1) <= tolerance * Swift.max(1, Swift.abs($1)) }
        }
    }

    @Test("buy-apple: forward 100, 2, 200, 1.1, 220; backward 2.2, 110, 1.1, 200, 1 (figure 5-16)")
    func buyApple() {
        let g = BookGraphs.buyApple()
        #expect(g.edges.count == 5)
        #expect(Self.close(Self.values(g, "apple", "×"), [[100, 2.2]]))
        #expect(Self.close(Self.values(g, "apple_num", "×"), [[2, 110]]))
        #expect(Self.close(Self.values(g, "×", "×"), [[200, 1.1]]))
        #expect(Self.close(Self.values(g, "tax", "×"), [[1.1, 200]]))
        #expect(Self.close(Self.values(g, "×", "price"), [[220, 1]]))
        // The same numbers as the §5.4 example the `example` command prints.
        let r = ShoppingExamples.buyApple()
        #expect(g.edge(from: "apple", to: "×")?.backward?.scalar == r.dApple)
        #expect(g.edge(from: "apple_num", to: "×")?.backward?.scalar == r.dAppleNum)
        #expect(g.edge(from: "tax", to: "×")?.backward?.scalar == r.dTax)
        #expect(g.edge(from: "×", to: "price")?.forward?.scalar == r.price)
    }

    @Test("buy-apple-orange: 715; ∂apple 2.2, ∂apple_num 110, ∂orange 3.3, ∂orange_num 165, ∂tax 650 (figure 5-17)")
    func buyAppleOrange() {
        let g = BookGraphs.buyAppleOrange()
        #expect(g.edges.count == 9)
        #expect(Self.close(Self.values(g, "apple", "×"), [[100, 2.2]]))
        #expect(Self.close(Self.values(g, "apple_num", "×"), [[2, 110]]))
        #expect(Self.close(Self.values(g, "orange", "×"), [[150, 3.3]]))
        #expect(Self.close(Self.values(g, "orange_num", "×"), [[3, 165]]))
        #expect(Self.close(Self.values(g, "×", "+"), [[200, 1.1], [450, 1.1]]))
        #expect(Self.close(Self.values(g, "+", "×"), [[650, 1.1]]))
        #expect(Self.close(Self.values(g, "tax", "×"), [[1.1, 650]]))
        #expect(Self.close(Self.values(g, "×", "price"), [[715, 1]]))
    }

    @Test("other prices: the gradients follow ∂price/∂apple = count·tax, ∂price/∂tax = apple·count + orange·count")
    func otherNumbers() {
        let g = BookGraphs.buyAppleOrange(apple: 120, appleCount: 4, orange: 90, orangeCount: 5, tax: 1.08)
        let dApple: Double = 4 * 1.08, dOrangeCount: Double = 90 * 1.08
        let allPrice: Double = 120 * 4 + 90 * 5
        let price: Double = allPrice * 1.08
        #expect(Self.close(Self.values(g, "apple", "×"), [[120, dApple]]))
        #expect(Self.close(Self.values(g, "orange_num", "×"), [[5, dOrangeCount]]))
        #expect(Self.close(Self.values(g, "tax", "×"), [[1.08, allPrice]]))
        #expect(Self.close(Self.values(g, "×", "price"), [[price, 1]]))
    }

    @Test("sigmoid: each node's forward and backward, and ∂L/∂x = dout·y(1 − y) (figures 5-19, 5-20)",
          arguments: [(0.5, 1.0), (-2.0, 0.3), (3.0, -1.5)])
    func sigmoid(x: Double, dout: Double) {
        let g = BookGraphs.sigmoid(x: x, dout: dout)
        let y = 1 / (1 + exp(-x))
        // Forward: x, −x, exp(−x), 1 + exp(−x), y; backward by §5.5.2's steps 1–4 written out here.
        let dDivide = dout * -(y * y)                       // step 1: / gives −y²
        let dExp = dDivide * exp(-x)                        // steps 2, 3: + passes it, exp multiplies by exp(−x)
        #expect(Self.close(Self.values(g, "x", "×"), [[x, -dExp]]))
        #expect(Self.close(Self.values(g, "-1", "×"), [[-1, dExp * x]]))
        #expect(Self.close(Self.values(g, "×", "exp"), [[-x, dExp]]))
        #expect(Self.close(Self.values(g, "exp", "+"), [[exp(-x), dDivide]]))
        #expect(Self.close(Self.values(g, "1", "+"), [[1, dDivide]]))
        #expect(Self.close(Self.values(g, "+", "/"), [[1 + exp(-x), dDivide]]))
        #expect(Self.close(Self.values(g, "/", "y"), [[y, dout]]))
        // The nodes' ∂L/∂x is the Sigmoid layer's dout·y(1 − y).
        let dx = g.edge(from: "x", to: "×")!.backward!.scalar!
        #expect(Swift.abs(dx - dout * y * (1 - y)) <= 1e-15)
        #expect(g.notes.contains { $0.contains("y(1 − y)") && $0.contains(GraphLabels.number(dout * y * (1 - y))) })
        #expect(g.notes.last == "the same number: y² · exp(−x) simplifies to y(1 − y) (§5.5.2)")
    }

    @Test("the exp and / nodes' derivatives agree with central differences")
    func elementaryDerivatives() {
        for function in ElementaryFunction.allCases {
            for x in [-1.5, 0.3, 2.0] {
                let h = 1e-6
                let numerical = (function.value(x + h) - function.value(x - h)) / (2 * h)
                let analytic = function.derivative(output: function.value(x))
                #expect(Swift.abs(numerical - analytic) < 1e-6 * Swift.max(1, Swift.abs(analytic)), "\(function) at \(x)")
            }
        }
    }

    @Test("relu: the gradient passes where x > 0 and stops where x ≤ 0 (figure 5-18)")
    func relu() {
        #expect(Self.close(Self.values(BookGraphs.relu(x: 0.5, dout: 2), "x", "relu"), [[0.5, 2]]))
        #expect(Self.close(Self.values(BookGraphs.relu(x: 0.5, dout: 2), "relu", "y"), [[0.5, 2]]))
        #expect(Self.close(Self.values(BookGraphs.relu(x: -1, dout: 2), "x", "relu"), [[-1, 0]]))
        #expect(Self.close(Self.values(BookGraphs.relu(x: -1, dout: 2), "relu", "y"), [[0, 2]]))
    }

    @Test("affine: X (N, 2), W (2, 3), X·W and Y (N, 3), B (3,) forward, and the same shapes back (figure 5-25)")
    func affineShapes() {
        let g = BookGraphs.affine(batch: 4, inputs: 2, outputs: 3)
        func shapes(_ from: String, _ to: String) -> [[Int]] {
            let e = g.edge(from: from, to: to)
            return [e?.forward?.tensor?.shape ?? [-1], e?.backward?.tensor?.shape ?? [-1]]
        }
        #expect(shapes("X", "dot") == [[4, 2], [4, 2]])
        #expect(shapes("W", "dot") == [[2, 3], [2, 3]])
        #expect(shapes("dot", "+") == [[4, 3], [4, 3]])
        #expect(shapes("B", "+") == [[3], [3]])
        #expect(shapes("+", "Y") == [[4, 3], [4, 3]])
        #expect(g.edge(from: "dot", to: "+").map(GraphLabels.backwardLines) == ["∂L/∂(X·W) (4, 3)"])
        #expect(g.notes.first == "∂L/∂X = ∂L/∂Y · Wᵀ: (4, 2) = (4, 3) · (3, 2)")
    }

    @Test("numbers are written as the book's figures show them")
    func numberText() {
        #expect(GraphLabels.number(110.00000000000001) == "110")
        #expect(GraphLabels.number(220.00000000000003) == "220")
        #expect(GraphLabels.number(3.3000000000000003) == "3.3")
        #expect(GraphLabels.number(0.6224593312018546) == "0.622459")
        #expect(GraphLabels.number(-1.5e-05) == "-1.5e-5")
        #expect(GraphLabels.number(0) == "0")
        #expect(GraphLabels.count(1_234_567) == "1,234,567")
        #expect(TensorSummary(shape: [100, 784], symbolicBatch: true).shapeText == "(N, 784)")
        #expect(TensorSummary(shape: [3]).shapeText == "(3,)")
    }
}
