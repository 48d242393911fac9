import IncrementalRender
import PreviewProtocol

/// One Server-Sent Events frame of a document's stream (`text/event-stream`).
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

    /// The frame's bytes, `doc` naming the document in patch data.
    func encoded(doc: String) -> String {
        switch self {
        case .patch(let patch):
            let data = EventEncoder.encodeToString(.patch(PatchEvent(doc: doc, patch: patch, renderMs: 0)))
            return "id: \(patch.version)\nevent: patch\ndata: \(data)\n\n"
        case .cursor(let line):
            return "event: cursor\ndata: {\"line\":\(line)}\n\n"
        case .closed:
            return "event: closed\ndata: {}\n\n"
        case .heartbeat:
            return ": heartbeat\n\n"
        }
    }
}
