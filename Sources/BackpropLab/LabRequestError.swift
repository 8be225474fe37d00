import Foundation

/// A request the lab refuses: each becomes a 4xx response with a JSON body `{"error": "…"}` naming the
/// problem, and the server goes on serving.
enum LabRequestError: Error, Equatable, CustomStringConvertible {
    case missingToken
    case wrongToken
    case wrongHost(String)
    case notFound(String)
    case methodNotAllowed(String)
    case missing(String)
    case unknownGraph(String, known: [String])
    case unknownExperiment(String, known: [String])
    case cliOnly(String)
    case badNumber(String, String)
    case noTraining
    case busy(String)

    /// The HTTP status: 401 without a token, 403 for a wrong token or Host, 404, 405, 409 for a job in
    /// the wrong state, else 400.
    var status: Int {
        switch self {
        case .missingToken: 401
        case .wrongToken, .wrongHost: 403
        case .notFound, .unknownGraph, .unknownExperiment: 404
        case .methodNotAllowed: 405
        case .noTraining, .busy: 409
        case .missing, .badNumber, .cliOnly: 400
        }
    }

    var description: String {
        switch self {
        case .missingToken: "this lab needs its token: open the URL printed by backprop lab (…?token=…)"
        case .wrongToken: "wrong token: open the URL printed by backprop lab"
        case .wrongHost(let host): "Host \(host) is not this lab's address (DNS rebinding is refused)"
        case .notFound(let path): "no such page: \(path)"
        case .methodNotAllowed(let method): "\(method) is not allowed here"
        case .missing(let name): "the request needs \(name)"
        case .unknownGraph(let name, let known): "unknown graph \"\(name)\": choose \(known.joined(separator: ", "))"
        case .unknownExperiment(let name, let known): "unknown experiment \"\(name)\": choose \(known.joined(separator: ", "))"
        case .cliOnly(let name): "\(name) needs a file the lab does not have: run it from the CLI: backprop book \(name)"
        case .badNumber(let name, let text): "\(name) must be a finite number in range, got \"\(text)\""
        case .noTraining: "this lab has no training job (start backprop lab with train flags or --checkpoint)"
        case .busy(let reason): reason
        }
    }
}
