import Foundation

/// Why one line did not parse as an edit.
struct LineParseFailure: Error {
    var reason: String
}

/// A small, strict JSON reader for edit lines (`{"t":…,"pos":…,"del":…,"ins":"…"}` with
/// an optional `"c"`). It is much faster than `JSONDecoder` per line, which matters for
/// the 517k-line traces in debug builds. Keys may come in any order; unknown keys are
/// skipped whatever their value; `t` may be absent or null.
struct EditLineParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses one line (without its newline). O(line length).
    static func parse(_ line: UnsafeBufferPointer<UInt8>) throws(LineParseFailure) -> TraceEdit {
        var parser = EditLineParser(line)
        return try parser.parseEdit()
    }

    private mutating func parseEdit() throws(LineParseFailure) -> TraceEdit {
        skipWhitespace()
        try expect(UInt8(ascii: "{"))
        var time: Int?
        var position: Int?
        var deleteCount: Int?
        var inserted: String?
        var continues = false
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipWhitespace()
                let key = try parseString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                switch key {
                case "t":
                    if parseLiteral("null") {
                        time = nil
                    } else {
                        time = try parseInteger(key)
                    }
                case "pos":
                    position = try parseInteger(key)
                case "del":
                    deleteCount = try parseInteger(key)
                case "ins":
                    inserted = try parseString()
                case "c":
                    if parseLiteral("true") {
                        continues = true
                    } else if parseLiteral("false") {
                        continues = false
                    } else {
                        continues = try parseInteger(key) != 0
                    }
                default:
                    try skipValue(depth: 0)
                }
                skipWhitespace()
                if peek() == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                try expect(UInt8(ascii: "}"))
                break
            }
        }
        skipWhitespace()
        guard i == bytes.count else { throw fail("unexpected text after the closing brace") }
        guard let position else { throw LineParseFailure(reason: "missing key \"pos\"") }
        guard let deleteCount else { throw LineParseFailure(reason: "missing key \"del\"") }
        guard let inserted else { throw LineParseFailure(reason: "missing key \"ins\"") }
        guard position >= 0 else { throw LineParseFailure(reason: "negative \"pos\" \(position)") }
        guard deleteCount >= 0 else { throw LineParseFailure(reason: "negative \"del\" \(deleteCount)") }
        return TraceEdit(
            timeMs: time, position: position, deleteCount: deleteCount,
            insertedText: inserted, continuesTransaction: continues)
    }

    // MARK: Tokens

    private func peek() -> UInt8? {
        i < bytes.count ? bytes[i] : nil
    }

    private func fail(_ reason: String) -> LineParseFailure {
        LineParseFailure(reason: "\(reason) at column \(i + 1)")
    }

    private mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws(LineParseFailure) {
        guard peek() == byte else {
            throw fail("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        i += 1
    }

    /// Consumes `word` if it comes next.
    private mutating func parseLiteral(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - i >= count else { return false }
        let matches = word.withUTF8Buffer { literal in
            (0..<count).allSatisfy { bytes[i + $0] == literal[$0] }
        }
        if matches { i += count }
        return matches
    }

    private mutating func parseInteger(_ key: String) throws(LineParseFailure) -> Int {
        let negative = peek() == UInt8(ascii: "-")
        if negative { i += 1 }
        var value = 0
        var digits = 0
        while let byte = peek(), byte >= 0x30, byte <= 0x39 {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int(byte - 0x30))
            guard !overflow1, !overflow2 else { throw fail("integer too large for \"\(key)\"") }
            value = sum
            digits += 1
            i += 1
        }
        guard digits > 0 else { throw fail("expected an integer for \"\(key)\"") }
        if let byte = peek(), byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            throw fail("expected an integer for \"\(key)\", found a fraction or exponent")
        }
        return negative ? -value : value
    }

    private mutating func parseHex4() throws(LineParseFailure) -> UInt32 {
        guard bytes.count - i >= 4 else { throw fail("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[i]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw fail("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }

    /// A JSON string; the text must be valid UTF-8 and escapes well formed.
    private mutating func parseString() throws(LineParseFailure) -> String {
        try expect(UInt8(ascii: "\""))
        let start = i
        // Fast path: no escapes.
        while i < bytes.count, bytes[i] != 0x22, bytes[i] != 0x5C {
            guard bytes[i] >= 0x20 else { throw fail("control character in a string") }
            i += 1
        }
        guard i < bytes.count else { throw fail("unterminated string") }
        if bytes[i] == 0x22 {
            let text = try decodeUTF8(UnsafeBufferPointer(rebasing: bytes[start..<i]))
            i += 1
            return text
        }
        var out = Array(bytes[start..<i])
        while true {
            guard i < bytes.count else { throw fail("unterminated string") }
            let byte = bytes[i]
            i += 1
            switch byte {
            case 0x22:
                return try out.withUnsafeBufferPointer { buffer throws(LineParseFailure) in try decodeUTF8(buffer) }
            case 0x5C:
                guard i < bytes.count else { throw fail("unterminated escape") }
                let escaped = bytes[i]
                i += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "u"):
                    var scalarValue = try parseHex4()
                    if (0xD800..<0xDC00).contains(scalarValue) {
                        guard parseLiteral("\\u") else { throw fail("unpaired high surrogate") }
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired high surrogate") }
                        scalarValue = 0x10000 + ((scalarValue - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalarValue) {
                        throw fail("unpaired low surrogate")
                    }
                    guard let scalar = Unicode.Scalar(scalarValue) else { throw fail("invalid \\u escape") }
                    out.append(contentsOf: UTF8.encode(scalar)!)
                default:
                    throw fail("invalid escape \\\(Character(Unicode.Scalar(escaped)))")
                }
            default:
                guard byte >= 0x20 else { throw fail("control character in a string") }
                out.append(byte)
            }
        }
    }

    private func decodeUTF8(_ buffer: UnsafeBufferPointer<UInt8>) throws(LineParseFailure) -> String {
        // ASCII needs no validation (most edit strings are one ASCII character).
        if buffer.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: buffer, as: UTF8.self)
        }
        guard let text = String(bytes: buffer, encoding: .utf8) else {
            throw fail("invalid UTF-8 in a string")
        }
        return text
    }

    /// Skips any JSON value.
    private mutating func skipValue(depth: Int) throws(LineParseFailure) {
        guard depth < 64 else { throw fail("nesting too deep") }
        guard let byte = peek() else { throw fail("expected a value") }
        switch byte {
        case UInt8(ascii: "\""):
            _ = try parseString()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            i += 1
            skipWhitespace()
            if peek() == close {
                i += 1
                return
            }
            while true {
                skipWhitespace()
                if close == UInt8(ascii: "}") {
                    _ = try parseString()
                    skipWhitespace()
                    try expect(UInt8(ascii: ":"))
                    skipWhitespace()
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                if peek() == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                try expect(close)
                return
            }
        default:
            if parseLiteral("true") || parseLiteral("false") || parseLiteral("null") { return }
            let start = i
            while let next = peek(), next == UInt8(ascii: "-") || next == UInt8(ascii: "+")
                || next == UInt8(ascii: ".") || next == UInt8(ascii: "e") || next == UInt8(ascii: "E")
                || (next >= 0x30 && next <= 0x39) {
                i += 1
            }
            guard i > start else { throw fail("expected a value") }
        }
    }
}
