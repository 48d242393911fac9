import Foundation
import Hummingbird
import TaskService

/// A task's `text/event-stream` response: one frame per ``TaskEvent`` (`event:` its
/// name, `data:` the task's status as JSON; a heartbeat's data is `{}`), ending after
/// the final event.
enum TaskEventStream {
    static func response(for events: AsyncStream<TaskEvent>) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store", .xAccelBuffering: "no"],
            body: ResponseBody { writer in
                for await event in events {
                    try await writer.write(ByteBuffer(string: frame(event)))
                    if event.isFinal { break }
                }
                try await writer.finish(nil)
            }
        )
    }

    /// The SSE frame of `event`.
    static func frame(_ event: TaskEvent) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = event.status.flatMap { try? encoder.encode($0) }.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "event: \(event.name)\ndata: \(data)\n\n"
    }
}
