import DocumentModel
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
    /// Where the editor's cursor is (for the live preview page).
    case cursor
    /// Close a document.
    case close
    /// Finish everything and exit.
    case shutdown
}

extension TextUnit {
    /// The unit's name in the protocol's `"unit"` field.
    var wireName: String {
        switch self {
        case .unicodeScalars: "scalar"
        case .utf16: "utf16"
        case .utf8: "utf8"
        }
    }

    /// The unit a `"unit"` name stands for: `scalar`, `utf16` or `utf8`.
    init?(wireName: String) {
        guard let unit = TextUnit.allCases.first(where: { $0.wireName == wireName }) else { return nil }
        self = unit
    }
}
