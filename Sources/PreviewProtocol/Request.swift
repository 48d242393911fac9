public import DocumentModel
public import MarkdownRenderer

/// One request read from the client: a line with an `"op"`, or a bare edit-trace line.
public enum Request: Sendable, Hashable {
    /// `{"op":"open","doc":…,"text":…,"autosave":…?,"options":{…}?}`
    case open(OpenRequest)
    /// `{"op":"edit",…}` in one of its three forms, or a bare trace line.
    case edit(EditRequest)
    /// `{"op":"replace","doc":…,"text":…}`
    case replace(ReplaceRequest)
    /// `{"op":"save","doc":…,"path":…?}`
    case save(SaveRequest)
    /// `{"op":"render","doc":…}`
    case render(DocumentRequest)
    /// `{"op":"stats","doc":…}`
    case stats(DocumentRequest)
    /// `{"op":"close","doc":…}`
    case close(DocumentRequest)
    /// `{"op":"shutdown"}`
    case shutdown(id: RequestID?)

    /// The operation (`edit` for bare trace lines).
    public var op: RequestOp {
        switch self {
        case .open: .open
        case .edit: .edit
        case .replace: .replace
        case .save: .save
        case .render: .render
        case .stats: .stats
        case .close: .close
        case .shutdown: .shutdown
        }
    }

    /// The request's `"id"`, if it has one.
    public var id: RequestID? {
        switch self {
        case let .open(request): request.id
        case let .edit(request): request.id
        case let .replace(request): request.id
        case let .save(request): request.id
        case let .render(request), let .stats(request), let .close(request): request.id
        case let .shutdown(id): id
        }
    }

    /// The document the request names; nil for `shutdown` and for edits without `"doc"`.
    public var doc: String? {
        switch self {
        case let .open(request): request.doc
        case let .edit(request): request.doc
        case let .replace(request): request.doc
        case let .save(request): request.doc
        case let .render(request), let .stats(request), let .close(request): request.doc
        case .shutdown: nil
        }
    }
}

/// `open`: a new document with its text, autosave path and render options.
public struct OpenRequest: Sendable, Hashable {
    /// The request id.
    public var id: RequestID?
    /// The new document's name.
    public var doc: String
    /// The initial text.
    public var text: String
    /// Where to save the document automatically after edits, if anywhere.
    public var autosave: String?
    /// How to render the document (the `"options"` object).
    public var options: RenderOptions

    /// An open request.
    public init(id: RequestID? = nil, doc: String, text: String, autosave: String? = nil, options: RenderOptions = .default) {
        self.id = id
        self.doc = doc
        self.text = text
        self.autosave = autosave
        self.options = options
    }
}

/// `edit`: one transaction of changes to a document.
public struct EditRequest: Sendable, Hashable {
    /// The request id.
    public var id: RequestID?
    /// The document; nil when the line did not name one (bare trace lines), which the
    /// server resolves to the only open document.
    public var doc: String?
    /// The changes, applied in order as one transaction: offset patches (`pos`/`del`/
    /// `ins` or `patches`, all in one unit) or one line-range patch (`range`/`text`).
    public var patches: [TextPatch]
    /// The line's `"t"` (milliseconds), passed through unchanged.
    public var timestampMs: Double?
    /// `"c":1`: this edit continues the previous edit's transaction.
    public var continuesTransaction: Bool

    /// An edit request.
    public init(id: RequestID? = nil, doc: String?, patches: [TextPatch], timestampMs: Double? = nil, continuesTransaction: Bool = false) {
        self.id = id
        self.doc = doc
        self.patches = patches
        self.timestampMs = timestampMs
        self.continuesTransaction = continuesTransaction
    }
}

/// `replace`: the document's whole new text.
public struct ReplaceRequest: Sendable, Hashable {
    /// The request id.
    public var id: RequestID?
    /// The document.
    public var doc: String
    /// The new text.
    public var text: String

    /// A replace request.
    public init(id: RequestID? = nil, doc: String, text: String) {
        self.id = id
        self.doc = doc
        self.text = text
    }
}

/// `save`: write the document to `path`, or to its autosave path.
public struct SaveRequest: Sendable, Hashable {
    /// The request id.
    public var id: RequestID?
    /// The document.
    public var doc: String
    /// Where to write it; nil means the `autosave` path given to `open`.
    public var path: String?

    /// A save request.
    public init(id: RequestID? = nil, doc: String, path: String? = nil) {
        self.id = id
        self.doc = doc
        self.path = path
    }
}

/// A request that names only a document: `render`, `stats`, `close`.
public struct DocumentRequest: Sendable, Hashable {
    /// The request id.
    public var id: RequestID?
    /// The document.
    public var doc: String

    /// A request for `doc`.
    public init(id: RequestID? = nil, doc: String) {
        self.id = id
        self.doc = doc
    }
}
