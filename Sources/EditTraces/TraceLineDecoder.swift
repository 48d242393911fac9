import StrictJSON

/// Why one line did not decode as an edit.
struct LineParseFailure: Error {
    var reason: String
}

/// Decodes one edit line (`{"t":…,"pos":…,"del":…,"ins":"…"}`, optionally `"c"`) with the
/// strict JSON reader the editor protocol uses (`StrictJSON`): keys in any order, unknown
/// keys ignored, `t` absent or null, `c` a boolean or an integer (non-zero: continues).
enum TraceLineDecoder {
    /// Decodes one line (without its newline). O(line length).
    static func decode(_ line: UnsafeBufferPointer<UInt8>) throws(LineParseFailure) -> TraceEdit {
        if let bad = UTF8Validation.firstInvalidOffset(line) {
            throw LineParseFailure(reason: "invalid UTF-8 at byte \(bad + 1)")
        }
        var parser = JSONParser(line)
        let value: JSONValue
        do {
            value = try parser.parseDocument()
        } catch {
            throw LineParseFailure(reason: error.message)
        }
        guard case let .object(object) = value else { throw LineParseFailure(reason: "the line is \(article(value)), not an object") }
        var time: Int?
        if let t = object["t"], t != .null { time = try integer(t, "t") }
        guard let pos = object["pos"] else { throw LineParseFailure(reason: "missing key \"pos\"") }
        guard let del = object["del"] else { throw LineParseFailure(reason: "missing key \"del\"") }
        guard let ins = object["ins"] else { throw LineParseFailure(reason: "missing key \"ins\"") }
        let position = try integer(pos, "pos")
        let deleteCount = try integer(del, "del")
        guard case let .string(inserted) = ins else { throw LineParseFailure(reason: "\"ins\" must be a string, not \(article(ins))") }
        guard position >= 0 else { throw LineParseFailure(reason: "negative \"pos\" \(position)") }
        guard deleteCount >= 0 else { throw LineParseFailure(reason: "negative \"del\" \(deleteCount)") }
        var continues = false
        switch object["c"] {
        case nil, .null?: break
        case .bool(let flag)?: continues = flag
        case let c?: continues = try integer(c, "c") != 0
        }
        return TraceEdit(timeMs: time, position: position, deleteCount: deleteCount, insertedText: inserted, continuesTransaction: continues)
    }

    private static func article(_ value: JSONValue) -> String {
        ["array", "integer", "object"].contains(value.typeName) ? "an \(value.typeName)" : "a \(value.typeName)"
    }

    private static func integer(_ value: JSONValue, _ key: String) throws(LineParseFailure) -> Int {
        guard case .number(.integer(let integer)) = value else {
            throw LineParseFailure(reason: "\"\(key)\" must be an integer, not \(article(value))")
        }
        return integer
    }
}
