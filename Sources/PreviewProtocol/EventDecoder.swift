import IncrementalRender
import StrictJSON
/// Reads event lines back into `Event`s: the client side of the protocol, used by tests
/// and Swift clients. Unknown keys are ignored, as the protocol asks of clients.
///
/// Errors use the request codes where they fit: `invalid_utf8`, `invalid_json`,
/// `not_an_object`, `missing_field`, `wrong_type`, and `invalid_value` (also for an
/// unknown `"event"`).
public enum EventDecoder {
    /// Decodes one event line (a final `\n` is allowed).
    public static func decode(_ text: String) throws(ProtocolError) -> Event {
        try decode(Array(text.utf8))
    }

    /// Decodes one event line given as bytes (a final `\n` is allowed).
    public static func decode(_ bytes: [UInt8]) throws(ProtocolError) -> Event {
        let parsed: Result<JSONValue, ProtocolError> = bytes.withUnsafeBufferPointer { buffer in
            if let bad = UTF8Validation.firstInvalidOffset(buffer) {
                return .failure(ProtocolError(code: .invalidUTF8, message: "byte \(bad + 1) is not valid UTF-8"))
            }
            var parser = JSONParser(buffer)
            do throws(JSONParseError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(ProtocolError(code: .invalidJSON, message: error.message))
            }
        }
        guard case let .object(object) = try parsed.get() else {
            throw ProtocolError(code: .notAnObject, message: "an event must be a JSON object")
        }
        let e = Reader(object: object)
        switch try e.string("event") {
        case "ready":
            return .ready(ReadyEvent(protocolVersion: try e.integer("protocol"), server: try e.string("server"), url: try e.optionalString("url")))
        case "ack":
            guard let opName = try e.optionalString("op"), let op = RequestOp(rawValue: opName) else {
                throw ProtocolError(code: .invalidValue, message: "\"op\" is missing or unknown", field: "op")
            }
            guard let id = try e.id() else { throw ProtocolError(code: .missingField, message: "an ack has an \"id\"", field: "id") }
            return .ack(AckEvent(id: id, op: op, doc: try e.optionalString("doc"), version: try e.optionalVersion("version")))
        case "render":
            return .render(RenderEvent(
                doc: try e.string("doc"), version: try e.version("version"), html: try e.string("html"),
                renderMs: try e.number("render_ms"), latencyMs: try e.optionalNumber("latency_ms")
            ))
        case "patch":
            return .patch(try Self.patch(e))
        case "saved":
            return .saved(SavedEvent(doc: try e.string("doc"), version: try e.version("version"), path: try e.string("path")))
        case "stats":
            guard case let .array(items)? = object["headings"] else {
                throw ProtocolError(code: .wrongType, message: "\"headings\" must be an array", field: "headings")
            }
            var headings: [StatsEvent.Heading] = []
            for item in items {
                guard case let .object(heading) = item else {
                    throw ProtocolError(code: .wrongType, message: "a heading must be an object", field: "headings")
                }
                let h = Reader(object: heading)
                headings.append(StatsEvent.Heading(level: try h.integer("level"), text: try h.string("text"), line: try h.integer("line")))
            }
            return .stats(StatsEvent(
                doc: try e.string("doc"), version: try e.version("version"), words: try e.integer("words"),
                characters: try e.integer("characters"), lines: try e.integer("lines"),
                readingMinutes: try e.number("reading_minutes"), headings: headings
            ))
        case "progress":
            return .progress(ProgressEvent(
                doc: try e.optionalString("doc"), task: try e.string("task"),
                fraction: try e.optionalNumber("fraction"), message: try e.optionalString("message")
            ))
        case "error":
            let codeName = try e.string("code")
            guard let code = ProtocolErrorCode(rawValue: codeName) else {
                throw ProtocolError(code: .invalidValue, message: "unknown error code \"\(codeName)\"", field: "code")
            }
            return .error(ProtocolError(
                code: code, message: try e.string("message"), field: try e.optionalString("field"),
                line: try e.optionalInteger("line"), id: try e.id(), doc: try e.optionalString("doc")
            ))
        case "closed":
            return .closed(doc: try e.string("doc"))
        case "renderFailed":
            return .renderFailed(RenderFailedEvent(
                doc: try e.string("doc"), version: try e.version("version"), reason: try e.string("reason"),
                message: try e.string("message"), failures: try e.integer("failures")
            ))
        case "previewPaused":
            return .previewPaused(PreviewPausedEvent(
                doc: try e.string("doc"), reason: try e.string("reason"), message: try e.string("message"),
                failures: try e.integer("failures"), retryInMs: try e.number("retry_in_ms")
            ))
        case "reveal":
            return .reveal(doc: try e.string("doc"), line: try e.integer("line"))
        case "bye":
            return .bye
        case let other:
            throw ProtocolError(code: .invalidValue, message: "unknown event \"\(other)\"", field: "event")
        }
    }

