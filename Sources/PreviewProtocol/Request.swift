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
    /// How to render the document.
    public var options: RenderSettings

    /// An open request.
    public init(id: RequestID? = nil, doc: String, text: String, autosave: String? = nil, options: RenderSettings = RenderSettings()) {
        self.id = id
        self.doc = doc
        self.text = text
        self.autosave = autosave
        self.options = options
    }
}

/// The render options of `open` (the `"options"` object), mirroring the renderer's
/// options without depending on it. Every flag defaults to false.
public struct RenderSettings: Sendable, Hashable {
    /// `unsafe`: emit raw HTML and dangerous URLs as written.
    public var allowsUnsafeHTML = false
    /// `sourcepos`: add `data-sourcepos` attributes.
    public var sourcePositions = false
    /// `smart`: smart punctuation.
    public var smartPunctuation = false
    /// `hardbreaks`: soft line breaks become `<br />`.
    public var hardBreaks = false
    /// `nobreaks`: soft line breaks become spaces.
    public var noBreaks = false
    /// `github_pre_lang`: `<pre lang="x">` for code blocks.
    public var githubPreLang = false
    /// `full_info_string`: keep the rest of a code block's info string.
    public var fullInfoString = false
    /// `table_prefer_style_attributes`: align table cells with `style`.
    public var tablePreferStyleAttributes = false
    /// `strikethrough_double_tilde`: strikethrough only with `~~`.
    public var strikethroughDoubleTilde = false
    /// `extensions`: the GFM extensions to enable; nil (the key absent) means all of
    /// them, an empty set none.
    public var extensions: Set<MarkdownExtension>?

    /// The defaults: every flag off, every extension on.
    public init() {}

    /// Settings with the given values.
    public init(
        allowsUnsafeHTML: Bool = false, sourcePositions: Bool = false, smartPunctuation: Bool = false,
        hardBreaks: Bool = false, noBreaks: Bool = false, githubPreLang: Bool = false,
        fullInfoString: Bool = false, tablePreferStyleAttributes: Bool = false,
        strikethroughDoubleTilde: Bool = false, extensions: Set<MarkdownExtension>? = nil
    ) {
        self.allowsUnsafeHTML = allowsUnsafeHTML
        self.sourcePositions = sourcePositions
        self.smartPunctuation = smartPunctuation
        self.hardBreaks = hardBreaks
        self.noBreaks = noBreaks
        self.githubPreLang = githubPreLang
        self.fullInfoString = fullInfoString
        self.tablePreferStyleAttributes = tablePreferStyleAttributes
        self.strikethroughDoubleTilde = strikethroughDoubleTilde
        self.extensions = extensions
    }
}

/// A GFM extension, by its name in `options.extensions`.
public enum MarkdownExtension: String, Sendable, Hashable, CaseIterable {
    /// Pipe tables.
    case table
    /// `~text~` strikethrough.
    case strikethrough
    /// Bare URLs and e-mail addresses become links.
    case autolink
    /// Escapes raw HTML tags GitHub disallows.
    case tagfilter
    /// `- [ ]` task list items.
    case tasklist
    /// `[^1]` footnotes.
    case footnotes
}

/// `edit`: one transaction of changes to a document.
public struct EditRequest: Sendable, Hashable {
    /// The request id.
    public var id: RequestID?
    /// The document; nil when the line did not name one (bare trace lines), which the
    /// server resolves to the only open document.
    public var doc: String?
    /// The changes, applied in order as one transaction.
    public var changes: EditChanges
    /// The line's `"t"` (milliseconds), passed through unchanged.
    public var timestampMs: Double?
    /// `"c":1`: this edit continues the previous edit's transaction.
    public var continuesTransaction: Bool

    /// An edit request.
    public init(id: RequestID? = nil, doc: String?, changes: EditChanges, timestampMs: Double? = nil, continuesTransaction: Bool = false) {
        self.id = id
        self.doc = doc
        self.changes = changes
        self.timestampMs = timestampMs
        self.continuesTransaction = continuesTransaction
    }
}

/// What an edit changes.
public enum EditChanges: Sendable, Hashable {
    /// Offset patches (`pos`/`del`/`ins`, or `patches`), each relative to the text left
    /// by the previous one, counted in `unit`.
    case offsets([OffsetPatch], unit: PositionUnit)
    /// The LSP form: the text from `range.start` to `range.end` (characters counted in
    /// `unit`) becomes `text`.
    case range(LineRange, text: String, unit: PositionUnit)

    /// The unit positions are counted in.
    public var unit: PositionUnit {
        switch self {
        case let .offsets(_, unit), let .range(_, _, unit): unit
        }
    }
}

/// One offset patch: delete `del` units at `pos`, then insert `ins` there.
public struct OffsetPatch: Sendable, Hashable {
    /// The 0-based offset.
    public var pos: Int
    /// How many units to delete.
    public var del: Int
    /// The text to insert.
    public var ins: String

    /// A patch.
    public init(pos: Int, del: Int, ins: String) {
        self.pos = pos
        self.del = del
        self.ins = ins
    }
}

/// An LSP position: 0-based line and character.
public struct LinePoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 0-based line.
    public var line: Int
    /// The 0-based character within the line, in the edit's unit.
    public var character: Int

    /// A position.
    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }

    /// Orders by line, then character.
    public static func < (lhs: LinePoint, rhs: LinePoint) -> Bool {
        (lhs.line, lhs.character) < (rhs.line, rhs.character)
    }

    /// `"line:character"`.
    public var description: String { "\(line):\(character)" }
}

/// An LSP range, `start` not after `end`.
public struct LineRange: Sendable, Hashable {
    /// Where the range starts.
    public var start: LinePoint
    /// Where it ends (exclusive).
    public var end: LinePoint

    /// A range.
    public init(start: LinePoint, end: LinePoint) {
        self.start = start
        self.end = end
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
