import Foundation
import Testing
@testable import BackpropBook
@testable import BackpropCharts
@testable import BackpropCore
@testable import BackpropTraining

/// Every experiment of the library runs to the end at `.quick` scale on synthetic images, and the
/// catalog is consistent.
struct BookCatalogTests {
    @Test func namesAreUniqueAndSectionsOrdered() {
        let names = BookCatalog.all.map(\.name)
        #expect(Set(names).count == names.count, "\(names)")
        #expect(names.allSatisfy { $0 == $0.lowercased() && !$0.contains(" ") })
        for e in BookCatalog.all { #expect(e.section.hasPrefix("§"), "\(e.name): \(e.section)") }
        let mine = ["activations", "numerical-diff", "gradient", "gradient-descent", "simple-net", "train-numerical",
                    "optimizers", "weight-init"]
        for name in mine { #expect(names.contains(name), "\(name) missing from \(names)") }
        // Book order: §3.2 first, then chapter 4's in section order, then chapter 6.
        #expect(Array(names.prefix(6)) == ["activations", "numerical-diff", "gradient", "gradient-descent", "simple-net",
                                          "train-numerical"], "\(names)")
    }

    @Test func inBookOrderSortsBySectionNumbers() {
        struct Stub: BookExperiment {
            var name: String, section: String
            var figure: String? { nil }
            var summary: String { "" }
            func run(_ context: BookContext) throws -> BookReport { BookReport() }
        }
        let sorted = BookCatalog.inBookOrder([Stub(name: "a", section: "§4.10"), Stub(name: "b", section: "§4.3.2"),
                                              Stub(name: "c", section: "§3.6.2"), Stub(name: "d", section: "§4.3.2")])
        #expect(sorted.map(\.name) == ["c", "b", "d", "a"])
    }

    @Test(arguments: BookCatalog.all.map(\.name))
    func runsToTheEndQuickly(_ name: String) throws {
        let experiment = try #require(BookCatalog.experiment(named: name))
        let report = try experiment.run(BookContext(seed: 1, data: .synthetic(count: 300), scale: .quick))
        #expect(!report.lines.isEmpty, "\(name) printed nothing")
        #expect(!report.values.isEmpty, "\(name) has no values")
        #expect((report.plot != nil) == (experiment.figure != nil), "\(name): figure \(experiment.figure ?? "nil")")
        if let svg = report.plot?.text {
            #expect(svg.hasPrefix("<svg ") && svg.hasSuffix("</svg>\n"))
            #expect(!svg.contains("nan") && !svg.contains("inf"), "\(name): non-finite coordinate in the SVG")
        }
        // JSON of the values parses back.
        let json = BookValue.object(report.values).jsonText
        #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil, "\(name): \(json.prefix(300))")
    }

    @Test func sameSeedSameResults() throws {
        let context = BookContext(seed: 7, data: .synthetic(count: 100), scale: .quick)
        let a = try WeightInitExperiment().run(context), b = try WeightInitExperiment().run(context)
        #expect(a.values == b.values)
        let c = try WeightInitExperiment().run(BookContext(seed: 8, scale: .quick))
        #expect(a.values != c.values)
    }

    @Test func trainNumericalAgreesWithBackprop() throws {
        let report = try TrainNumericalExperiment().run(BookContext(data: .synthetic(count: 30), scale: .quick))
        let steps = try #require(report.values["steps"]?.array)
        #expect(steps.count == 2)
        for step in steps {
            let (n, b) = (try #require(step["loss_numerical"]?.number), try #require(step["loss_backprop"]?.number))
            #expect(Swift.abs(n - b) < 1e-9, "numerical \(n) vs backprop \(b)")
            #expect(try #require(step["max_gradient_difference"]?.number) < 1e-6)
        }
        #expect(try #require(report.values["ratio"]?.number) > 1)
    }

    @Test func syntheticImagesAreDeterministicAndLabelled() {
        let a = SyntheticImages.make(count: 50, seed: 3), b = SyntheticImages.make(count: 50, seed: 3)
        #expect(a.pixels == b.pixels && a.labels == b.labels)
        #expect(a.count == 50 && a.rows == 28 && a.columns == 28)
        #expect(Set(a.labels).count == 10)
        // The bar of class k is on rows 4 + 2k and 5 + 2k.
        let k = Int(a.labels[0])
        #expect(a.pixels[(4 + 2 * k) * 28 + 10] >= 180 && a.pixels[0] < 60)
    }

    @Test func missingDataDirectoryThrowsADatasetError() {
        let context = BookContext(data: .directory("/nonexistent/book-data"), scale: .quick)
        #expect(throws: DatasetError.missingFile(path: "/nonexistent/book-data")) { try context.images() }
    }
}
