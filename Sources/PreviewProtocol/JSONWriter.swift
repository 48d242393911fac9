import StrictJSON
/// Appends JSON text to a byte buffer: objects with keys in the order they are written,
/// strings escaped on their UTF-8 bytes, and numbers in a short fixed form.
///
/// The output is always valid UTF-8 and never contains a raw line break, so one value is
/// one line.
struct JSONWriter {
    /// The bytes written so far.
    var bytes: [UInt8]
    private var needsComma = false

    /// A writer appending to `bytes`.
    init(bytes: [UInt8] = []) {
        self.bytes = bytes
    }

    // MARK: objects

    /// Writes `{`.
    mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Writes `}`.
    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Writes `[`.
    mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Writes `]`.
    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// Writes `"key":` (keys are plain ASCII written by this module).
    mutating func key(_ key: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    // MARK: scalars

    /// Writes a string value.
    mutating func string(_ value: String) {
        separate()
        Self.appendEscaped(value, to: &bytes)
    }

    /// Writes an integer value.
    mutating func integer<T: BinaryInteger>(_ value: T) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
    }

    /// Writes `true` or `false`.
    mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// Writes `null`.
    mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    /// Writes a number with at most three decimals (`1.25`, `3.5`, `0`); NaN and
    /// infinities, which JSON cannot express, are written as `null`.
    mutating func decimal(_ value: Double) {
        separate()
        Self.appendDecimal(value, to: &bytes)
    }

    // MARK: primitives

    /// Appends `value` as a quoted JSON string. Escapes `"`, `\`, every control character
    /// below U+0020 (`\n`, `\r`, `\t`, `\b`, `\f`, else `\u00XX`), DEL and U+2028/U+2029
    /// (as `\u007f`, `\u2028`, `\u2029`, for JavaScript consumers); copies the rest of the
    /// UTF-8 bytes in runs.
    static func appendEscaped(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in appendEscapedUTF8(utf8, to: &bytes) }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Escapes valid UTF-8 `utf8` into `bytes` (without quotes).
    static func appendEscapedUTF8(_ utf8: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        bytes.reserveCapacity(bytes.count + utf8.count + 16)
        let count = utf8.count
        var runStart = 0
        var i = 0
        let base = UnsafeRawPointer(utf8.baseAddress)
        while i < count {
            // Skip eight plain bytes at a time.
            if let base {
                while i + 8 <= count, !SWAR.mayNeedEscape(base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                    i += 8
                }
                guard i < count else { break }
            }
            let byte = utf8[i]
            // Bytes that never need escaping: printable ASCII but '"' and '\', and UTF-8
            // lead/continuation bytes other than the E2 that may start U+2028/U+2029.
            if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte != 0x7F, byte != 0xE2 {
                i += 1
                continue
            }
            if byte == 0xE2 {
                if i + 2 < count, utf8[i + 1] == 0x80, utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9 {
                    flush(utf8, runStart, i, into: &bytes)
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "2"), UInt8(ascii: "0"), UInt8(ascii: "2")])
                    bytes.append(utf8[i + 2] == 0xA8 ? UInt8(ascii: "8") : UInt8(ascii: "9"))
                    i += 3
                    runStart = i
                } else {
                    i += 1
                }
                continue
            }
            flush(utf8, runStart, i, into: &bytes)
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            default:
                bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0xF)])
            }
            i += 1
            runStart = i
        }
        flush(utf8, runStart, count, into: &bytes)
    }

    @inline(__always)
    private static func flush(_ utf8: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, into bytes: inout [UInt8]) {
        if start < end { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<end])) }
    }

    /// Appends `value` rounded to three decimals, without trailing zeros.
    static func appendDecimal(_ value: Double, to bytes: inout [UInt8]) {
        guard value.isFinite else {
            bytes.append(contentsOf: "null".utf8)
            return
        }
        // Rounded half away from zero without libm, which this module does not link.
        let scaled = value * 1000
        guard scaled.magnitude < 9.0e15 else {
            // Beyond 2^53 / 1000 there are no decimals left to show.
            if let whole = JSONNumber.exactInt(value) {
                bytes.append(contentsOf: String(whole).utf8)
            } else {
                bytes.append(contentsOf: value.description.utf8)
            }
            return
        }
        var thousandths = Int64(scaled)
        let remainder = scaled - Double(thousandths)
        if remainder >= 0.5 { thousandths += 1 } else if remainder <= -0.5 { thousandths -= 1 }
        if thousandths < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = thousandths.magnitude
        bytes.append(contentsOf: String(magnitude / 1000).utf8)
        var fraction = magnitude % 1000
        guard fraction != 0 else { return }
        bytes.append(UInt8(ascii: "."))
        var divisor: UInt64 = 100
        while fraction != 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }
}
