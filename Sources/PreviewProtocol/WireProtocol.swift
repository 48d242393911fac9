/// Constants of the `mdpreview stdio` wire protocol.
public enum WireProtocol {
    /// The protocol version announced in the `ready` event. Additive changes (new
    /// optional keys, new events, new error codes) keep it; anything that changes the
    /// meaning of existing messages increments it.
    public static let version = 1

    /// The server name announced in the `ready` event.
    public static let serverName = "mdpreview"

    /// The default longest accepted request line: 8 MiB, not counting the line break.
    public static let defaultMaxLineLength = 8 << 20
}

/// The `"id"` of a request: a string or an integer, echoed in the events it causes.
public enum RequestID: Sendable, Hashable, CustomStringConvertible {
    /// A string id.
    case string(String)
    /// An integer id.
    case integer(Int)

    /// The id as it appears in JSON: quoted for strings.
    public var description: String {
        switch self {
        case let .string(value): "\"\(value)\""
        case let .integer(value): String(value)
        }
    }
}

/// The operations a request can ask for, by their `"op"` string.
public enum RequestOp: String, Sendable, Hashable, CaseIterable {
    /// Open a document.
    case open
    /// Edit a document.
    case edit
    /// Replace a document's whole text.
    case replace
    /// Save a document.
    case save
    /// Render a document now.
    case render
    /// Compute a document's statistics.
    case stats
    /// Close a document.
    case close
    /// Finish everything and exit.
    case shutdown
}

/// The unit in which an edit's positions and lengths count text.
public enum PositionUnit: String, Sendable, Hashable, CaseIterable {
    /// Unicode scalar values (code points), as in the edit traces. The default for
    /// offset edits.
    case scalar
    /// UTF-16 code units, as in the Language Server Protocol. The default for range edits.
    case utf16
    /// UTF-8 bytes, as Neovim's `on_bytes` reports them.
    case utf8
}
