/// The stable machine-readable codes of `error` events.
public enum ProtocolErrorCode: String, Sendable, Hashable, CaseIterable {
    // MARK: found by the codec

    /// The line is not JSON.
    case invalidJSON = "invalid_json"
    /// The line's bytes are not valid UTF-8.
    case invalidUTF8 = "invalid_utf8"
    /// The line is longer than the limit; its bytes were discarded.
    case lineTooLong = "line_too_long"
    /// The line is JSON but not an object.
    case notAnObject = "not_an_object"
    /// The object has no `"op"` and is not an edit-trace line.
    case missingOp = "missing_op"
    /// The `"op"` names no operation.
    case unknownOp = "unknown_op"
    /// A required field is absent (or null).
    case missingField = "missing_field"
    /// A field has the wrong JSON type.
    case wrongType = "wrong_type"
    /// A field has the right type but a value that is not allowed.
    case invalidValue = "invalid_value"
    /// Fields that cannot be combined are both present, or a key is repeated.
    case conflictingFields = "conflicting_fields"

    // MARK: found by the engine

    /// The request names a document that is not open.
    case unknownDoc = "unknown_doc"
    /// `open` names a document that is already open.
    case docExists = "doc_exists"
    /// An edit's position or range lies outside the document's text.
    case outOfRange = "out_of_range"
    /// An edit boundary falls inside one character: between the surrogates of a UTF-16
    /// pair or inside a UTF-8 sequence.
    case splitsCharacter = "splits_character"
    /// Writing a file failed.
    case saveFailed = "save_failed"
    /// An edit without `"doc"` arrived while zero or several documents were open.
    case noDocument = "no_document"
    /// A request arrived after `shutdown`.
    case shuttingDown = "shutting_down"
    /// Another line of the same `"c":1` transaction failed, so this line was not
    /// applied either (the transaction is all or nothing).
    case transactionFailed = "transaction_failed"
}

/// A request that could not be carried out, as sent in an `error` event: a stable code,
/// a human message, and whatever could be recovered about the request.
public struct ProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The stable code.
    public var code: ProtocolErrorCode
    /// A one-line explanation for people.
    public var message: String
    /// The field concerned (`"pos"`, `"options.extensions[1]"`, ...), when there is one.
    public var field: String?
    /// The 1-based input line of the request, when the error concerns one.
    public var line: Int?
    /// The request's `"id"`, when it could be read.
    public var id: RequestID?
    /// The request's `"doc"`, when it could be read.
    public var doc: String?
    /// Whether the line, as far as it could be read, said `"c":1` (it belonged to the
    /// transaction of the line before). Not sent on the wire.
    public var continuesTransaction = false

    /// An error with every property given.
    package init(
        code: ProtocolErrorCode, message: String, field: String? = nil,
        line: Int? = nil, id: RequestID? = nil, doc: String? = nil
    ) {
        self.code = code
        self.message = message
        self.field = field
        self.line = line
        self.id = id
        self.doc = doc
    }

    /// `"code: message"`, with the line when known.
    public var description: String {
        (line.map { "line \($0): " } ?? "") + "\(code.rawValue): \(message)"
    }

    /// The `error` event that reports this error.
    package var event: Event { .error(self) }

    // MARK: engine errors

    /// `unknown_doc`: `doc` is not open.
    package static func unknownDoc(_ doc: String, line: Int? = nil, id: RequestID? = nil) -> ProtocolError {
        ProtocolError(code: .unknownDoc, message: "no open document is named \"\(doc)\"", line: line, id: id, doc: doc)
    }

    /// `doc_exists`: `open` of a document that is already open.
    package static func docExists(_ doc: String, line: Int? = nil, id: RequestID? = nil) -> ProtocolError {
        ProtocolError(
            code: .docExists, message: "a document named \"\(doc)\" is already open; close it first or use \"replace\"",
            line: line, id: id, doc: doc
        )
    }

    /// `no_document`: an edit without `"doc"` while `openCount` documents are open.
    package static func noDocument(openCount: Int, line: Int? = nil, id: RequestID? = nil) -> ProtocolError {
        let situation = openCount == 0 ? "no document is open" : "\(openCount) documents are open"
        return ProtocolError(
            code: .noDocument, message: "the edit names no \"doc\" and \(situation); name the document",
            line: line, id: id
        )
    }

    /// `shutting_down`: a request after `shutdown`.
    package static func shuttingDown(line: Int? = nil, id: RequestID? = nil, doc: String? = nil) -> ProtocolError {
        ProtocolError(code: .shuttingDown, message: "the server is shutting down and takes no more requests", line: line, id: id, doc: doc)
    }
}
