import Backprop
import BackpropLab
import Foundation
import Testing

/// `backprop lab`'s server over HTTP, started in the test on a free port: §5's numbers step by step,
/// the gradient check, a network's statistics against `backprop graph --sample`, training, and every
/// kind of bad request refused with its 4xx while the server goes on.
@Suite("Lab server", .serialized)
struct LabServerTests {
    @Test("buy-apple: 200, then 220 going forward; 1.1, 200, then 2.2, 110 coming back (figure 5-16)")
    func buyApple() async throws {
        let lab = try await LabHarness()
        defer { Task { await lab.stop() } }
        let start = try await lab.graph("buy-apple", forward: 0, backward: 0)
        #expect(LabHarness.edge(start, "apple", "×").forward == 100)
        #expect(LabHarness.edge(start, "×", "price").forward == nil)   // nothing has run yet
        #expect((start["svg"] as? String)?.contains(">220</text>") == false)   // nor is it drawn
        #expect((start["svg"] as? String)?.contains(">100</text>") == true)
        let one = try await lab.graph("buy-apple", forward: 1, backward: 0)
        #expect(LabHarness.edge(one, "×", "×").forward == 200)
        #expect(LabHarness.edge(one, "×", "price").forward == nil)
        let forward = try await lab.graph("buy-apple", forward: 2, backward: 1)
        let price = try #require(LabHarness.edge(forward, "×", "price").forward)
        #expect(abs(price - 220) < 1e-9)
        #expect(LabHarness.edge(forward, "×", "price").backward == 1)
        #expect(LabHarness.edge(forward, "tax", "×").backward == nil)
        let two = try await lab.graph("buy-apple", forward: 2, backward: 2)
        #expect(LabHarness.edge(two, "×", "×").backward.map { abs($0 - 1.1) < 1e-12 } == true)
        #expect(LabHarness.edge(two, "tax", "×").backward.map { abs($0 - 200) < 1e-9 } == true)
        #expect(LabHarness.edge(two, "apple", "×").backward == nil)
        let done = try await lab.graph("buy-apple", forward: 2, backward: 3)
        #expect(LabHarness.edge(done, "apple", "×").backward.map { abs($0 - 2.2) < 1e-12 } == true)
        #expect(LabHarness.edge(done, "apple_num", "×").backward.map { abs($0 - 110) < 1e-9 } == true)
        let nodes = try #require(done["nodes"] as? [[String: Any]])
        #expect((nodes[2]["backward"] as? [String])?.contains("∂L/∂y = dout · x = 1.1 · 100 = 110") == true)
        #expect((done["svg"] as? String)?.contains(">220</text>") == true)
        #expect((done["svg"] as? String)?.contains("<g class=\"node\" data-node=\"2\">") == true)
    }

    @Test("buy-apple-orange: 715; 2.2, 110, 3.3, 165, 650 (figure 5-17), and the inputs are editable")
    func buyAppleOrange() async throws {
        let lab = try await LabHarness()
        defer { Task { await lab.stop() } }
        let done = try await lab.graph("buy-apple-orange", forward: 4, backward: 5)
        #expect(LabHarness.edge(done, "×", "price").forward.map { abs($0 - 715) < 1e-9 } == true)
        let expected: [(String, Double)] = [("apple", 2.2), ("apple_num", 110), ("orange", 3.3), ("orange_num", 165), ("tax", 650)]
        for (input, gradient) in expected {
            #expect(LabHarness.edge(done, input, "×").backward.map { abs($0 - gradient) < 1e-9 } == true, "\(input)")
        }
        let edited = try await lab.graph("buy-apple-orange", forward: 4, backward: 5, ["orange_num": "4"])
        #expect(LabHarness.edge(edited, "×", "price").forward.map { abs($0 - 880) < 1e-9 } == true)   // (200 + 600) · 1.1
    }

