import Foundation
import Hummingbird
import PreviewServer
import Primitives
import ServiceLifecycle
import TaskService

/// A task's `text/event-stream` response: one frame per ``TaskEvent`` (`event:` its
/// name, `data:` the task's status as JSON; a heartbeat's data is `{}`), ending after
/// the final event, or at the first event after a graceful shutdown of the server began.
enum TaskEventStream {
    static func response(for events: AsyncStream<TaskEvent>) -> Response {
        ServerSentEvent.response { send in
            // A server shutting down gracefully ends the stream at its next event
            // (a heartbeat comes every tick); the task runs on.
            let stopping = Locked(false)
            try await withGracefulShutdownHandler {
                for await event in events {
                    try await send(frame(event))
                    if event.isFinal || stopping.withLock({ $0 }) { break }
                }
            } onGracefulShutdown: {
                stopping.withLock { $0 = true }
            }
        }
    }

    /// The SSE frame of `event`.
    static func frame(_ event: TaskEvent) -> ServerSentEvent {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = event.status.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return ServerSentEvent(event: event.name, data: data)
    }
}
