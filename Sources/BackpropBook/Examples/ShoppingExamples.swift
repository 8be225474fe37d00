import BackpropCharts
import BackpropCore
import BackpropTraining

/// The book's shopping examples (§5.4), run through `MulLayer` and `AddLayer` exactly as
/// `ch05/buy_apple.py` and `ch05/buy_apple_orange.py` do. The CLI prints them
/// (`backprop example buy-apple`); the tests check every number.
public enum ShoppingExamples {
    /// §5.4.1 (Figure 5-16): 2 apples at 100 each, 10% tax.
    public struct BuyApple: Sendable, Equatable {
        /// The price (220) and its derivatives with respect to the apple's price (2.2), the number of apples (110)
        /// and the tax factor 1.1 (200).
        public var price, dApple, dAppleNum, dTax: Double
    }

    /// §5.4.2 (Figure 5-17): 2 apples at 100 and 3 oranges at 150, 10% tax.
    public struct BuyAppleOrange: Sendable, Equatable {
        /// The price (715) and its derivatives with respect to the apple's price (2.2), the number of apples (110),
        /// the orange's price (3.3), the number of oranges (165) and the tax factor 1.1 (650).
        public var price, dApple, dAppleNum, dOrange, dOrangeNum, dTax: Double
    }

    /// Forward and backward through the apple graph.
    public static func buyApple() -> BuyApple {
        let apple = 100.0
        let appleNum = 2.0
        let tax = 1.1

        // layer
        let mulAppleLayer = MulLayer<Double>()
        let mulTaxLayer = MulLayer<Double>()

        // forward
        let applePrice = mulAppleLayer.forward(apple, appleNum)
        let price = mulTaxLayer.forward(applePrice, tax)

        // backward
        let dprice = 1.0
        let (dApplePrice, dTax) = mulTaxLayer.backward(dprice)
        let (dApple, dAppleNum) = mulAppleLayer.backward(dApplePrice)

        return BuyApple(price: price, dApple: dApple, dAppleNum: dAppleNum, dTax: dTax)
    }

    /// Forward and backward through the apple-and-orange graph.
    public static func buyAppleOrange() -> BuyAppleOrange {
        let apple = 100.0
        let appleNum = 2.0
        let orange = 150.0
        let orangeNum = 3.0
        let tax = 1.1

        // layer
        let mulAppleLayer = MulLayer<Double>()
        let mulOrangeLayer = MulLayer<Double>()
        let addAppleOrangeLayer = AddLayer<Double>()
        let mulTaxLayer = MulLayer<Double>()

        // forward
        let applePrice = mulAppleLayer.forward(apple, appleNum)
        let orangePrice = mulOrangeLayer.forward(orange, orangeNum)
        let allPrice = addAppleOrangeLayer.forward(applePrice, orangePrice)
        let price = mulTaxLayer.forward(allPrice, tax)

        // backward
        let dprice = 1.0
        let (dAllPrice, dTax) = mulTaxLayer.backward(dprice)
        let (dApplePrice, dOrangePrice) = addAppleOrangeLayer.backward(dAllPrice)
        let (dOrange, dOrangeNum) = mulOrangeLayer.backward(dOrangePrice)
        let (dApple, dAppleNum) = mulAppleLayer.backward(dApplePrice)

        return BuyAppleOrange(price: price, dApple: dApple, dAppleNum: dAppleNum,
                              dOrange: dOrange, dOrangeNum: dOrangeNum, dTax: dTax)
    }
}