    @Test("sigmoid at x = 0.5: y = 0.622459 and ∂L/∂x = 0.235004 through ×(−1), exp, +1 and /; the check agrees")
    func sigmoid() async throws {
        let lab = try await LabHarness()
        defer { Task { await lab.stop() } }
        let view = try await lab.graph("sigmoid", forward: 4, backward: 5)
        #expect(view["forwardSteps"] as? Int == 4 && view["backwardSteps"] as? Int == 5)
        #expect(LabHarness.edge(view, "/", "y").forward.map { abs($0 - 0.622459) < 5e-7 } == true)
        #expect(LabHarness.edge(view, "x", "×").backward.map { abs($0 - 0.235004) < 5e-7 } == true)
        let (status, check) = try await lab.request("/api/check", ["graph": "sigmoid", "x": "0.5"])
        #expect(status == 200)
        let row = try #require((check["rows"] as? [[String: Any]])?.first)
        let backprop = try #require(row["backprop"] as? Double), numerical = try #require(row["numerical"] as? Double)
        #expect(abs(backprop - 0.235004) < 5e-7)
        #expect(abs(backprop - numerical) < 1e-6)
        let relu = try await lab.graph("relu", forward: 1, backward: 2, ["x": "-2"])
        #expect(LabHarness.edge(relu, "x", "relu").backward == 0)
    }

    @Test("a network pass in the lab has the statistics backprop graph --sample prints")
    func networkMatchesGraphCommand() async throws {
        guard CLIHarness.requireExecutable() else { return }
        let lab = try await LabHarness(training: true)
        defer { Task { await lab.stop() } }
        let (status, view) = try await lab.request("/api/network", ["sample": "5", "forward": "99", "backward": "99"])
        #expect(status == 200, "\(view)")
        let labLines = try #require(view["text"] as? String).split(separator: "\n").dropFirst()
        let cli = try CLIHarness.runOK(["graph", "--data", "synthetic", "--sample", "5"])
        let cliLines = cli.stdout.split(separator: "\n").dropFirst()   // the titles differ; the edges and notes must not
        #expect(Array(labLines) == Array(cliLines))
        #expect(labLines.contains { $0.hasPrefix("Affine1 → Relu1") && $0.contains("mean") && $0.contains("‖grad‖") })
        #expect(view["forward"] as? Int == view["forwardSteps"] as? Int)
    }

