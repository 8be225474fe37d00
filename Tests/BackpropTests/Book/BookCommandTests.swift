import Foundation
import Testing

/// `backprop book`: the list, JSON, the figure file, and one-line errors.
struct BookCommandTests {
    @Test func listNamesEveryExperimentWithItsSection() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["book", "list"])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        for (name, section) in [("activations", "§3.2"), ("ch03-inference", "§3.6.2"), ("numerical-diff", "§4.3.2"),
                                ("gradient", "§4.4"), ("gradient-descent", "§4.4.1"), ("simple-net", "§4.4.2"),
                                ("train-numerical", "§4.5"), ("optimizers", "§6.1.7"), ("weight-init", "§6.2")] {
            #expect(lines.contains { $0.hasPrefix(name + " ") && $0.contains(section) }, "\(name) not listed: \(result)")
        }
        #expect(lines.first?.hasPrefix("activations ") == true)
        #expect(lines.contains { $0.hasPrefix("optimizers ") && $0.contains("figure 6-8") })
    }

    @Test func jsonGivesTheBooksNumbers() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.runOK(["book", "numerical-diff", "--json"])
        let object = try #require(CLIHarness.jsonObject(result))
        #expect(object["experiment"] as? String == "numerical-diff")
        #expect(object["section"] as? String == "§4.3.2")
        let results = try #require(object["results"] as? [String: Any])
        #expect(CLIHarness.number(results["numerical_diff_5"]) == 0.1999999999990898)
        #expect(CLIHarness.number(results["numerical_diff_10"]) == 0.2999999999986347)
    }

    @Test func plotWritesTheFigure() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("book-plot") { directory in
            let path = CLIHarness.join(directory, "fig.svg")
            let result = try CLIHarness.runOK(["book", "optimizers", "--plot", path])
            #expect(result.stdout.contains("SGD: (-0.3503929957523197, 0.0847823165504322)"), "\(result)")
            let svg = try String(contentsOfFile: path, encoding: .utf8)
            #expect(svg.hasPrefix("<svg ") && svg.contains("Figure 6-8"))
            #expect(CLIHarness.contents(of: directory) == ["fig.svg"])     // no temporary left behind
        }
    }

    @Test func unknownNameIsOneLineListingTheValidNames() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["book", "numerical-dif"])
        CLIHarness.expectFailure(result, status: 64, oneLine: true, mentions: ["numerical-dif", "numerical-diff", "weight-init", "list"])
        #expect(result.stdout.isEmpty)
    }

    @Test func plotOfAnExperimentWithoutFigureIsAUsageError() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["book", "simple-net", "--plot", "/tmp/never-written.svg"])
        CLIHarness.expectFailure(result, status: 64, oneLine: true, mentions: ["simple-net"])
    }

    @Test func badDataDirectoryIsOneLineExit65() throws {
        guard CLIHarness.requireExecutable() else { return }
        let result = try CLIHarness.run(["book", "train-numerical", "--quick", "--data", "/nonexistent/book-data"])
        CLIHarness.expectFailure(result, status: 65, oneLine: true, mentions: ["/nonexistent/book-data"])
    }

    @Test func trainNumericalRunsOnATinyDatasetDirectory() throws {
        guard CLIHarness.requireExecutable() else { return }
        try CLIHarness.withScratchDirectory("book-data") { directory in
            try CLIHarness.writeTinyDataset(at: directory, train: 20, test: 10)
            let result = try CLIHarness.runOK(["book", "train-numerical", "--quick", "--data", directory, "--json"], timeout: 60)
            let results = try #require(CLIHarness.jsonObject(result)?["results"] as? [String: Any])
            #expect(CLIHarness.integer(results["batch"]) == 2)
            #expect((CLIHarness.number(results["ratio"]) ?? 0) > 1)
        }
    }
}
