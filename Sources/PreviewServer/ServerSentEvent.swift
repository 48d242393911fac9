import Hummingbird

/// One Server-Sent Events frame: the server's one encoder of `text/event-stream`, for
/// document streams and task streams alike.
struct ServerSentEvent: Sendable, Equatable {
    /// `id:`, what a reconnecting client sends back as `Last-Event-ID`.
    var id: String?
    /// `event:`, the frame's name.
    var event: String?
    /// `data:` lines (one per line of the text).
    var data: String?
    /// A comment line (`: text`), which clients ignore: a heartbeat.
    var comment: String?
    /// `retry:`, the client's reconnection delay in milliseconds.
    var retry: Int?

    /// The frame's bytes, ending with the blank line that ends a frame.
    var encoded: String {
        var text = ""
        if let comment { text += ": \(comment)\n" }
        if let retry { text += "retry: \(retry)\n" }
        if let id { text += "id: \(id)\n" }
        if let event { text += "event: \(event)\n" }
        if let data {
            for line in data.split(separator: "\n", omittingEmptySubsequences: false) { text += "data: \(line)\n" }
        }
        return text + "\n"
    }

    /// The server's one `text/event-stream` response: `frames` writes the frames it gets
    /// through `send`, one at a time, and the stream ends when it returns.
    static func response(_ frames: @escaping @Sendable (_ send: (ServerSentEvent) async throws -> Void) async throws -> Void) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-store", .xAccelBuffering: "no"],
            body: ResponseBody { writer in
                try await frames { frame in try await writer.write(ByteBuffer(string: frame.encoded)) }
                try await writer.finish(nil)
            }
        )
    }
}
