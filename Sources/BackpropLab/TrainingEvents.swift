import FlyingFox
import Foundation

/// The page's live view of training, over a WebSocket (`GET /api/train/events`): the job's snapshot as
/// JSON, at most ten times a second and only when something changed, so the page never slows training
/// (one step is never one message); the epoch end's evaluation goes once, when it is new.
struct TrainingEvents: WSMessageHandler {
    let job: any TrainingControl
    /// The shortest time between two messages.
    static let interval: UInt64 = 100_000_000

    func makeMessages(for client: AsyncStream<WSMessage>) async throws -> AsyncStream<WSMessage> {
        let job = self.job
        return AsyncStream { continuation in
            let sender = Task {
                var sent = -1, sentEvaluation = -1
                let encoder = JSONEncoder()
                encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf",
                                                                               nan: "nan")
                while !Task.isCancelled {
                    var snapshot = job.snapshot()
                    // The evaluation (with its pictures) goes once per epoch end; the page keeps the last one.
                    if snapshot.evaluation?.iteration == sentEvaluation { snapshot.evaluation = nil }
                    if snapshot.version != sent, let data = try? encoder.encode(snapshot) {
                        sent = snapshot.version
                        sentEvaluation = snapshot.evaluation?.iteration ?? sentEvaluation
                        continuation.yield(.text(String(decoding: data, as: UTF8.self)))
                    }
                    try? await Task.sleep(nanoseconds: Self.interval)
                }
                continuation.finish()
            }
            let listener = Task {
                for await _ in client {}   // the page's messages are not used; the loop ends when it closes
                sender.cancel()
            }
            continuation.onTermination = { _ in
                sender.cancel()
                listener.cancel()
            }
        }
    }
}
