import FlyingFox
import FlyingSocks
import Backprop
import Foundation

/// `backprop lab`'s web server (FlyingFox): the page and its JSON API, on `host` (loopback unless told
/// otherwise) and `port` (0: a free one). Every request must carry the lab's `token` (`?token=` or the
/// header `X-Lab-Token`) and a Host header naming the address the server listens on; anything else is
/// a 4xx with a JSON error, and the server goes on.
///
///     let lab = try LabServer(host: "127.0.0.1", port: 0, token: LabServer.makeToken(), training: nil)
///     try await lab.run { url in print(url) }   // until stop()
public final class LabServer: Sendable {
    /// The address given, e.g. "127.0.0.1".
    public let host: String
    /// The secret every request must carry (`?token=` or `X-Lab-Token`), e.g. from `makeToken()`.
    public let token: String
    private let server: HTTPServer
    private let router: LabRouter

    /// A server for `host`:`port`; `training` adds the training view; `book` is the Book view's gallery
    /// (its experiments of `BookCatalog.all` run from the page at quick scale, others show their command).
    /// Throws for a host that is not an IPv4 or IPv6 address.
    public init(host: String, port: UInt16, token: String, training: LabTraining?, book: [any BookExperiment] = BookCatalog.all) throws {
        self.host = host
        self.token = token
        let address: any SocketAddress
        if host.contains(":") {
            address = try sockaddr_in6.inet6(ip6: host, port: port)
        } else {
            address = try sockaddr_in.inet(ip4: host, port: port)
        }
        router = LabRouter(token: token, host: host, training: training?.makeJob(), book: LabBook(catalog: book))
        server = HTTPServer(config: .init(address: address, timeout: 30, logger: .disabled), handler: router)
    }

    /// A random token of 32 hex digits (128 bits from the system's generator).
    public static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// Serves until `stop()`. Calls `listening` with the page's URL (token included, the real port)
    /// once the socket listens.
    public func run(listening: @escaping @Sendable (URL) -> Void) async throws {
        async let serving: Void = server.run()
        try await server.waitUntilListening()
        let port = try await self.port()
        router.port.withLock { $0 = port }
        let shown = host.contains(":") ? "[\(host)]" : host
        listening(URL(string: "http://\(shown):\(port)/?token=\(token)")!)
        try await serving
    }

    /// The port the server listens on.
    public func port() async throws -> UInt16 {
        switch await server.listeningAddress {
        case .ip4(_, let port), .ip6(_, let port): return port
        default: throw LabServerError.notListening
        }
    }

    /// Stops training (the step under way finishes; a save under way completes) and the server.
    public func stop() async {
        router.training?.shutdown()
        await server.stop(timeout: 1)
    }
}

/// The server could not tell its own port.
public enum LabServerError: Error, CustomStringConvertible {
    /// The socket is not (or no longer) listening.
    case notListening
    /// The error in one line.
    public var description: String { "the lab's server is not listening" }
}
