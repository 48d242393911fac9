public import DocumentModel
public import MarkdownRenderer

/// One request read from the client: a line with an `"op"`, or a bare edit-trace line.
///
/// Every request may carry an `"id"` (echoed in its `ack` or `error`) and names a
/// document in `"doc"`, except `shutdown` and edits that leave it out (the server then
/// edits its only open document). ``RequestDecoder`` only returns requests whose `doc`
/// is set where the operation requires one.
public struct Request: Sendable, Hashable {
    /// What the request asks for, with the fields of that operation.
    public enum Command: Sendable, Hashable {
        /// `{"op":"open","doc":…,"text":…,"autosave":…?,"options":{…}?,"patches":…?,"path":…?}`:
        /// a new document with its text, where to autosave it (if anywhere), how to
        /// render it, whether its renders come as `patch` events (keyed blocks) instead
        /// of `render` events (the whole HTML), and the file it is (relative links and
        /// images in the live preview resolve against its folder).
        case open(text: String, autosave: String? = nil, options: RenderOptions = .default, patches: Bool = false, path: String? = nil)
        /// `{"op":"edit",…}` in one of its three forms, or a bare trace line: the
        /// changes, applied in order as one transaction (offset patches in one unit, or
        /// one line-range patch); the line's `"t"` in milliseconds, passed through; and
        /// whether it continues the previous edit's transaction (`"c":1`).
        case edit(patches: [TextPatch], timestampMs: Double? = nil, continuesTransaction: Bool = false)
        /// `{"op":"replace","doc":…,"text":…}`: the document's whole new text.
        case replace(text: String)
        /// `{"op":"save","doc":…,"path":…?}`: write the document to `path`, or to its
        /// autosave path when nil.
        case save(path: String? = nil)
        /// `{"op":"render","doc":…}`
        case render
        /// `{"op":"stats","doc":…}`
        case stats
        /// `{"op":"cursor","doc":…,"line":N}`: the editor's cursor is on source line N
        /// (0-based); a live preview page follows it.
        case cursor(line: Int)
        /// `{"op":"close","doc":…}`
        case close
        /// `{"op":"shutdown"}`
        case shutdown
    }

    /// What is asked.
    public var command: Command
    /// The document the request names; nil for `shutdown` and for edits without `"doc"`.
    public var doc: String?
    /// The request's `"id"`, if it has one.
    public var id: RequestID?

    /// A request of `command` for `doc`.
    public init(_ command: Command, doc: String? = nil, id: RequestID? = nil) {
        self.command = command
        self.doc = doc
        self.id = id
    }

    /// The operation (`edit` for bare trace lines).
    public var op: RequestOp {
        switch command {
        case .open: .open
        case .edit: .edit
        case .replace: .replace
        case .save: .save
        case .render: .render
        case .stats: .stats
        case .cursor: .cursor
        case .close: .close
        case .shutdown: .shutdown
        }
    }
}
