import HTTPTypes
import Hummingbird
import Primitives

/// A document's `text/event-stream` response: frames from the feed, written one at a
/// time (a client that stops reading holds back only its own writer; the feed bounds
/// what waits for it).
enum EventStream {
    /// The stream of `feed`, ended after `lifetime` by `clock` (checked as frames and
    /// heartbeats go out).
    static func response(for feed: DocumentFeed, request: Request, lifetime: Duration?, clock: any PreviewClock) -> Response {
        let lastEventID = request.headers[.lastEventID].flatMap { UInt64($0.trimmingPrefix(" ")) }
        let client = feed.attach(lastEventID: lastEventID)
        let doc = feed.name
        return ServerSentEvent.response { send in
            defer { feed.detach(client) }
            let deadline = lifetime.map { clock.now.advanced(by: $0) }
            try await send(ServerSentEvent(retry: 1000))
            while let frame = await feed.nextFrame(for: client) {
                try await send(frame.event(doc: doc))
                if frame == .closed { break }
                if let deadline, clock.now >= deadline { break }
            }
        }
    }
}
