import ArgumentParser
import Backprop

/// `backprop example NAME`: the book's worked examples, printed as its scripts print them.
struct ExampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "example",
        abstract: "Run one of the book's worked examples (§5.4 shopping graphs) and print every gradient."
    )

    enum Name: String, CaseIterable, ExpressibleByArgument {
        case buyApple = "buy-apple"
        case buyAppleOrange = "buy-apple-orange"
    }

    @Argument(help: "Which example: \(Name.allCases.map(\.rawValue).joined(separator: ", ")).")
    var name: Name

    /// A number as the book's Python prints it: integral values that Python holds as int without ".0".
    func python(_ value: Double) -> String {
        value == value.rounded() && Swift.abs(value) < 1e15 ? String(Int(value)) : String(value)
    }

    func run() {
        // The book's scripts print price and counts through int(), the rest as Python's repr.
        switch name {
        case .buyApple:
            let r = ShoppingExamples.buyApple()
            print("price:", Int(r.price))
            print("dApple:", python(r.dApple))
            print("dApple_num:", Int(r.dAppleNum))
            print("dTax:", python(r.dTax))
        case .buyAppleOrange:
            let r = ShoppingExamples.buyAppleOrange()
            print("price:", Int(r.price))
            print("dApple:", python(r.dApple))
            print("dApple_num:", Int(r.dAppleNum))
            print("dOrange:", python(r.dOrange))
            print("dOrange_num:", Int(r.dOrangeNum))
            print("dTax:", python(r.dTax))
        }
    }
}
