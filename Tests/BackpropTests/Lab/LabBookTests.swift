import Backprop
import BackpropLab
import Foundation
import Testing

/// The Book view over HTTP: the catalog, one experiment run at quick scale giving what `backprop book
/// NAME --quick` prints and draws, and the refusals (unknown name, a file it lacks, training running).
@Suite("Lab book", .serialized)
struct LabBookTests {
    @Test("numerical-diff run from the lab prints backprop book's lines and draws its --plot SVG")
    func runMatchesBookCommand() async throws {
        guard CLIHarness.requireExecutable() else { return }
        let lab = try await LabHarness()
        defer { Task { await lab.stop() } }
        let catalog = try await lab.requestArray("/api/book")
        #expect(catalog.compactMap { $0["name"] as? String } == BookCatalog.all.map(\.name))
        #expect(catalog.allSatisfy { $0["runnable"] as? Bool == true })
        let (status, run) = try await lab.request("/api/book/run", ["name": "numerical-diff"], method: "POST")
        #expect(status == 200, "\(run)")
        try DataFixtures.withScratchDirectory("lab-book") { directory in
            let plot = directory + "/figure.svg"
            let cli = try CLIHarness.runOK(["book", "numerical-diff", "--quick", "--plot", plot])
            let cliLines = cli.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                .filter { !$0.isEmpty && !$0.hasPrefix("figure written to") }
            #expect(run["lines"] as? [String] == cliLines)
            #expect(cliLines.first?.hasPrefix("numerical_diff(function_1, 5) = 0.19999") == true)
            let svg = try String(contentsOfFile: plot, encoding: .utf8)
            #expect((run["svg"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines)
                    == svg.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect(run["figure"] as? String == "figure 4-7")
    }

    @Test("an unknown experiment is 404 JSON, GET on run is 405, and the server goes on answering")
    func refusals() async throws {
        let lab = try await LabHarness()
        defer { Task { await lab.stop() } }
        let unknown = try await lab.request("/api/book/run", ["name": "buy-pear"], method: "POST")
        #expect(unknown.status == 404)
        #expect((unknown.body["error"] as? String)?.contains("unknown experiment \"buy-pear\"") == true)
        #expect(try await lab.request("/api/book/run", ["name": "gradient"]).status == 405)
        let after = try await lab.request("/api/book/run", ["name": "gradient"], method: "POST")
        #expect(after.status == 200)
        #expect((after.body["lines"] as? [String])?.isEmpty == false)
    }

    @Test("one job at a time: while training runs, a book experiment gets 409; paused, it runs")
    func oneJobAtATime() async throws {
        let lab = try await LabHarness(training: true, iterations: 1_000_000)
        defer { Task { await lab.stop() } }
        #expect(try await lab.request("/api/train/start", method: "POST").status == 200)
        let refused = try await lab.request("/api/book/run", ["name": "gradient"], method: "POST")
        #expect(refused.status == 409)
        #expect((refused.body["error"] as? String)?.contains("training is running") == true)
        #expect(try await lab.request("/api/train/pause", method: "POST").status == 200)
        var state = try await lab.request("/api/train").body["state"] as? String
        for _ in 0..<200 where state == "running" {
            try await Task.sleep(nanoseconds: 20_000_000)
            state = try await lab.request("/api/train").body["state"] as? String
        }
        #expect(try await lab.request("/api/book/run", ["name": "gradient"], method: "POST").status == 200)
    }
}
