package import Hummingbird

/// One Server-Sent Events frame: the server's one encoder of `text/event-stream`, for
/// document streams and task streams alike.
package struct ServerSentEvent: Sendable, Equatable {
    /// `id:`, what a reconnecting client sends back as `Last-Event-ID`.
    package var id: String?
    /// `event:`, the frame's name.
    package var event: String?
    /// `data:` lines (one per line of the text).
    package var data: String?
    /// A comment line (`: text`), which clients ignore: a heartbeat.
    package var comment: String?
    /// `retry:`, the client's reconnection delay in milliseconds.
    package var retry: Int?

    /// A frame of the given fields (nil ones are left out).
    package init(id: String? = nil, event: String? = nil, data: String? = nil, comment: String? = nil, retry: Int? = nil) {
        self.id = id
        self.event = event
        self.data = data
        self.comment = comment
        self.retry = retry
    }

    /// The frame's bytes, ending with the blank line that ends a frame.
    package var encoded: String {
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
    package static func response(_ frames: @escaping @Sendable (_ send: (ServerSentEvent) async throws -> Void) async throws -> Void) -> Response {
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
