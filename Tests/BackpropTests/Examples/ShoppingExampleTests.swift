import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// §5.4: the book's shopping graphs, forward and backward, to the last bit of float64 — the values
/// Python prints for ch05/buy_apple.py and ch05/buy_apple_orange.py.
struct ShoppingExampleTests {
    @Test func buyApple() {
        let r = ShoppingExamples.buyApple()
        #expect(r.price == 220.00000000000003)   // 100 * 2 * 1.1 in float64
        #expect(r.dApple == 2.2)
        #expect(r.dAppleNum == 110.00000000000001)
        #expect(r.dTax == 200)
    }

    @Test func buyAppleOrange() {
        let r = ShoppingExamples.buyAppleOrange()
        #expect(r.price == 715.0000000000001)
        #expect(r.dApple == 2.2)
        #expect(r.dAppleNum == 110.00000000000001)
        #expect(r.dOrange == 3.3000000000000003)
        #expect(r.dOrangeNum == 165)
        #expect(r.dTax == 650)
    }

    @Test func mulLayerKeepsInputsAndSwapsThemInBackward() {
        let layer = MulLayer<Double>()
        #expect(layer.forward(3, 4) == 12)
        let (dx, dy) = layer.backward(2)
        #expect(dx == 8)   // dout * y
        #expect(dy == 6)   // dout * x
    }

    @Test func addLayerPassesGradientThrough() {
        let layer = AddLayer<Float>()
        #expect(layer.forward(3, 4) == 7)
        let (dx, dy) = layer.backward(2.5)
        #expect(dx == 2.5)
        #expect(dy == 2.5)
    }
}
