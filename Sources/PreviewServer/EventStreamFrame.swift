import IncrementalRender
import PreviewProtocol

/// One frame of a document's event stream.
///
/// - `patch`: `id:` the version, `data:` the patch as the stdio protocol's `patch` event
///   (one JSON line; a snapshot has `"base":null`).
/// - `cursor`: `data:` `{"line":N}`, the editor's cursor line (0-based).
/// - `closed`: the document was closed; the stream ends after it.
/// - a heartbeat: the comment line `: heartbeat`.
enum EventStreamFrame: Sendable, Equatable {
    case patch(BlockPatch)
    case cursor(line: Int)
    case closed
    case heartbeat

    /// The frame as Server-Sent Events, `doc` naming the document in patch data.
    func event(doc: String) -> ServerSentEvent {
        switch self {
        case .patch(let patch):
            let data = EventEncoder.encodeToString(.patch(PatchEvent(doc: doc, patch: patch, renderMs: 0)))
            return ServerSentEvent(id: String(patch.version), event: "patch", data: String(data.dropLast(data.hasSuffix("\n") ? 1 : 0)))
        case .cursor(let line):
            return ServerSentEvent(event: "cursor", data: "{\"line\":\(line)}")
        case .closed:
            return ServerSentEvent(event: "closed", data: "{}")
        case .heartbeat:
            return ServerSentEvent(comment: "heartbeat")
        }
    }
}
