import Backprop
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `backprop lab` as a user starts it: the URL with the real port and a token, an answer on it, and
/// Ctrl-C stopping it with status 0; bad flags refused in one line.
@Suite("backprop lab command", .serialized)
struct LabCommandTests {
    @Test("--port 0 prints the real port and a token; the page answers; Ctrl-C stops it cleanly")
    func startsAnswersAndStops() async throws {
        guard CLIHarness.requireExecutable() else { return }
        let running = try CLIHarness.Running(["lab", "--port", "0", "--data", "synthetic", "--iterations", "50"])
        var url: URL?
        _ = running.wait(until: {
            let out = (try? String(contentsOf: running.outURL, encoding: .utf8)) ?? ""
            url = out.split(separator: " ").last.flatMap { URL(string: $0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            return url?.port != nil
        }, timeout: 20)
        let page = try #require(url, "no URL printed: \(running.stderrSoFar)")
        #expect(page.port != 0 && page.host == "127.0.0.1")
        let token = try #require(URLComponents(url: page, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == "token" }?.value)
        #expect(token.count == 32)
        let (data, response) = try await URLSession.shared.data(from: page)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let html = String(decoding: data, as: UTF8.self)
        #expect(html.contains("<title>backprop lab</title>") && html.contains("api(\"/api/graphs\")"))   // the script is inlined
        kill(running.process.processIdentifier, SIGINT)
        let result = running.finish(timeout: 20)
        #expect(result.status == 0 && !result.signaled, "\(result)")
    }

    @Test("a bad --host or --port is refused in one line with status 64")
    func badFlags() throws {
        guard CLIHarness.requireExecutable() else { return }
        CLIHarness.expectFailure(try CLIHarness.run(["lab", "--host", "example.com"]), status: 64, oneLine: true,
                                 mentions: ["--host"])
        CLIHarness.expectFailure(try CLIHarness.run(["lab", "--port", "70000"]), status: 64, oneLine: true, mentions: ["--port"])
    }
}
