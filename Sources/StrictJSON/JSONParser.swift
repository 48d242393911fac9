/// Why a line is not one JSON value.
public struct JSONParseError: Error, Sendable, Equatable {
    /// What kind of problem it is.
    public enum Kind: Sendable, Equatable {
        /// Not JSON (RFC 8259) at `offset`.
        case syntax
        /// An object has the key twice.
        case duplicateKey(String)
    }

    /// The kind of problem.
    public var kind: Kind
    /// The 0-based byte offset where it was found.
    public var offset: Int
    /// A short explanation.
    public var message: String
}

/// A strict RFC 8259 parser over UTF-8 bytes that the caller has already validated.
///
/// Strings may not contain raw control characters or unpaired surrogate escapes, objects
/// may not repeat a key, nesting is limited to `maxDepth`, and only whitespace may follow
/// the value. While parsing a top-level object it remembers the values of the members
/// `"id"` and `"doc"` as soon as each is complete, so an error later in the line can
/// still name the request it belongs to.
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted.
    public static let maxDepth = 128

    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0
    /// The top-level `"id"` member, once parsed.
    public private(set) var recoveredID: JSONValue?
    /// The top-level `"doc"` member, once parsed.
    public private(set) var recoveredDoc: JSONValue?
    /// The top-level `"c"` member, once parsed.
    public private(set) var recoveredContinuation: JSONValue?

    public init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses the whole buffer as one JSON value surrounded by optional whitespace.
    public mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard i < bytes.count else { throw syntax("the line holds no JSON value") }
        let value = try parseValue()
        skipWhitespace()
        guard i == bytes.count else {
            throw syntax("unexpected \(describe(at: i)) after the end of the JSON value")
        }
        return value
    }

    // MARK: values

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard i < bytes.count else { throw syntax("the line ends where a value was expected") }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw syntax("unexpected \(describe(at: i)) where a value was expected")
        }
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > Self.maxDepth { throw syntax("arrays and objects are nested deeper than \(Self.maxDepth) levels") }
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        let isTopLevel = depth == 1
        i += 1
        var object = JSONObject()
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
            i += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard i < bytes.count else { throw syntax("the line ends inside an object") }
            guard bytes[i] == UInt8(ascii: "\"") else {
                throw syntax("expected a key string in an object, found \(describe(at: i))")
            }
            let keyOffset = i
            let key = try parseString()
            skipWhitespace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
                throw syntax("expected ':' after the key \"\(key)\", found \(describe(at: i))")
            }
            i += 1
            skipWhitespace()
            let value = try parseValue()
            guard object.insert(value, forKey: key) else {
                throw JSONParseError(kind: .duplicateKey(key), offset: keyOffset, message: "the key \"\(key)\" appears twice in one object")
            }
            if isTopLevel {
                switch key {
                case "id": recoveredID = value
                case "doc": recoveredDoc = value
                case "c": recoveredContinuation = value
                default: break
                }
            }
            skipWhitespace()
            guard i < bytes.count else { throw syntax("the line ends inside an object") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard bytes[i] == UInt8(ascii: "}") else {
                throw syntax("expected ',' or '}' in an object, found \(describe(at: i))")
            }
            i += 1
            depth -= 1
            return .object(object)
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        i += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard i < bytes.count else { throw syntax("the line ends inside an array") }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard bytes[i] == UInt8(ascii: "]") else {
                throw syntax("expected ',' or ']' in an array, found \(describe(at: i))")
            }
            i += 1
            depth -= 1
            return .array(elements)
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        let start = word.utf8Start
        guard i + count <= bytes.count else { throw syntax("unexpected \(describe(at: i)) where a value was expected") }
        for k in 0..<count where bytes[i + k] != start[k] {
            throw syntax("unexpected \(describe(at: i)) where a value was expected")
        }
        i += count
    }

    // MARK: strings

    /// Parses a string starting at the opening quote. The bytes are valid UTF-8, so runs
    /// without escapes are copied as they are.
    private mutating func parseString() throws(JSONParseError) -> String {
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                let string = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
                i += 1
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw controlCharacter(byte) }
            i += 1
        }
        guard i < bytes.count else { throw syntax("the line ends inside a string", at: start - 1) }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(i - start + 16)
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<i]))
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: buffer, as: UTF8.self)
            }
            if byte < 0x20 { throw controlCharacter(byte) }
            if byte != UInt8(ascii: "\\") {
                let runStart = i
                while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\"), bytes[i] >= 0x20 {
                    i += 1
                }
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                continue
            }
            let escapeOffset = i
            i += 1
            guard i < bytes.count else { break }
            let escaped = bytes[i]
            i += 1
            switch escaped {
            case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4(escapeOffset)
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw syntax("the escape \\u\(hex(scalar)) is a high surrogate without a low surrogate after it", at: escapeOffset)
                    }
                    i += 2
                    let low = try hex4(escapeOffset)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw syntax("the escape \\u\(hex(scalar)) is a high surrogate followed by \\u\(hex(low)), not a low surrogate", at: escapeOffset)
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw syntax("the escape \\u\(hex(scalar)) is a low surrogate without a high surrogate before it", at: escapeOffset)
                }
                appendUTF8(scalar, to: &buffer)
            default:
                throw syntax("invalid escape \\\(printable(escaped)) in a string", at: escapeOffset)
            }
        }
        throw syntax("the line ends inside a string", at: start - 1)
    }

    private mutating func hex4(_ escapeOffset: Int) throws(JSONParseError) -> UInt32 {
        guard i + 4 <= bytes.count else { throw syntax("a \\u escape needs four hex digits", at: escapeOffset) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[i]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw syntax("a \\u escape needs four hex digits", at: escapeOffset)
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    private func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            buffer.append(UInt8(scalar))
        case 0x80..<0x800:
            buffer.append(UInt8(0xC0 | scalar >> 6))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            buffer.append(UInt8(0xE0 | scalar >> 12))
            buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        default:
            buffer.append(UInt8(0xF0 | scalar >> 18))
            buffer.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    private func controlCharacter(_ byte: UInt8) -> JSONParseError {
        syntax("a string contains the raw control character U+\(hex(UInt32(byte))); it must be escaped")
    }

    // MARK: numbers

    private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = i
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < bytes.count, isDigit(bytes[i]) else { throw syntax("a '-' must be followed by digits", at: start) }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if i < bytes.count, isDigit(bytes[i]) { throw syntax("numbers may not have leading zeros", at: start) }
        } else {
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        var isInteger = true
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < bytes.count, isDigit(bytes[i]) else { throw syntax("a '.' in a number must be followed by digits", at: start) }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count, isDigit(bytes[i]) else { throw syntax("an exponent must have digits", at: start) }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        if isInteger {
            if let value = Int(text) { return .integer(value) }
            return .hugeInteger(Double(text) ?? .infinity)
        }
        return .float(Double(text) ?? .nan)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    // MARK: helpers

    private mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private func syntax(_ message: String, at offset: Int? = nil) -> JSONParseError {
        let at = offset ?? i
        return JSONParseError(kind: .syntax, offset: at, message: "\(message) (at byte \(at + 1))")
    }

    private func describe(at offset: Int) -> String {
        guard offset < bytes.count else { return "end of line" }
        return "'\(printable(bytes[offset]))'"
    }

    private func printable(_ byte: UInt8) -> String {
        if byte >= 0x20, byte < 0x7F { return String(UnicodeScalar(byte)) }
        return "\\u{\(hex(UInt32(byte)))}"
    }

    private func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
