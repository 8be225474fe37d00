import Backprop
import Foundation

/// One of chapter 5's graphs as the lab offers it: its editable inputs with the book's values, and how
/// to build it — through `BookGraphs`, that is through the library's own `MulLayer`, `AddLayer`, `Relu`,
/// `Sigmoid` and `Affine` — for given inputs.
struct LabExample: Sendable {
    /// An input the reader can edit, with the book's value.
    struct Input: Sendable, Encodable {
        var name: String
        var value: Double
        /// The input node it sets (nil for a setting that is not a node, such as affine's seed).
        var node: String?
    }

    /// "buy-apple", as `backprop graph` names it.
    let name: String
    let inputs: [Input]
    /// Whether the check button applies: a scalar graph whose inputs are numbers on input nodes.
    let checkable: Bool
    private let build: @Sendable ([String: Double]) -> ComputationalGraph

    /// The graph for `values` (every input named; see `values(from:)`).
    func graph(_ values: [String: Double]) -> ComputationalGraph { build(values) }

    /// The examples of `backprop graph`, in its order.
    static let all: [LabExample] = [
        LabExample(name: "buy-apple",
                   inputs: [.init(name: "apple", value: 100, node: "apple"), .init(name: "apple_num", value: 2, node: "apple_num"),
                            .init(name: "tax", value: 1.1, node: "tax")],
                   checkable: true) { v in
            BookGraphs.buyApple(apple: v["apple"]!, appleCount: v["apple_num"]!, tax: v["tax"]!)
        },
        LabExample(name: "buy-apple-orange",
                   inputs: [.init(name: "apple", value: 100, node: "apple"), .init(name: "apple_num", value: 2, node: "apple_num"),
                            .init(name: "orange", value: 150, node: "orange"),
                            .init(name: "orange_num", value: 3, node: "orange_num"), .init(name: "tax", value: 1.1, node: "tax")],
                   checkable: true) { v in
            BookGraphs.buyAppleOrange(apple: v["apple"]!, appleCount: v["apple_num"]!, orange: v["orange"]!,
                                      orangeCount: v["orange_num"]!, tax: v["tax"]!)
        },
        LabExample(name: "sigmoid", inputs: [.init(name: "x", value: 0.5, node: "x"), .init(name: "dout", value: 1)],
                   checkable: true) { v in
            BookGraphs.sigmoid(x: v["x"]!, dout: v["dout"]!)
        },
        LabExample(name: "relu", inputs: [.init(name: "x", value: 0.5, node: "x"), .init(name: "dout", value: 1)],
                   checkable: true) { v in
            BookGraphs.relu(x: v["x"]!, dout: v["dout"]!)
        },
        LabExample(name: "affine",
                   inputs: [.init(name: "batch", value: 2), .init(name: "inputs", value: 2), .init(name: "outputs", value: 3),
                            .init(name: "seed", value: 0)],
                   checkable: false) { v in
            BookGraphs.affine(batch: Int(v["batch"]!), inputs: Int(v["inputs"]!), outputs: Int(v["outputs"]!),
                              seed: UInt64(v["seed"]!))
        },
    ]

    /// The example called `name`; a `LabRequestError` naming the known ones otherwise.
    static func named(_ name: String?) throws -> LabExample {
        guard let name else { throw LabRequestError.missing("graph") }
        guard let example = all.first(where: { $0.name == name }) else {
            throw LabRequestError.unknownGraph(name, known: all.map(\.name))
        }
        return example
    }

    /// Every input's value from the query (the book's value where absent). A value that is not a finite
    /// number, or (affine) not a whole number in 1…20 (the seed: 0…1000000), is refused naming the input.
    func values(from query: [String: String]) throws -> [String: Double] {
        var values: [String: Double] = [:]
        for input in inputs {
            guard let text = query[input.name] else {
                values[input.name] = input.value
                continue
            }
            guard let value = Double(text), value.isFinite, abs(value) <= 1e12 else {
                throw LabRequestError.badNumber(input.name, text)
            }
            if name == "affine" {
                let range = input.name == "seed" ? 0.0...1_000_000 : 1.0...20
                guard value.rounded() == value, range.contains(value) else {
                    throw LabRequestError.badNumber(input.name, text)
                }
            }
            values[input.name] = value
        }
        return values
    }
}
