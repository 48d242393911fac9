import DocumentModel
import EditTraces
import Foundation
import MarkdownRenderer
import PreviewProtocol
import TestSupport
import Testing

/// Offset patches `(pos, del, ins)` counted in `unit`, as an edit line carries them.
func offsets(_ patches: [(Int, Int, String)], unit: TextUnit) -> [TextPatch] {
    patches.map { TextPatch.replace(offset: $0.0, length: $0.1, with: $0.2, unit: unit) }
}

/// One line-range patch, as the `range` form carries it.
func lineRange(_ range: (start: LinePosition, end: LinePosition), text: String, unit: TextUnit) -> [TextPatch] {
    [TextPatch.replace(from: range.start, to: range.end, with: text, unit: unit)]
}

/// Decodes one line that must be a request.
func request(_ line: String, line number: Int = 1) throws -> Request {
    let decoded = try RequestDecoder().decode(line, line: number)
    return try #require(decoded)
}

@Suite("Request decoding")
struct RequestDecodingTests {
    @Test("every request form of the protocol document decodes to its value")
    func specExamples() throws {
        #expect(try request(##"{"op":"open","doc":"a","text":"# Hi\n"}"##)
            == Request(.open(text: "# Hi\n"), doc: "a"))
        #expect(try request(#"{"op":"open","id":1,"doc":"a","text":"x","autosave":"/tmp/a.md","options":{"unsafe":true,"sourcepos":true,"smart":true,"hardbreaks":true,"github_pre_lang":true,"full_info_string":true,"table_prefer_style_attributes":true,"strikethrough_double_tilde":true,"extensions":["table","footnotes"]}}"#)
            == Request(.open(text: "x", autosave: "/tmp/a.md", options: RenderOptions(
                    extensions: [.table, .footnotes], allowsUnsafeHTML: true, sourcePositions: true, smartPunctuation: true,
                    hardBreaks: true, githubPreLang: true, fullInfoString: true, tablePreferStyleAttributes: true,
                    strikethroughDoubleTilde: true
                )), doc: "a", id: .integer(1)))
        #expect(try request(#"{"op":"open","doc":"a","text":"","options":{"nobreaks":true,"extensions":[]}}"#)
            == Request(.open(text: "", options: RenderOptions(extensions: [], noBreaks: true)), doc: "a"))
        #expect(try request(#"{"op":"open","doc":"a","text":"","path":"/home/u/notes.md"}"#)
            == Request(.open(text: "", path: "/home/u/notes.md"), doc: "a"))
        #expect(try request(#"{"op":"cursor","doc":"a","line":12}"#) == Request(.cursor(line: 12), doc: "a"))
        #expect(try request(#"{"op":"edit","doc":"a","pos":3,"del":0,"ins":"x"}"#)
            == Request(.edit(patches: offsets([(3, 0, "x")], unit: .unicodeScalars)), doc: "a"))
        #expect(try request(#"{"op":"edit","id":"e1","doc":"a","pos":3,"del":2,"ins":"","unit":"utf8","t":1500,"c":1}"#)
            == Request(.edit(patches: offsets([(3, 2, "")], unit: .utf8), timestampMs: 1500, continuesTransaction: true), doc: "a", id: .string("e1")))
        #expect(try request(#"{"op":"edit","doc":"a","patches":[{"pos":0,"del":1,"ins":"A"},{"pos":5,"del":0,"ins":"!"}],"unit":"utf16"}"#)
            == Request(.edit(patches: offsets([
                (0, 1, "A"), (5, 0, "!"),
            ], unit: .utf16)), doc: "a"))
        #expect(try request(#"{"op":"edit","doc":"a","range":{"start":{"line":0,"character":3},"end":{"line":0,"character":5}},"text":"x","unit":"utf16"}"#)
            == Request(.edit(patches: lineRange(
                (start: LinePosition(line: 0, character: 3), end: LinePosition(line: 0, character: 5)), text: "x", unit: .utf16
            )), doc: "a"))
        #expect(try request(#"{"op":"replace","doc":"a","text":"new"}"#) == Request(.replace(text: "new"), doc: "a"))
        #expect(try request(#"{"op":"save","doc":"a"}"#) == Request(.save(), doc: "a"))
        #expect(try request(#"{"op":"save","doc":"a","path":"/tmp/out.md","id":-4}"#)
            == Request(.save(path: "/tmp/out.md"), doc: "a", id: .integer(-4)))
        #expect(try request(#"{"op":"render","doc":"a"}"#) == Request(.render, doc: "a"))
        #expect(try request(#"{"op":"stats","doc":"a","id":"s"}"#) == Request(.stats, doc: "a", id: .string("s")))
        #expect(try request(#"{"op":"close","doc":"a"}"#) == Request(.close, doc: "a"))
        #expect(try request(#"{"op":"shutdown"}"#) == Request(.shutdown))
        #expect(try request(#"{"op":"shutdown","id":9}"#) == Request(.shutdown, id: .integer(9)))
    }

    @Test("the range form defaults to UTF-16 and the offset forms to scalars")
    func unitDefaults() throws {
        guard case let .edit(range, _, _) = try request(#"{"op":"edit","doc":"a","range":{"start":{"line":1,"character":0},"end":{"line":2,"character":1}},"text":""}"#).command,
              case let .edit(offsets, _, _) = try request(#"{"op":"edit","doc":"a","pos":0,"del":0,"ins":"x"}"#).command,
              case let .edit(patches, _, _) = try request(#"{"op":"edit","doc":"a","patches":[{"pos":0,"del":0,"ins":"x"}]}"#).command
        else { Issue.record("not edits"); return }
        #expect(range.map(\.range) == [.lines(start: LinePosition(line: 1, character: 0), end: LinePosition(line: 2, character: 1), unit: .utf16)])
        #expect(offsets.map(\.range) == [.offsets(offset: 0, length: 0, unit: .unicodeScalars)])
        #expect(patches.map(\.range) == [.offsets(offset: 0, length: 0, unit: .unicodeScalars)])
    }

    @Test("LSP's deprecated rangeLength and unknown top-level keys are ignored; null counts as absent")
    func lenientKeys() throws {
        #expect(try request(#"{"op":"edit","doc":"a","range":{"start":{"line":0,"character":0},"end":{"line":0,"character":1}},"rangeLength":1,"text":"y","future":[1,{"x":null}]}"#)
            == Request(.edit(patches: lineRange(
                (start: LinePosition(line: 0, character: 0), end: LinePosition(line: 0, character: 1)), text: "y", unit: .utf16
            )), doc: "a"))
        #expect(try request(#"{"op":"save","doc":"a","path":null,"id":null}"#) == Request(.save(), doc: "a"))
        // Many unknown keys (past the size where objects get a hash index) change nothing.
        let padding = (0..<40).map { "\"x\($0)\":[\($0)]," }.joined()
        #expect(try request("{" + padding + #""op":"close","id":"c","doc":"z"}"#) == Request(.close, doc: "z", id: .string("c")))
        #expect(try request(#"{"op":"edit","doc":"a","pos":1,"del":0,"ins":"","t":null,"c":0}"#)
            == Request(.edit(patches: offsets([(1, 0, "")], unit: .unicodeScalars)), doc: "a"))
    }

    @Test("trace lines without op decode as edits with doc nil")
    func traceLines() throws {
        #expect(try request(#"{"t": 120, "pos": 4, "del": 1, "ins": "é😀"}"#)
            == Request(.edit(patches: offsets([(4, 1, "é😀")], unit: .unicodeScalars), timestampMs: 120)))
        #expect(try request(#"{"t":null,"pos":0,"del":0,"ins":"a","c":1}"#)
            == Request(.edit(patches: offsets([(0, 0, "a")], unit: .unicodeScalars), continuesTransaction: true)))
        // A trace line may also name a document and carry an id.
        #expect(try request(#"{"id":"k","doc":"b","pos":0,"del":0,"ins":"a"}"#)
            == Request(.edit(patches: offsets([(0, 0, "a")], unit: .unicodeScalars)), doc: "b", id: .string("k")))
        // An explicit edit may omit doc too.
        #expect(try request(#"{"op":"edit","pos":0,"del":0,"ins":"a"}"#).doc == nil)
    }

    @Test("booleans are never numbers and integers are told from fractions")
    func numberAndBooleanTypes() throws {
        let decoder = RequestDecoder()
        #expect(throws: ProtocolError.self) { try decoder.decode(#"{"op":"edit","doc":"a","pos":true,"del":0,"ins":""}"#) }
        #expect(try code(#"{"op":"edit","doc":"a","pos":true,"del":0,"ins":""}"#) == .wrongType)
        #expect(try code(#"{"op":"edit","doc":"a","pos":1,"del":false,"ins":""}"#) == .wrongType)
        #expect(try code(#"{"op":"open","doc":"a","text":"","options":{"unsafe":1}}"#) == .wrongType)
        #expect(try code(#"{"op":"open","doc":"a","text":"","options":{"smart":0}}"#) == .wrongType)
        #expect(try code(#"{"op":"edit","doc":"a","pos":1.5,"del":0,"ins":""}"#) == .invalidValue)
        #expect(try code(#"{"op":"edit","doc":"a","pos":1,"del":0,"ins":"","c":1.5}"#) == .invalidValue)
        #expect(try code(#"{"op":"render","doc":"a","id":2.5}"#) == .invalidValue)
        #expect(try code(#"{"op":"render","doc":"a","id":true}"#) == .wrongType)
        // Whole numbers written with a fraction or an exponent are integers.
        #expect(try request(#"{"op":"edit","doc":"a","pos":3.0,"del":1e1,"ins":""}"#)
            == Request(.edit(patches: offsets([(3, 10, "")], unit: .unicodeScalars)), doc: "a"))
        // true and 1 are both accepted for c, as are false and 0.
        for (text, expected) in [("true", true), ("1", true), ("false", false), ("0", false)] {
            guard case let .edit(_, _, continuesTransaction) = try request(#"{"pos":0,"del":0,"ins":"","c":"# + text + "}").command else {
                Issue.record("not an edit")
                continue
            }
            #expect(continuesTransaction == expected, "c:\(text)")
        }
        // A non-integer t passes through.
        guard case let .edit(_, timestampMs, _) = try request(#"{"pos":0,"del":0,"ins":"","t":12.75}"#).command else { Issue.record("not an edit"); return }
        #expect(timestampMs == 12.75)
    }

    @Test("strings survive every escape: compared with JSONSerialization on random text")
    func stringsAgainstFoundation() throws {
        var generator = SplitMix64(seed: 42)
        let pool: [Unicode.Scalar] = ["a", "Z", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1}", "\u{1F}", "\u{7F}",
                                      "é", "€", "\u{2028}", "\u{2029}", "\u{FEFF}", "😀", "\u{10FFFF}", "\u{E000}"]
        for round in 0..<300 {
            var text = ""
            for _ in 0..<Int(generator.next() % 40) {
                text.unicodeScalars.append(pool[Int(generator.next() % UInt64(pool.count))])
            }
            let object: [String: Any] = ["op": "edit", "doc": "d\(round)", "pos": round, "del": 0, "ins": text]
            let data = try JSONSerialization.data(withJSONObject: object)
            let decoded = try RequestDecoder().decode(Array(data), line: round + 1)
            #expect(decoded == Request(.edit(patches: offsets([(round, 0, text)], unit: .unicodeScalars)), doc: "d\(round)"))
        }
        // \u escapes, including a surrogate pair, decode to the scalars.
        #expect(try request(#"{"pos":0,"del":0,"ins":"\u00e9\ud83d\ude00\u0000\/"}"#)
            == Request(.edit(patches: offsets([(0, 0, "é😀\u{0}/")], unit: .unicodeScalars))))
    }

    @Test("every request form survives RequestEncoder then RequestDecoder")
    func roundTrips() throws {
        let requests: [Request] = [
            Request(.open(text: ""), doc: "a"),
            Request(.open(text: "y", path: "/tmp/notes.md"), doc: "p"),
            Request(.cursor(line: 7), doc: "p", id: .integer(3)),
            Request(.open(text: "# T\n\n\u{0}\r\n😀\u{2028}", autosave: "/tmp/x y.md"), doc: "doc with \"quotes\" and ünïcode", id: .string("o")),
            Request(.open(text: "x", options: RenderOptions(
                allowsUnsafeHTML: true, sourcePositions: true, smartPunctuation: true, hardBreaks: true,
                githubPreLang: true, fullInfoString: true, tablePreferStyleAttributes: true,
                strikethroughDoubleTilde: true
            )), doc: "b", id: .integer(Int.max)),
            Request(.open(text: "x", options: RenderOptions(extensions: [], noBreaks: true)), doc: "c", id: .integer(Int.min)),
            Request(.edit(patches: offsets([(0, 0, "x")], unit: .unicodeScalars)), doc: "a"),
            Request(.edit(patches: offsets([(10, 3, "\n\t\"")], unit: .utf8), timestampMs: 1234, continuesTransaction: true)),
            Request(.edit(patches: offsets([
                (1, 0, "a"), (2, 1, ""), (0, 0, "😀"),
            ], unit: .utf16), timestampMs: 0.5), doc: "a", id: .integer(3)),
            Request(.edit(patches: lineRange((start: LinePosition(line: 0, character: 0), end: LinePosition(line: 3, character: 1)), text: "z", unit: .utf16)), doc: "a"),
            Request(.edit(patches: lineRange((start: LinePosition(line: 2, character: 2), end: LinePosition(line: 2, character: 2)), text: "", unit: .unicodeScalars)), doc: "a"),
            Request(.edit(patches: lineRange((start: LinePosition(line: 0, character: 5), end: LinePosition(line: 1, character: 0)), text: "q", unit: .utf8)), doc: "a"),
            Request(.replace(text: "new\ntext"), doc: "a", id: .string("")),
            Request(.save(), doc: "a"),
            Request(.save(path: "/p"), doc: "a", id: .integer(0)),
            Request(.render, doc: "a"),
            Request(.stats, doc: "a", id: .integer(7)),
            Request(.close, doc: "a"),
            Request(.shutdown),
            Request(.shutdown, id: .string("bye")),
        ]
        for original in requests {
            let line = RequestEncoder.encode(original)
            #expect(line.last == 0x0A)
            #expect(line.dropLast().contains(0x0A) == false)
            let decoded = try RequestDecoder().decode(Array(line.dropLast()), line: 1)
            #expect(decoded == original, "\(RequestEncoder.encodeToString(original))")
            // Foundation agrees that it is one JSON object.
            #expect(try JSONSerialization.jsonObject(with: Data(line)) is [String: Any])
        }
    }

    @Test("a whole trace file decodes line by line like JSONSerialization reads it, and replays to the right length", .enabled(if: SharedData.runsTests(needing: "traces"), "needs ../shared/traces"))
    func realTraceFile() throws {
        guard let url = try SharedData.files(in: "traces", suffixes: ["json-crdt-blog-post.ndjson"]).first else { return }
        let data = try Data(contentsOf: url)
        var framer = LineFramer()
        var generator = SplitMix64(seed: 7)
        var offset = 0
        var lines: [FramedLine] = []
        while offset < data.count {
            let size = 1 + Int(generator.next() % 8192)
            framer.append(Array(data[offset..<min(data.count, offset + size)]))
            offset += size
            while let line = framer.next() { lines.append(line) }
        }
        framer.finish()
        while let line = framer.next() { lines.append(line) }
        let textLines = data.split(separator: 0x0A, omittingEmptySubsequences: false).filter { !$0.isEmpty }
        #expect(lines.count == textLines.count)
        // The header is not a request: it has no op and no pos.
        #expect(throws: ProtocolError.self) { try RequestDecoder().decode(lines[0]) }
        let header = try #require(try JSONSerialization.jsonObject(with: Data(textLines[0])) as? [String: Any])
        var scalars = Array((header["startContent"] as? String ?? "").unicodeScalars)
        let decoder = RequestDecoder()
        for (index, framed) in lines.enumerated().dropFirst() {
            #expect(framed.number == index + 1)
            guard let edit = try decoder.decode(framed), case let .edit(patches, timestampMs, continuesTransaction) = edit.command, patches.count == 1,
                  case let .offsets(pos, del, .unicodeScalars) = patches[0].range
            else {
                Issue.record("line \(index + 1) is not a one-patch edit")
                return
            }
            let reference = try #require(try JSONSerialization.jsonObject(with: Data(textLines[index])) as? [String: Any])
            let ins = patches[0].text
            #expect(edit.doc == nil)
            #expect(pos == (reference["pos"] as? Int))
            #expect(del == (reference["del"] as? Int))
            #expect(ins == (reference["ins"] as? String))
            #expect(timestampMs == (reference["t"] as? Int).map(Double.init))
            #expect(continuesTransaction == (reference["c"] != nil))
            scalars.replaceSubrange(pos..<pos + del, with: ins.unicodeScalars)
        }
        var final = String.UnicodeScalarView()
        final.append(contentsOf: scalars)
        // The README's table gives the final size: 31548 bytes.
        #expect(String(final).utf8.count == 31548)
    }
}

/// The code of the error a line causes; fails the test when it decodes.
func code(_ line: String) throws -> ProtocolErrorCode? {
    do {
        _ = try RequestDecoder().decode(line, line: 1)
        Issue.record("decoded without error: \(line)")
        return nil
    } catch {
        return error.code
    }
}

