import Backprop
import BackpropLab
import Foundation
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A lab server started in the test on a free port of 127.0.0.1, and plain HTTP requests to it.
final class LabHarness: Sendable {
    static let token = "0123456789abcdef0123456789abcdef"
    let lab: LabServer
    let port: UInt16
    private let task: Task<Void, any Error>

    /// Starts a lab; with `training`, one on the spiral (`--data synthetic`, seed 0) with `iterations` steps.
    /// With `job`, that training job instead.
    init(training: Bool = false, iterations: Int = 200, job: LabTraining? = nil) async throws {
        lab = try LabServer(host: "127.0.0.1", port: 0, token: Self.token,
                            training: job ?? (training ? Self.spiralTraining(iterations) : nil))
        let (stream, continuation) = AsyncStream<URL>.makeStream()
        let lab = self.lab
        task = Task { try await lab.run { url in continuation.yield(url) } }
        var iterator = stream.makeAsyncIterator()
        guard let url = await iterator.next(), let port = url.port else { throw LabServerError.notListening }
        self.port = UInt16(port)
    }

    /// The book's ch05 run's configuration on the spiral that `--data synthetic` loads (300 points per
    /// class, seed 0), as `backprop lab --data synthetic` sets it up.
    static func spiralTraining(_ iterations: Int) -> LabTraining {
        let configuration = TrainingConfiguration(iterations: iterations, data: "synthetic")
        let train = SpiralDataset(pointsPerClass: 300, classes: 3, seed: 0)
        let test = SpiralDataset(pointsPerClass: 100, classes: 3, seed: 1)
        let spec = configuration.spec(inputSize: 2, classes: 3)
        let options = try! configuration.options(trainingCount: train.count)
        let network = Network<Float>(spec: spec, seed: 0)
        let trainer = Trainer(network: network, optimizer: options.optimizer.make(learningRate: options.effectiveLearningRate),
                              options: options, train: train, test: test)
        let path = NSTemporaryDirectory() + "lab-test.safetensors"
        return LabTraining(trainer: trainer, title: "two-layer on the spiral", checkpointPath: path) {
            try Checkpoint.save($0.network, trainer: $0, configuration: configuration, to: $1)
        }
    }

    func stop() async {
        await lab.stop()
        _ = await task.result
    }

    /// One request: status and body. `host` replaces the Host header; `token` nil leaves it out.
    func request(_ path: String, _ query: [String: String] = [:], method: String = "GET", token: String? = LabHarness.token,
                 host: String? = nil) async throws -> (status: Int, body: [String: Any]) {
        var components = URLComponents(string: "http://127.0.0.1:\(port)\(path)")!
        var items = query.map { URLQueryItem(name: $0.key, value: $0.value) }
        if let token { items.append(URLQueryItem(name: "token", value: token)) }
        components.queryItems = items
        var request = URLRequest(url: components.url!)
        request.httpMethod = method
        if let host { request.setValue(host, forHTTPHeaderField: "Host") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let body = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? ["raw": String(decoding: data, as: UTF8.self)]
        return (status, body)
    }

    /// `GET path` answered by a JSON array (status 200 expected).
    func requestArray(_ path: String) async throws -> [[String: Any]] {
        var components = URLComponents(string: "http://127.0.0.1:\(port)\(path)")!
        components.queryItems = [URLQueryItem(name: "token", value: Self.token)]
        let (data, response) = try await URLSession.shared.data(from: components.url!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        return (try JSONSerialization.jsonObject(with: data)) as? [[String: Any]] ?? []
    }

    /// `GET /api/graph` for `graph` after `forward` and `backward` clicks; expects 200.
    func graph(_ graph: String, forward: Int, backward: Int, _ inputs: [String: String] = [:]) async throws -> [String: Any] {
        let (status, body) = try await request("/api/graph", ["graph": graph, "forward": "\(forward)", "backward": "\(backward)"]
                                                .merging(inputs) { a, _ in a })
        #expect(status == 200, "\(body)")
        return body
    }

    /// The numbers on the edge from the node labelled `from` to the one labelled `to`: (forward, backward).
    static func edge(_ view: [String: Any], _ from: String, _ to: String) -> (forward: Double?, backward: Double?) {
        let nodes = view["nodes"] as? [[String: Any]] ?? []
        let edges = view["edges"] as? [[String: Any]] ?? []
        for edge in edges {
            let a = nodes[edge["from"] as! Int]["label"] as? String, b = nodes[edge["to"] as! Int]["label"] as? String
            if a == from && b == to { return (edge["forwardValue"] as? Double, edge["backwardValue"] as? Double) }
        }
        Issue.record("no edge \(from) → \(to)")
        return (nil, nil)
    }
}