    @Test("a test example's probabilities are the network's softmax, and a bad index is 400")
    func predict() async throws {
        let lab = try await LabHarness(training: true)
        defer { Task { await lab.stop() } }
        let (status, body) = try await lab.request("/api/predict", ["index": "7"])
        #expect(status == 200, "\(body)")
        let probabilities = try #require(body["probabilities"] as? [Double])
        // The same network, built again from the configuration and seed: the untrained lab's.
        let network = Network<Float>(spec: TrainingConfiguration().spec(inputSize: 2, classes: 3), seed: 0)
        let test = SpiralDataset(pointsPerClass: 100, classes: 3, seed: 1)
        let expected = softmax(network.predict(test.inputs([7], flatten: true))).scalars.map { Double($0) }
        #expect(probabilities.count == 3)
        for (got, wanted) in zip(probabilities, expected) { #expect(abs(got - wanted) < 1e-6) }
        #expect(body["label"] as? Int == test.label(at: 7))
        #expect(try await lab.request("/api/predict", ["index": "300"]).status == 400)
        #expect(try await lab.request("/api/predict", ["index": "x"]).status == 400)
    }

    @Test("training: single steps, a run, the decimated curve, a save, and one job at a time")
    func training() async throws {
        let lab = try await LabHarness(training: true, iterations: 120)
        defer { Task { await lab.stop() } }
        let (stepStatus, _) = try await lab.request("/api/train/step", method: "POST")
        #expect(stepStatus == 200)
        // The step runs on the job's own thread: wait until it has been taken and is done (on a loaded
        // machine the first snapshot may come before the job has even started it).
        var snapshot = try await lab.request("/api/train").body
        for _ in 0..<500 where snapshot["state"] as? String == "running" || (snapshot["iteration"] as? Int ?? 0) < 1 {
            try await Task.sleep(nanoseconds: 20_000_000)
            snapshot = try await lab.request("/api/train").body
        }
        #expect(snapshot["iteration"] as? Int == 1)
        // SGD with learning rate 0.1: each parameter moved by 0.1 · its gradient's norm.
        let update = try #require(snapshot["lastUpdate"] as? [[String: Any]])
        #expect(update.map { $0["name"] as? String } == ["W1", "b1", "W2", "b2"])
        for row in update {
            let moved = try #require(row["moved"] as? Double), gradient = try #require(row["gradientNorm"] as? Double)
            #expect(moved > 0 && abs(moved - 0.1 * gradient) <= 1e-4 * gradient, "\(row)")
        }
        #expect((snapshot["curvesSVG"] as? String)?.hasPrefix("<svg") == true)
        #expect(try await lab.request("/api/train/start", method: "POST").status == 200)
        for _ in 0..<500 where snapshot["state"] as? String != "finished" {
            try await Task.sleep(nanoseconds: 20_000_000)
            snapshot = try await lab.request("/api/train").body
        }
        #expect(snapshot["iteration"] as? Int == 120)
        #expect((snapshot["lossPoints"] as? [Any])?.count == 120)
        #expect((snapshot["history"] as? [Any])?.isEmpty == false)   // 9 batches per epoch: evaluated
        let finished = try await lab.request("/api/train/start", method: "POST")
        #expect(finished.status == 409)
        let saved = try await lab.request("/api/train/save", method: "POST")
        #expect(saved.status == 200)
        let contents = try Checkpoint.read(path: NSTemporaryDirectory() + "lab-test.safetensors")
        #expect(contents.training?.iteration == 120)
    }

    @Test("bad requests get their 4xx with a JSON error, and the server still answers")
    func badRequests() async throws {
        let lab = try await LabHarness()
        defer { Task { await lab.stop() } }
        let cases: [(String, [String: String], String?, String?, Int, String)] = [
            ("/api/graph", ["graph": "buy-pear"], LabHarness.token, nil, 404, "unknown graph"),
            ("/api/graph", ["graph": "buy-apple", "apple": "abc"], LabHarness.token, nil, 400, "apple"),
            ("/api/graph", ["graph": "buy-apple", "apple": "inf"], LabHarness.token, nil, 400, "apple"),
            ("/api/graph", ["graph": "affine", "batch": "1e9"], LabHarness.token, nil, 400, "batch"),
            ("/api/graph", ["graph": "buy-apple", "forward": "-1"], LabHarness.token, nil, 400, "forward"),
            ("/api/graph", ["graph": "buy-apple"], nil, nil, 401, "token"),
            ("/api/graph", ["graph": "buy-apple"], "wrong", nil, 403, "token"),
            ("/api/graph", ["graph": "buy-apple"], LabHarness.token, "evil.example:\(lab.port)", 403, "Host"),
            ("/api/graph", ["graph": "buy-apple"], LabHarness.token, "127.0.0.1:1", 403, "Host"),
            ("/nothing", [:], LabHarness.token, nil, 404, "no such page"),
            ("/api/train", [:], LabHarness.token, nil, 409, "no training job"),
        ]
        for (path, query, token, host, status, mention) in cases {
            let answer = try await lab.request(path, query, token: token, host: host)
            #expect(answer.status == status, "\(path) \(query): \(answer)")
            #expect((answer.body["error"] as? String)?.contains(mention) == true, "\(path) \(query): \(answer.body)")
        }
        let posted = try await lab.request("/api/graph", ["graph": "buy-apple"], method: "POST")
        #expect(posted.status == 405)
        let after = try await lab.graph("buy-apple", forward: 2, backward: 0)
        #expect(LabHarness.edge(after, "×", "price").forward.map { abs($0 - 220) < 1e-9 } == true)
    }
}