    private static func patch(_ e: Reader) throws(ProtocolError) -> PatchEvent {
        guard case let .array(removeItems)? = e.value("remove") else { throw e.wrong("remove", "an array") }
        guard case let .array(insertItems)? = e.value("insert") else { throw e.wrong("insert", "an array") }
        var removed: [BlockKey] = []
        for item in removeItems {
            guard case let .number(.integer(key)) = item, let raw = UInt64(exactly: key) else { throw e.wrong("remove", "an array of keys") }
            removed.append(BlockKey(rawValue: raw))
        }
        var inserted: [RenderedBlock] = []
        for item in insertItems {
            guard case let .object(object) = item else { throw e.wrong("insert", "an array of blocks") }
            let block = Reader(object: object)
            guard case let .array(lines)? = block.value("lines"), lines.count == 2,
                  case let .number(.integer(first)) = lines[0], case let .number(.integer(last)) = lines[1], first <= last
            else { throw e.wrong("lines", "[first, last]") }
            inserted.append(RenderedBlock(key: BlockKey(rawValue: try block.version("key")), lines: first ... last, html: try block.string("html")))
        }
        var updated: [BlockUpdate] = []
        if let value = e.value("update") {
            guard case let .array(items) = value else { throw e.wrong("update", "an array") }
            for item in items {
                guard case let .object(object) = item else { throw e.wrong("update", "an array of blocks") }
                let block = Reader(object: object)
                updated.append(BlockUpdate(index: try block.integer("index"), key: BlockKey(rawValue: try block.version("key")), html: try block.string("html")))
            }
        }
        let patch = BlockPatch(
            baseVersion: try e.optionalVersion("base"), version: try e.version("version"), start: try e.integer("start"),
            removed: removed, inserted: inserted, lineDelta: try e.integer("line_delta"), footnotes: try e.optionalString("footnotes"),
            updated: updated
        )
        return PatchEvent(doc: try e.string("doc"), patch: patch, renderMs: try e.number("render_ms"), latencyMs: try e.optionalNumber("latency_ms"))
    }

    private struct Reader {
        let object: JSONObject

        func value(_ key: String) -> JSONValue? {
            if case .null? = object[key] { return nil }
            return object[key]
        }

        func missing(_ key: String) -> ProtocolError {
            ProtocolError(code: .missingField, message: "the event has no \"\(key)\"", field: key)
        }

        func wrong(_ key: String, _ expected: String) -> ProtocolError {
            ProtocolError(code: .wrongType, message: "\"\(key)\" must be \(expected)", field: key)
        }

        func optionalString(_ key: String) throws(ProtocolError) -> String? {
            guard let value = value(key) else { return nil }
            guard case let .string(string) = value else { throw wrong(key, "a string") }
            return string
        }

        func string(_ key: String) throws(ProtocolError) -> String {
            guard let string = try optionalString(key) else { throw missing(key) }
            return string
        }

        func optionalInteger(_ key: String) throws(ProtocolError) -> Int? {
            guard let value = value(key) else { return nil }
            guard case let .number(.integer(integer)) = value else { throw wrong(key, "an integer") }
            return integer
        }

        func integer(_ key: String) throws(ProtocolError) -> Int {
            guard let integer = try optionalInteger(key) else { throw missing(key) }
            return integer
        }

        func optionalVersion(_ key: String) throws(ProtocolError) -> UInt64? {
            guard let integer = try optionalInteger(key) else { return nil }
            guard let version = UInt64(exactly: integer) else { throw wrong(key, "a non-negative integer") }
            return version
        }

        func version(_ key: String) throws(ProtocolError) -> UInt64 {
            guard let version = try optionalVersion(key) else { throw missing(key) }
            return version
        }

        func optionalNumber(_ key: String) throws(ProtocolError) -> Double? {
            guard let value = value(key) else { return nil }
            guard case let .number(number) = value else { throw wrong(key, "a number") }
            return number.doubleValue
        }

        func number(_ key: String) throws(ProtocolError) -> Double {
            guard let number = try optionalNumber(key) else { throw missing(key) }
            return number
        }

        func id() throws(ProtocolError) -> RequestID? {
            guard let value = value("id") else { return nil }
            guard let id = RequestDecoder.validID(value) else { throw wrong("id", "a string or an integer") }
            return id
        }
    }
}
