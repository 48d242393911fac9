public import Foundation

/// The first line of a trace file: what the trace is and how to check a replay.
///
/// See `../shared/traces/README.md`. Keys missing from a file decode as nil (or
/// `false` / empty), except `name`, `startContent`, `endContentSha256` and `edits`.
public struct TraceHeader: Sendable, Hashable, Codable {
    /// Short name, e.g. `"json-crdt-blog-post"`.
    public var name: String
    /// Where the trace comes from (`repo/path@commit`, or the generator).
    public var source: String?
    /// Licence of the trace data.
    public var license: String?
    /// The document text before the first edit.
    public var startContent: String
    /// Lowercase hex SHA-256 of the UTF-8 text after the last edit.
    public var endContentSha256: String
    /// Number of edit lines after the header.
    public var edits: Int
    /// Whether the edits carry real times (`t` is null in every edit when false).
    public var hasTimestamps: Bool
    /// What the document is, e.g. `"markdown"`.
    public var contentType: String?
    /// The unit of `pos` and `del`; `"unicode-scalar"` in every known trace.
    public var positionUnit: String
    /// Resolution of `t` in milliseconds (1 or 1000), or nil without timestamps.
    public var timeResolutionMs: Int?
    /// Number of transactions (edits that do not continue the previous one).
    public var txns: Int?
    /// Unix time in milliseconds of `t == 0`, when known.
    public var startEpochMs: Int64?
    /// Free-form remarks of the converter or generator.
    public var notes: [String]
    /// A one-line reminder of the edit-line format.
    public var format: String?

    /// The `format` string of the shared traces.
    public static let formatDescription =
        "lines after header: {t,pos,del,ins}; apply in order as doc[pos:pos+del]=ins; 'c':1 marks a patch continuing the previous line's transaction (same t)"

    /// A header with every field given.
    public init(
        name: String, source: String?, license: String?, startContent: String,
        endContentSha256: String, edits: Int, hasTimestamps: Bool, contentType: String?,
        positionUnit: String = "unicode-scalar", timeResolutionMs: Int?, txns: Int?,
        startEpochMs: Int64?, notes: [String], format: String? = TraceHeader.formatDescription
    ) {
        self.name = name
        self.source = source
        self.license = license
        self.startContent = startContent
        self.endContentSha256 = endContentSha256
        self.edits = edits
        self.hasTimestamps = hasTimestamps
        self.contentType = contentType
        self.positionUnit = positionUnit
        self.timeResolutionMs = timeResolutionMs
        self.txns = txns
        self.startEpochMs = startEpochMs
        self.notes = notes
        self.format = format
    }

    /// Decodes a header object; optional keys may be absent.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        source = try c.decodeIfPresent(String.self, forKey: .source)
        license = try c.decodeIfPresent(String.self, forKey: .license)
        startContent = try c.decode(String.self, forKey: .startContent)
        endContentSha256 = try c.decode(String.self, forKey: .endContentSha256)
        edits = try c.decode(Int.self, forKey: .edits)
        hasTimestamps = try c.decodeIfPresent(Bool.self, forKey: .hasTimestamps) ?? false
        contentType = try c.decodeIfPresent(String.self, forKey: .contentType)
        positionUnit = try c.decodeIfPresent(String.self, forKey: .positionUnit) ?? "unicode-scalar"
        timeResolutionMs = try c.decodeIfPresent(Int.self, forKey: .timeResolutionMs)
        txns = try c.decodeIfPresent(Int.self, forKey: .txns)
        startEpochMs = try c.decodeIfPresent(Int64.self, forKey: .startEpochMs)
        notes = try c.decodeIfPresent([String].self, forKey: .notes) ?? []
        format = try c.decodeIfPresent(String.self, forKey: .format)
    }

    /// The header as one NDJSON line (no newline), keys in the order of the shared
    /// traces, non-ASCII text unescaped: the same bytes for the same header everywhere.
    public var jsonLine: String {
        var out = "{"
        var isFirst = true
        func key(_ name: String) {
            if !isFirst { out += "," }
            isFirst = false
            out += JSONText.quoted(name) + ":"
        }
        func optional(_ value: String?) -> String { value.map(JSONText.quoted) ?? "null" }
        key("name"); out += JSONText.quoted(name)
        key("source"); out += optional(source)
        key("license"); out += optional(license)
        key("startContent"); out += JSONText.quoted(startContent)
        key("endContentSha256"); out += JSONText.quoted(endContentSha256)
        key("edits"); out += String(edits)
        key("hasTimestamps"); out += hasTimestamps ? "true" : "false"
        key("contentType"); out += optional(contentType)
        key("positionUnit"); out += JSONText.quoted(positionUnit)
        key("timeResolutionMs"); out += timeResolutionMs.map { String($0) } ?? "null"
        key("txns"); out += txns.map { String($0) } ?? "null"
        key("startEpochMs"); out += startEpochMs.map { String($0) } ?? "null"
        key("notes"); out += "[" + notes.map(JSONText.quoted).joined(separator: ",") + "]"
        key("format"); out += optional(format)
        return out + "}"
    }
}

