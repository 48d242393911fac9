public import IncrementalRender
/// One event the server writes: one JSON object on one line, its kind in `"event"`.
public enum Event: Sendable, Hashable {
    /// `{"event":"ready","protocol":1,"server":"mdpreview","url":…?}`: the first line;
    /// `url` is the live preview's address (with its token) under `stdio --http`.
    case ready(ReadyEvent)
    /// `{"event":"ack","id":…,"op":…,"doc":…,"version":…}`: a request with an id was
    /// carried out.
    case ack(AckEvent)
    /// `{"event":"render","doc":…,"version":…,"html":…,"render_ms":…,"latency_ms":…}`
    case render(RenderEvent)
    /// `{"event":"patch","doc":…,"version":…,"base":…,"start":…,"remove":[…],"insert":[…],
    /// "line_delta":…,"footnotes":…?,"render_ms":…,"latency_ms":…?}`: how the blocks of
    /// a document opened with `"patches":true` changed.
    case patch(PatchEvent)
    /// `{"event":"saved","doc":…,"version":…,"path":…}`
    case saved(SavedEvent)
    /// `{"event":"stats","doc":…,"version":…,"words":…,…,"headings":[…]}`
    case stats(StatsEvent)
    /// `{"event":"progress","doc":…?,"task":…,"fraction":…?,"message":…?}`
    case progress(ProgressEvent)
    /// `{"event":"error","line":…?,"id":…?,"doc":…?,"code":…,"field":…?,"message":…}`
    case error(ProtocolError)
    /// `{"event":"closed","doc":…}`
    case closed(doc: String)
    /// `{"event":"renderFailed","doc":…,"version":…,"reason":…,"message":…,"failures":…}`
    case renderFailed(RenderFailedEvent)
    /// `{"event":"previewPaused","doc":…,"reason":…,"message":…,"failures":…,"retry_in_ms":…}`
    case previewPaused(PreviewPausedEvent)
    /// `{"event":"reveal","doc":…,"line":N}`: the preview page asks the editor to show
    /// source line N (0-based) of the document.
    case reveal(doc: String, line: Int)
    /// `{"event":"bye"}`: the last line before the server exits.
    case bye

    /// The `"event"` string of this event.
    public var name: String {
        switch self {
        case .ready: "ready"
        case .ack: "ack"
        case .render: "render"
        case .patch: "patch"
        case .saved: "saved"
        case .stats: "stats"
        case .progress: "progress"
        case .error: "error"
        case .closed: "closed"
        case .renderFailed: "renderFailed"
        case .previewPaused: "previewPaused"
        case .reveal: "reveal"
        case .bye: "bye"
        }
    }
}

/// `ready`: the protocol version and the server's name.
public struct ReadyEvent: Sendable, Hashable {
    /// The protocol version (`protocol`).
    public var protocolVersion: Int
    /// The server's name.
    public var server: String
    /// The live preview's URL, with its token (`stdio --http` only).
    public var url: String?

    /// The event of this implementation: `WireProtocol.version` and `.serverName`.
    package init(protocolVersion: Int = WireProtocol.version, server: String = WireProtocol.serverName, url: String? = nil) {
        self.protocolVersion = protocolVersion
        self.server = server
        self.url = url
    }
}

/// `ack`: the request with `id` was carried out.
public struct AckEvent: Sendable, Hashable {
    /// The request's id.
    public var id: RequestID
    /// The request's operation.
    public var op: RequestOp
    /// The document, for requests that name one.
    public var doc: String?
    /// The document's version after the request, when it has one.
    public var version: UInt64?

    /// An ack.
    package init(id: RequestID, op: RequestOp, doc: String? = nil, version: UInt64? = nil) {
        self.id = id
        self.op = op
        self.doc = doc
        self.version = version
    }
}

/// `render`: the HTML of one version of a document.
public struct RenderEvent: Sendable, Hashable {
    /// The document.
    public var doc: String
    /// The version rendered.
    public var version: UInt64
    /// The HTML fragment.
    public var html: String
    /// How long rendering took, in milliseconds (`render_ms`).
    public var renderMs: Double
    /// From the edit that made this version to this event, in milliseconds
    /// (`latency_ms`); nil when no edit caused it (e.g. after `open`).
    public var latencyMs: Double?

    /// A render event.
    package init(doc: String, version: UInt64, html: String, renderMs: Double, latencyMs: Double? = nil) {
        self.doc = doc
        self.version = version
        self.html = html
        self.renderMs = renderMs
        self.latencyMs = latencyMs
    }
}

/// `patch`: one version of a document as a change of its keyed blocks (see
/// `Docs/INCREMENTAL.md`); `base` null means a snapshot that replaces everything.
public struct PatchEvent: Sendable, Hashable {
    /// The document.
    public var doc: String
    /// The patch (its `version` is the version rendered).
    public var patch: BlockPatch
    /// How long rendering took, in milliseconds (`render_ms`).
    public var renderMs: Double
    /// From the edit that made this version to this event, in milliseconds.
    public var latencyMs: Double?

    /// A patch event.
    package init(doc: String, patch: BlockPatch, renderMs: Double, latencyMs: Double? = nil) {
        self.doc = doc
        self.patch = patch
        self.renderMs = renderMs
        self.latencyMs = latencyMs
    }
}

/// `saved`: a version of a document was written to `path`.
public struct SavedEvent: Sendable, Hashable {
    /// The document.
    public var doc: String
    /// The version written.
    public var version: UInt64
    /// Where it was written.
    public var path: String

    /// A saved event.
    package init(doc: String, version: UInt64, path: String) {
        self.doc = doc
        self.version = version
        self.path = path
    }
}

/// `stats`: counts and outline of one version of a document.
public struct StatsEvent: Sendable, Hashable {
    /// The document.
    public var doc: String
    /// The version counted.
    public var version: UInt64
    /// Words.
    public var words: Int
    /// Characters.
    public var characters: Int
    /// Lines.
    public var lines: Int
    /// Estimated reading time in minutes (`reading_minutes`).
    public var readingMinutes: Double
    /// The headings, in order.
    public var headings: [Heading]

    /// A stats event.
    package init(doc: String, version: UInt64, words: Int, characters: Int, lines: Int, readingMinutes: Double, headings: [Heading]) {
        self.doc = doc
        self.version = version
        self.words = words
        self.characters = characters
        self.lines = lines
        self.readingMinutes = readingMinutes
        self.headings = headings
    }

    /// One heading of the outline.
    public struct Heading: Sendable, Hashable {
        /// 1 to 6.
        public var level: Int
        /// The heading's text.
        public var text: String
        /// Its 1-based line in the document.
        public var line: Int

        /// A heading.
        package init(level: Int, text: String, line: Int) {
            self.level = level
            self.text = text
            self.line = line
        }
    }
}

/// `progress`: how far a long task (an autosave, say) has come.
public struct ProgressEvent: Sendable, Hashable {
    /// The document, if the task concerns one.
    public var doc: String?
    /// The task's name, e.g. `"autosave"`.
    public var task: String
    /// 0 to 1, when known.
    public var fraction: Double?
    /// A short human-readable note.
    public var message: String?

    /// A progress event.
    package init(doc: String? = nil, task: String, fraction: Double? = nil, message: String? = nil) {
        self.doc = doc
        self.task = task
        self.fraction = fraction
        self.message = message
    }
}
