import Backprop
import FlyingFox
import Foundation

/// Every request of the lab: checks the Host header and the token, then answers the page or the API.
/// A refused request is a 4xx with `{"error": "…"}`; nothing a request holds can stop the server.
struct LabRouter: HTTPHandler {
    let token: String
    let host: String
    let training: (any TrainingControl)?
    let book: LabBook
    /// The port listened on, once known (the Host check needs it).
    let port = Locked<UInt16>(0)
    /// Whether a book experiment runs: one job at a time, training or experiment (the other gets 409).
    let bookRunning = Locked<Bool>(false)

    init(token: String, host: String, training: (any TrainingControl)?, book: LabBook) {
        self.book = book
        self.token = token
        self.host = host
        self.training = training
    }

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            try checkHost(request)
            try checkToken(request)
            return try await route(request)
        } catch let error as LabRequestError {
            return Self.errorJSON(error.description, status: error.status)
        } catch {
            return Self.errorJSON("\(error)", status: 400)
        }
    }

    /// The Host header must name this server (its address, or localhost on loopback) and port: a page
    /// elsewhere whose name was rebound to 127.0.0.1 sends its own name and is refused.
    private func checkHost(_ request: HTTPRequest) throws {
        let port = self.port.withLock { $0 }
        let given = request.headers[.host] ?? ""
        var allowed = host.contains(":") ? ["[\(host)]:\(port)"] : ["\(host):\(port)"]
        if host == "127.0.0.1" || host == "::1" { allowed += ["localhost:\(port)", "127.0.0.1:\(port)", "[::1]:\(port)"] }
        guard allowed.contains(given.lowercased()) else { throw LabRequestError.wrongHost(given) }
    }

    private func checkToken(_ request: HTTPRequest) throws {
        guard let given = request.query["token"] ?? request.headers[HTTPHeader("X-Lab-Token")] else {
            throw LabRequestError.missingToken
        }
        // Compared in full whatever the first difference, so timing tells nothing.
        let a = Array(given.utf8), b = Array(token.utf8)
        var difference = a.count ^ b.count
        for i in 0..<min(a.count, b.count) { difference |= Int(a[i] ^ b[i]) }
        guard difference == 0 else { throw LabRequestError.wrongToken }
    }

    private func route(_ request: HTTPRequest) async throws -> HTTPResponse {
        let query = Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        switch (request.method, request.path) {
        case (.GET, "/"):
            return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: LabPage.html)
        case (.GET, "/api/graphs"):
            return try Self.json(LabIndex(training: training != nil))
        case (.GET, "/api/graph"):
            return try Self.json(GraphView(query: query))
        case (.GET, "/api/check"):
            return try Self.json(GradientCheckView(query: query))
        case (.GET, "/api/network"):
            let job = try job()
            let sample = try GraphView.count("sample", query, max: Int.max)
            let (graph, histograms) = try job.networkGraph(sample: sample == 0 ? 100 : sample)
            return try Self.json(GraphView(network: graph, histograms: histograms, query: query))
        case (.GET, "/api/predict"):
            return try Self.json(job().predict(index: GraphView.count("index", query, max: Int.max)))
        case (.GET, "/api/train"):
            return try Self.json(job().snapshot())
        case (.POST, "/api/train/start"):
            try startTraining { try job().start() }
            return try Self.json(job().snapshot())
        case (.POST, "/api/train/pause"):
            try job().pause()
            return try Self.json(job().snapshot())
        case (.POST, "/api/train/step"):
            try startTraining { try job().step() }
            return try Self.json(job().snapshot())
        case (.POST, "/api/train/save"):
            return try Self.json(["saved": job().save()])
        case (.GET, "/api/book"):
            return try Self.json(book.entries)
        case (.POST, "/api/book/run"):
            return try await runBook(query["name"] ?? "")
        case (.GET, "/api/train/events"):
            let events = MessageFrameWSHandler(handler: TrainingEvents(job: try job()))
            return try await WebSocketHTTPHandler(handler: events).handleRequest(request)
        case (_, "/"), (_, "/api/graphs"), (_, "/api/graph"), (_, "/api/check"), (_, "/api/network"), (_, "/api/train"),
             (_, "/api/predict"), (_, "/api/book"), (_, "/api/book/run"):
            throw LabRequestError.methodNotAllowed(request.method.rawValue)
        default:
            throw LabRequestError.notFound(request.path)
        }
    }

    /// Starts steps unless a book experiment runs.
    private func startTraining(_ start: () throws -> Void) throws {
        try bookRunning.withLock { running in
            if running { throw LabRequestError.busy("a book experiment is running: wait for its figure") }
            try start()
        }
    }

    /// Runs a book experiment unless training (or another experiment) runs.
    private func runBook(_ name: String) async throws -> HTTPResponse {
        let experiment = try book.experiment(name)
        try bookRunning.withLock { running in
            if running { throw LabRequestError.busy("another book experiment is running: wait for its figure") }
            if training?.isBusy == true { throw LabRequestError.busy("training is running: pause it to run a book experiment") }
            running = true
        }
        defer { bookRunning.withLock { $0 = false } }
        return try Self.json(await LabBook.run(experiment))
    }

    private func job() throws -> any TrainingControl {
        guard let training else { throw LabRequestError.noTraining }
        return training
    }

    /// `value` as JSON with status `status`.
    static func json(_ value: some Encodable, status: Int = 200) throws -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let phrases = [200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                       405: "Method Not Allowed", 409: "Conflict"]
        return HTTPResponse(statusCode: HTTPStatusCode(status, phrase: phrases[status] ?? "Error"),
                            headers: [.contentType: "application/json", HTTPHeader("Cache-Control"): "no-store"],
                            body: try encoder.encode(value))
    }

    /// `{"error": message}` with status `status`.
    static func errorJSON(_ message: String, status: Int) -> HTTPResponse {
        (try? json(["error": message], status: status)) ?? HTTPResponse(statusCode: .internalServerError)
    }
}

/// What the page asks first: the graphs and their inputs, and whether there is a training job.
struct LabIndex: Encodable {
    struct Graph: Encodable {
        var name: String
        var inputs: [LabExample.Input]
        var checkable: Bool
    }

    var graphs = LabExample.all.map { Graph(name: $0.name, inputs: $0.inputs, checkable: $0.checkable) }
    var training: Bool
}

/// A value behind a lock, for state shared between requests.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        try lock.withLock { try body(&value) }
    }
}