/// One edit line: replace `deleteCount` scalars at `position` with `insertedText`.
public struct TraceEdit: Sendable, Hashable {
    /// Milliseconds since the first edit (`t`), or nil when the trace has no times.
    public var timeMs: Int?
    /// Offset of the edit in Unicode scalars (`pos`), in the text left by the previous
    /// edit.
    public var position: Int
    /// Number of Unicode scalars removed at `position` (`del`).
    public var deleteCount: Int
    /// Text inserted at `position` after the removal (`ins`).
    public var insertedText: String
    /// Whether this edit belongs to the previous edit's transaction (`"c":1`).
    public var continuesTransaction: Bool

    /// An edit with every field given.
    public init(timeMs: Int?, position: Int, deleteCount: Int, insertedText: String, continuesTransaction: Bool = false) {
        self.timeMs = timeMs
        self.position = position
        self.deleteCount = deleteCount
        self.insertedText = insertedText
        self.continuesTransaction = continuesTransaction
    }

    /// The edit as one NDJSON line (no newline): `{"t":…,"pos":…,"del":…,"ins":…}` plus
    /// `,"c":1` when it continues a transaction.
    public var jsonLine: String {
        var out = "{\"t\":" + (timeMs.map { String($0) } ?? "null")
        out += ",\"pos\":" + String(position) + ",\"del\":" + String(deleteCount)
        out += ",\"ins\":" + JSONText.quoted(insertedText)
        if continuesTransaction { out += ",\"c\":1" }
        return out + "}"
    }
}

/// Edits applied as one atomic change: an edit line and the lines that continue it.
public struct TraceTransaction: Sendable, Hashable {
    /// The edits in order; each position is relative to the text after the previous one.
    public var edits: [TraceEdit]

    /// A transaction of `edits` (not empty).
    public init(edits: [TraceEdit]) {
        precondition(!edits.isEmpty, "a transaction has at least one edit")
        self.edits = edits
    }

    /// The time of the transaction (that of its first edit).
    public var timeMs: Int? { edits[0].timeMs }
}

/// A whole trace in memory: a header and its edits.
public struct EditTrace: Sendable, Hashable {
    /// The header line.
    public var header: TraceHeader
    /// The edit lines, in order.
    public var edits: [TraceEdit]

    /// A trace of `header` and `edits`.
    public init(header: TraceHeader, edits: [TraceEdit]) {
        self.header = header
        self.edits = edits
    }

    /// The trace as NDJSON: the header line, then one line per edit, each ending in `\n`.
    /// O(size of the trace).
    public var ndjson: String {
        var out = header.jsonLine + "\n"
        for edit in edits {
            out += edit.jsonLine
            out += "\n"
        }
        return out
    }

    /// Writes `ndjson` to `url` (UTF-8), replacing any file there.
    public func write(to url: URL) throws {
        try Data(ndjson.utf8).write(to: url, options: .atomic)
    }

    /// Reads a whole `.ndjson` or `.ndjson.gz` trace into memory.
    public init(contentsOf url: URL) throws(TraceError) {
        let reader = try TraceReader(contentsOf: url)
        var edits: [TraceEdit] = []
        edits.reserveCapacity(max(0, reader.header.edits))
        while let edit = try reader.nextEdit() { edits.append(edit) }
        self.init(header: reader.header, edits: edits)
    }
}

/// JSON text output matching Python's `json.dumps(..., ensure_ascii=False)`, the
/// converter of the shared traces.
enum JSONText {
    /// `text` as a JSON string literal: `"` and `\` escaped, control characters as `\n`,
    /// `\r`, `\t`, `\b`, `\f` or `\u00xx`, everything else (including non-ASCII) as is.
    static func quoted(_ text: String) -> String {
        var out: [UInt8] = [0x22]
        out.reserveCapacity(text.utf8.count + 2)
        let hexDigits = Array("0123456789abcdef".utf8)
        for byte in text.utf8 {
            switch byte {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0x08: out += [0x5C, 0x62]
            case 0x0C: out += [0x5C, 0x66]
            case 0x00..<0x20:
                out += [0x5C, 0x75, 0x30, 0x30, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]]
            default: out.append(byte)
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }
}
