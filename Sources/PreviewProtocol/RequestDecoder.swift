public import MarkdownRenderer
import StrictJSON
/// Turns request lines into `Request`s, classifying every bad line with a
/// `ProtocolErrorCode`.
///
/// Rules, in the order they are checked:
/// 1. A line holding nothing but spaces, tabs and carriage returns is ignored: `decode`
///    returns nil and no error is sent.
/// 2. A line longer than `maxLineLength` bytes is `line_too_long`.
/// 3. A line that is not UTF-8 is `invalid_utf8`.
/// 4. A line that is not one JSON value (RFC 8259, nesting at most 128 deep) is
///    `invalid_json`; a key repeated in one object is `conflicting_fields`.
/// 5. A value that is not an object is `not_an_object`.
/// 6. Then the fields: `id`, `op`, `doc`, and the operation's own fields.
///
/// Unknown keys are ignored, except in `options` (the renderer's `RenderOptions`). A `null` value
/// counts as an absent key. When a line is bad, the error still carries the `id` and
/// `doc` of the request if they could be read, even from the part of a broken line
/// before the damage.
public struct RequestDecoder: Sendable {
    /// The longest line, in bytes without its line break, that `decode` accepts.
    public var maxLineLength: Int
    /// The render profile of an `open` that names none.
    public var defaultProfile: RenderProfile

    /// A decoder accepting lines up to `maxLineLength` bytes (default 8 MiB), whose
    /// `open` requests render with `defaultProfile` unless they name a `profile`.
    public init(maxLineLength: Int? = nil, defaultProfile: RenderProfile = .cmark) {
        self.maxLineLength = maxLineLength ?? WireProtocol.defaultMaxLineLength
        self.defaultProfile = defaultProfile
    }

    /// Decodes a framed line: a complete line is decoded as `decode(_:line:)` does, an
    /// over-long one becomes `line_too_long`.
    package func decode(_ framed: FramedLine) throws(ProtocolError) -> Request? {
        switch framed {
        case let .complete(number, bytes):
            return try decode(bytes, line: number)
        case let .tooLong(number, prefix):
            var error = tooLong(line: number, prefix: prefix)
            error.continuesTransaction = prefix.withUnsafeBufferPointer { Self.recoverContinuation($0) }
            throw error
        }
    }

    /// Decodes one line given as text; `line` is its 1-based number in the input.
    public func decode(_ text: String, line: Int = 1) throws(ProtocolError) -> Request? {
        try decode(Array(text.utf8), line: line)
    }

    /// Decodes one line (without its line break); `line` is its 1-based number in the
    /// input. Returns nil for a blank line.
    public func decode(_ bytes: [UInt8], line: Int) throws(ProtocolError) -> Request? {
        let result: Result<Request?, ProtocolError> = bytes.withUnsafeBufferPointer { buffer in
            do throws(ProtocolError) {
                return .success(try decode(buffer, line: line))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Decodes one line (without its line break) from a buffer; `line` is its 1-based
    /// number in the input. Returns nil for a blank line.
    package func decode(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws(ProtocolError) -> Request? {
        do throws(ProtocolError) {
            return try decodeLine(bytes, line: line)
        } catch {
            var error = error
            error.continuesTransaction = Self.recoverContinuation(bytes)
            throw error
        }
    }

    private func decodeLine(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) throws(ProtocolError) -> Request? {
        if Self.isBlank(bytes) { return nil }
        if bytes.count > maxLineLength {
            throw tooLong(line: line, prefix: Array(bytes.prefix(Self.recoveryPrefixLength)))
        }
        if let bad = UTF8Validation.firstInvalidOffset(bytes) {
            let (id, doc) = Self.recover(UnsafeBufferPointer(rebasing: bytes[..<bad]))
            throw ProtocolError(
                code: .invalidUTF8,
                message: "the line is not valid UTF-8: byte \(bad + 1) is 0x\(Self.hex(bytes[bad])), which does not start a valid UTF-8 sequence",
                line: line, id: id, doc: doc
            )
        }
        var parser = JSONParser(bytes)
        let value: JSONValue
        do {
            value = try parser.parseDocument()
        } catch {
            let id = parser.recoveredID.flatMap(Self.validID)
            let doc = parser.recoveredDoc.flatMap(Self.validDoc)
            switch error.kind {
            case .syntax:
                throw ProtocolError(code: .invalidJSON, message: "the line is not JSON: \(error.message)", line: line, id: id, doc: doc)
            case let .duplicateKey(key):
                throw ProtocolError(code: .conflictingFields, message: error.message, field: key, line: line, id: id, doc: doc)
            }
        }
        guard case let .object(object) = value else {
            throw ProtocolError(
                code: .notAnObject, message: "a request must be a JSON object, not \(Self.article(value.typeName))", line: line
            )
        }
        var fields = Fields(object: object, line: line, defaultProfile: defaultProfile)
        return try fields.decodeRequest()
    }

    // MARK: helpers

    /// How many bytes of an over-long line are kept to recover its `id` and `doc`.
    static let recoveryPrefixLength = 4096

    private func tooLong(line: Int, prefix: [UInt8]) -> ProtocolError {
        let (id, doc) = prefix.withUnsafeBufferPointer { buffer in
            Self.recover(UnsafeBufferPointer(rebasing: buffer[..<UTF8Validation.validPrefixLength(buffer)]))
        }
        return ProtocolError(
            code: .lineTooLong,
            message: "the line is longer than the limit of \(maxLineLength) bytes and was discarded",
            line: line, id: id, doc: doc
        )
    }

    /// The `id` and `doc` of the top-level object in the valid-UTF-8 start of a line,
    /// as far as it parses.
    static func recover(_ bytes: UnsafeBufferPointer<UInt8>) -> (RequestID?, String?) {
        var parser = JSONParser(bytes)
        if case let .object(object)? = try? parser.parseDocument() {
            return (object["id"].flatMap(validID), object["doc"].flatMap(validDoc))
        }
        return (parser.recoveredID.flatMap(validID), parser.recoveredDoc.flatMap(validDoc))
    }

    /// Whether the top-level object in the valid-UTF-8 start of a line says `"c":1` or
    /// `"c":true`, as far as it parses.
    static func recoverContinuation(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var parser = JSONParser(UnsafeBufferPointer(rebasing: bytes[..<UTF8Validation.validPrefixLength(bytes)]))
        let value: JSONValue?
        if case let .object(object)? = try? parser.parseDocument() { value = object["c"] } else { value = parser.recoveredContinuation }
        switch value {
        case .bool(true)?, .number(.integer(1))?: return true
        default: return false
        }
    }

    static func validID(_ value: JSONValue) -> RequestID? {
        switch value {
        case let .string(string): .string(string)
        case let .number(.integer(integer)): .integer(integer)
        default: nil
        }
    }

    static func validDoc(_ value: JSONValue) -> String? {
        if case let .string(string) = value, !string.isEmpty { return string }
        return nil
    }

    static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return digits.count == 1 ? "0" + digits : digits
    }

    static func article(_ typeName: String) -> String {
        switch typeName {
        case "null": "null"
        case "array", "integer", "object": "an \(typeName)"
        default: "a \(typeName)"
        }
    }
}
