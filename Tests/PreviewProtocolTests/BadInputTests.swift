import Foundation
import PreviewProtocol
import Testing

/// One bad line and the error it must cause.
struct BadLine: CustomTestStringConvertible, Sendable {
    var name: String
    var bytes: [UInt8]
    var code: ProtocolErrorCode
    var field: String?
    var id: RequestID?
    var doc: String?

    init(_ name: String, _ text: String, _ code: ProtocolErrorCode, field: String? = nil, id: RequestID? = nil, doc: String? = nil) {
        self.init(name, bytes: Array(text.utf8), code, field: field, id: id, doc: doc)
    }

    init(_ name: String, bytes: [UInt8], _ code: ProtocolErrorCode, field: String? = nil, id: RequestID? = nil, doc: String? = nil) {
        self.name = name
        self.bytes = bytes
        self.code = code
        self.field = field
        self.id = id
        self.doc = doc
    }

    var testDescription: String { name }
}

private func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

let badLines: [BadLine] = [
    // Framing and encoding
    BadLine("truncated object keeps id and doc", #"{"op":"edit","id":7,"doc":"a","pos":1,"del":0,"ins":"ab"#, .invalidJSON, id: .integer(7), doc: "a"),
    BadLine("single quotes", #"{'op':'open'}"#, .invalidJSON),
    BadLine("trailing comma", #"{"op":"render","doc":"a",}"#, .invalidJSON, doc: "a"),
    BadLine("trailing garbage", #"{"op":"shutdown"} x"#, .invalidJSON),
    BadLine("two objects on one line", #"{"op":"shutdown","id":1}{"op":"shutdown"}"#, .invalidJSON, id: .integer(1)),
    BadLine("raw tab inside a string", "{\"op\":\"edit\",\"doc\":\"a\",\"pos\":0,\"del\":0,\"ins\":\"a\tb\"}", .invalidJSON, doc: "a"),
    BadLine("lone high surrogate escape", #"{"id":"s","pos":0,"del":0,"ins":"\ud800"}"#, .invalidJSON, id: .string("s")),
    BadLine("lone low surrogate escape", #"{"pos":0,"del":0,"ins":"\udc00x"}"#, .invalidJSON),
    BadLine("bad escape", #"{"pos":0,"del":0,"ins":"\x41"}"#, .invalidJSON),
    BadLine("leading zero", #"{"pos":01,"del":0,"ins":""}"#, .invalidJSON),
    BadLine("NaN literal", #"{"pos":NaN,"del":0,"ins":""}"#, .invalidJSON),
    BadLine("unquoted key", #"{op:"shutdown"}"#, .invalidJSON),
    BadLine("deep nesting does not overflow the stack", String(repeating: "[", count: 100_000), .invalidJSON),
    BadLine("raw NUL outside a string", bytes: utf8(#"{"op":"shutdown"}"#) + [0], .invalidJSON),
    BadLine("byte order mark inside the input", "\u{FEFF}{\"op\":\"shutdown\"}", .invalidJSON),
    BadLine("0xFF byte keeps id and doc read before it", bytes: utf8(#"{"id":"x","doc":"d","op":"edit","pos":0,"del":0,"ins":""#) + [0xFF] + utf8(#""}"#),
            .invalidUTF8, id: .string("x"), doc: "d"),
    BadLine("overlong encoding of '/'", bytes: utf8(#"{"pos":0,"del":0,"ins":""#) + [0xC0, 0xAF] + utf8(#""}"#), .invalidUTF8),
    BadLine("UTF-8-encoded surrogate", bytes: utf8(#"{"pos":0,"del":0,"ins":""#) + [0xED, 0xA0, 0x80] + utf8(#""}"#), .invalidUTF8),
    BadLine("truncated sequence at the end", bytes: utf8(#"{"op":"shutdown","id":2}"#) + [0xE2, 0x82], .invalidUTF8, id: .integer(2)),
    BadLine("stray continuation byte", bytes: [0x80] + utf8(#"{"op":"shutdown"}"#), .invalidUTF8),
    BadLine("above U+10FFFF", bytes: utf8(#"{"pos":0,"del":0,"ins":""#) + [0xF4, 0x90, 0x80, 0x80] + utf8(#""}"#), .invalidUTF8),
    // Shape
    BadLine("array", #"[1,2]"#, .notAnObject),
    BadLine("number", "42", .notAnObject),
    BadLine("string", #""open""#, .notAnObject),
    BadLine("null", "null", .notAnObject),
    BadLine("no op and no pos", #"{"doc":"a","text":"x","id":4}"#, .missingOp, field: "op", id: .integer(4), doc: "a"),
    BadLine("op null counts as absent", #"{"op":null}"#, .missingOp, field: "op"),
    BadLine("unknown op", #"{"op":"paint","doc":"a","id":3}"#, .unknownOp, field: "op", id: .integer(3), doc: "a"),
    BadLine("empty op", #"{"op":""}"#, .unknownOp, field: "op"),
    BadLine("op is a number", #"{"op":5}"#, .wrongType, field: "op"),
    BadLine("op is case-sensitive", #"{"op":"OPEN","doc":"a","text":""}"#, .unknownOp, field: "op", doc: "a"),
    // Common fields
    BadLine("open without doc", #"{"op":"open","text":"x","id":"i"}"#, .missingField, field: "doc", id: .string("i")),
    BadLine("render without doc", #"{"op":"render"}"#, .missingField, field: "doc"),
    BadLine("doc null", #"{"op":"close","doc":null}"#, .missingField, field: "doc"),
    BadLine("open without text", #"{"op":"open","doc":"a"}"#, .missingField, field: "text", doc: "a"),
    BadLine("replace without text", #"{"op":"replace","doc":"a"}"#, .missingField, field: "text", doc: "a"),
    BadLine("doc is a number", #"{"op":"open","doc":7,"text":""}"#, .wrongType, field: "doc"),
    BadLine("doc is empty", #"{"op":"open","doc":"","text":"","id":1}"#, .invalidValue, field: "doc", id: .integer(1)),
    BadLine("text is an array", #"{"op":"open","doc":"a","text":["x"]}"#, .wrongType, field: "text", doc: "a"),
    BadLine("id is a boolean", #"{"op":"render","doc":"a","id":true}"#, .wrongType, field: "id", doc: "a"),
    BadLine("id is an object", #"{"op":"render","doc":"a","id":{}}"#, .wrongType, field: "id", doc: "a"),
    BadLine("id is a fraction", #"{"op":"render","doc":"a","id":1.5}"#, .invalidValue, field: "id", doc: "a"),
    BadLine("id beyond 64 bits", #"{"op":"render","doc":"a","id":123456789012345678901234}"#, .invalidValue, field: "id", doc: "a"),
    BadLine("duplicate key", #"{"op":"render","doc":"a","doc":"b"}"#, .conflictingFields, field: "doc", doc: "a"),
    BadLine("duplicate key in a large object", "{" + (0..<40).map { "\"k\($0)\":\($0)," }.joined() + #""doc":"a","k7":0}"#, .conflictingFields, field: "k7", doc: "a"),
    BadLine("duplicate key in a nested object", #"{"op":"open","doc":"a","text":"","options":{"smart":true,"smart":false}}"#, .conflictingFields, field: "smart", doc: "a"),
    BadLine("empty save path", #"{"op":"save","doc":"a","path":""}"#, .invalidValue, field: "path", doc: "a"),
    BadLine("autosave is a number", #"{"op":"open","doc":"a","text":"","autosave":3}"#, .wrongType, field: "autosave", doc: "a"),
    // Edits
    BadLine("negative pos", #"{"op":"edit","doc":"a","pos":-1,"del":0,"ins":""}"#, .invalidValue, field: "pos", doc: "a"),
    BadLine("negative del", #"{"pos":0,"del":-2,"ins":""}"#, .invalidValue, field: "del"),
    BadLine("fractional pos", #"{"op":"edit","doc":"a","pos":1.5,"del":0,"ins":""}"#, .invalidValue, field: "pos", doc: "a"),
    BadLine("pos beyond 64 bits", #"{"pos":99999999999999999999,"del":0,"ins":""}"#, .invalidValue, field: "pos"),
    BadLine("pos 1e30", #"{"pos":1e30,"del":0,"ins":""}"#, .invalidValue, field: "pos"),
    BadLine("pos is a boolean", #"{"pos":true,"del":0,"ins":""}"#, .wrongType, field: "pos"),
    BadLine("pos is a string", #"{"op":"edit","doc":"a","pos":"3","del":0,"ins":""}"#, .wrongType, field: "pos", doc: "a"),
    BadLine("del missing", #"{"op":"edit","doc":"a","pos":3,"ins":"x","id":5}"#, .missingField, field: "del", id: .integer(5), doc: "a"),
    BadLine("ins missing from a trace line", #"{"t":1,"pos":3,"del":0}"#, .missingField, field: "ins"),
    BadLine("ins is a number", #"{"pos":3,"del":0,"ins":5}"#, .wrongType, field: "ins"),
    BadLine("edit with nothing to do", #"{"op":"edit","doc":"a"}"#, .missingField, field: "pos", doc: "a"),
    BadLine("unknown unit", #"{"op":"edit","doc":"a","pos":0,"del":0,"ins":"","unit":"bytes"}"#, .invalidValue, field: "unit", doc: "a"),
    BadLine("unit is a number", #"{"op":"edit","doc":"a","pos":0,"del":0,"ins":"","unit":8}"#, .wrongType, field: "unit", doc: "a"),
    BadLine("t is a string", #"{"pos":0,"del":0,"ins":"","t":"now"}"#, .wrongType, field: "t"),
    BadLine("c is 2", #"{"pos":0,"del":0,"ins":"","c":2}"#, .invalidValue, field: "c"),
    BadLine("c is a string", #"{"pos":0,"del":0,"ins":"","c":"yes"}"#, .wrongType, field: "c"),
    BadLine("patches with pos", #"{"op":"edit","doc":"a","pos":0,"patches":[{"pos":0,"del":0,"ins":""}]}"#, .conflictingFields, field: "pos", doc: "a"),
    BadLine("range with pos", #"{"op":"edit","doc":"a","pos":0,"range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}},"text":""}"#, .conflictingFields, field: "pos", doc: "a"),
    BadLine("range with patches", #"{"op":"edit","doc":"a","patches":[],"range":{},"text":""}"#, .conflictingFields, field: "patches", doc: "a"),
    BadLine("text with pos", #"{"op":"edit","doc":"a","pos":0,"del":0,"ins":"x","text":"y"}"#, .conflictingFields, field: "text", doc: "a"),
    BadLine("text without range", #"{"op":"edit","doc":"a","text":"whole"}"#, .missingField, field: "range", doc: "a"),
    BadLine("empty patches", #"{"op":"edit","doc":"a","patches":[]}"#, .invalidValue, field: "patches", doc: "a"),
    BadLine("patches is an object", #"{"op":"edit","doc":"a","patches":{"pos":0}}"#, .wrongType, field: "patches", doc: "a"),
    BadLine("patch is a number", #"{"op":"edit","doc":"a","patches":[1]}"#, .wrongType, field: "patches[0]", doc: "a"),
    BadLine("patch without ins", #"{"op":"edit","doc":"a","patches":[{"pos":0,"del":0,"ins":""},{"pos":0,"del":0}]}"#, .missingField, field: "patches[1].ins", doc: "a"),
    BadLine("patch with negative pos", #"{"op":"edit","doc":"a","patches":[{"pos":-3,"del":0,"ins":""}]}"#, .invalidValue, field: "patches[0].pos", doc: "a"),
    BadLine("range without text", #"{"op":"edit","doc":"a","range":{"start":{"line":0,"character":0},"end":{"line":0,"character":0}}}"#, .missingField, field: "text", doc: "a"),
    BadLine("range without end", #"{"op":"edit","doc":"a","range":{"start":{"line":0,"character":0}},"text":""}"#, .missingField, field: "range.end", doc: "a"),
    BadLine("range is a string", #"{"op":"edit","doc":"a","range":"0:0-0:1","text":""}"#, .wrongType, field: "range", doc: "a"),
    BadLine("range line is a string", #"{"op":"edit","doc":"a","range":{"start":{"line":"0","character":0},"end":{"line":0,"character":0}},"text":""}"#, .wrongType, field: "range.start.line", doc: "a"),
    BadLine("range character missing", #"{"op":"edit","doc":"a","range":{"start":{"line":0},"end":{"line":0,"character":0}},"text":""}"#, .missingField, field: "range.start.character", doc: "a"),
    BadLine("range ends before it starts", #"{"op":"edit","doc":"a","range":{"start":{"line":2,"character":0},"end":{"line":1,"character":9}},"text":""}"#, .invalidValue, field: "range", doc: "a"),
    // Options
    BadLine("options is an array", #"{"op":"open","doc":"a","text":"","options":[]}"#, .wrongType, field: "options", doc: "a"),
    BadLine("option given as 1", #"{"op":"open","doc":"a","text":"","options":{"unsafe":1}}"#, .wrongType, field: "options.unsafe", doc: "a"),
    BadLine("option given as a string", #"{"op":"open","doc":"a","text":"","options":{"smart":"true"}}"#, .wrongType, field: "options.smart", doc: "a"),
    BadLine("unknown option", #"{"op":"open","doc":"a","text":"","options":{"sourcepos ":true}}"#, .invalidValue, field: "options.sourcepos ", doc: "a"),
    BadLine("unknown extension", #"{"op":"open","doc":"a","text":"","options":{"extensions":["table","tables"]}}"#, .invalidValue, field: "options.extensions[1]", doc: "a"),
    BadLine("extensions is a string", #"{"op":"open","doc":"a","text":"","options":{"extensions":"table"}}"#, .wrongType, field: "options.extensions", doc: "a"),
    BadLine("extension is a number", #"{"op":"open","doc":"a","text":"","options":{"extensions":[1]}}"#, .wrongType, field: "options.extensions[0]", doc: "a"),
    BadLine("hardbreaks and nobreaks", #"{"op":"open","doc":"a","text":"","options":{"hardbreaks":true,"nobreaks":true}}"#, .conflictingFields, field: "options.nobreaks", doc: "a"),
]

@Suite("Bad input")
struct BadInputTests {
    @Test("each bad line has its code, field, line, id and doc", arguments: badLines)
    func classify(_ bad: BadLine) {
        let lineNumber = 17
        do {
            let decoded = try RequestDecoder().decode(bad.bytes, line: lineNumber)
            Issue.record("decoded as \(String(describing: decoded))")
        } catch {
            #expect(error.code == bad.code, "\(error.message)")
            #expect(error.field == bad.field, "\(error.message)")
            #expect(error.line == lineNumber)
            #expect(error.id == bad.id)
            #expect(error.doc == bad.doc)
            #expect(!error.message.isEmpty)
            if let field = bad.field, bad.code != .conflictingFields {
                // The message names the field it is about (its last component at least).
                let last = field.split(separator: ".").last.map(String.init) ?? field
                #expect(error.message.contains(last.split(separator: "[").first.map(String.init) ?? last), "\(error.message)")
            }
            // The error event is one valid JSON line.
            let line = EventEncoder.encode(error.event)
            #expect(line.filter { $0 == 0x0A }.count == 1)
            #expect((try? JSONSerialization.jsonObject(with: Data(line))) is [String: Any])
        }
    }

    @Test("the table covers at least 30 kinds of bad input and every codec error code")
    func coverage() {
        #expect(badLines.count >= 30)
        #expect(Set(badLines.map(\.name)).count == badLines.count)
        let codecCodes: Set<ProtocolErrorCode> = [
            .invalidJSON, .invalidUTF8, .notAnObject, .missingOp, .unknownOp, .missingField,
            .wrongType, .invalidValue, .conflictingFields,
        ]
        #expect(codecCodes.isSubset(of: Set(badLines.map(\.code))))
    }

    @Test("a line over the limit is line_too_long, keeping id and doc from its start")
    func tooLong() throws {
        let decoder = RequestDecoder(maxLineLength: 64)
        let line = #"{"op":"open","id":"big","doc":"a","text":""# + String(repeating: "x", count: 100) + #""}"#
        #expect(throws: ProtocolError(
            code: .lineTooLong, message: "the line is longer than the limit of 64 bytes and was discarded",
            line: 3, id: .string("big"), doc: "a"
        )) { try decoder.decode(line, line: 3) }
        // Exactly at the limit is fine.
        let fits = #"{"op":"replace","doc":"a","text":""# + String(repeating: "y", count: 64 - 36) + #""}"#
        #expect(fits.utf8.count == 64)
        #expect(try decoder.decode(fits, line: 1) == Request(.replace(text: String(repeating: "y", count: 28)), doc: "a"))
    }

    @Test("blank and whitespace-only lines are ignored, not errors")
    func blankLines() throws {
        for blank in ["", " ", "\t \r", "   \r"] {
            #expect(try RequestDecoder().decode(blank, line: 1) == nil)
        }
    }

    @Test("errors the engine reports have their codes, messages and context")
    func engineErrors() {
        let unknown = ProtocolError.unknownDoc("zz", line: 4, id: .integer(1))
        #expect(unknown.code == .unknownDoc && unknown.doc == "zz" && unknown.line == 4 && unknown.id == .integer(1))
        #expect(unknown.message.contains("zz"))
        #expect(ProtocolError.docExists("a").code == .docExists)
        #expect(ProtocolError.noDocument(openCount: 0).message.contains("no document is open"))
        #expect(ProtocolError.noDocument(openCount: 3).message.contains("3 documents"))
        #expect(ProtocolError.shuttingDown(line: 9).code == .shuttingDown)
        #expect(ProtocolError(code: .saveFailed, message: "disk full").description == "save_failed: disk full")
        #expect(ProtocolError(code: .outOfRange, message: "m", line: 2).description == "line 2: out_of_range: m")
        // Every code's raw value is the snake_case string of the protocol document.
        let documented = [
            "invalid_json", "invalid_utf8", "line_too_long", "not_an_object", "missing_op", "unknown_op",
            "missing_field", "wrong_type", "invalid_value", "conflicting_fields", "unknown_doc", "doc_exists",
            "out_of_range", "splits_character", "save_failed", "no_document", "shutting_down", "transaction_failed",
        ]
        #expect(ProtocolErrorCode.allCases.map(\.rawValue) == documented)
    }
}
