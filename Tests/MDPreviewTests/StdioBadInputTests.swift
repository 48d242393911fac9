import Foundation
import MarkdownRenderer
import TestSupport
import Testing

/// One line of a session: sent as is; a bad line expects one `error` event with `code`
/// naming its line; a good line may change the expected text.
private struct Step {
    let line: [UInt8]
    let code: String?
    let apply: ((inout [Unicode.Scalar]) -> Void)?

    static func bad(_ text: String, _ code: String) -> Step { Step(line: Array(text.utf8), code: code, apply: nil) }
    static func badBytes(_ bytes: [UInt8], _ code: String) -> Step { Step(line: bytes, code: code, apply: nil) }
    static func good(_ text: String, _ apply: ((inout [Unicode.Scalar]) -> Void)? = nil) -> Step {
        Step(line: Array(text.utf8), code: nil, apply: apply)
    }
    static func insert(_ text: String, at position: Int, raw: String? = nil) -> Step {
        let json = raw ?? #"{"op":"edit","doc":"a","pos":\#(position),"del":0,"ins":"\#(text)"}"#
        return good(json) { $0.insert(contentsOf: text.unicodeScalars, at: position) }
    }
}

@Suite("mdpreview stdio: bad input loses nothing")
struct StdioBadInputTests {
    @Test("40 kinds of bad input in a valid session: one error each, naming the line; text and HTML stay exact")
    func badInputSession() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let save = directory.appendingPathComponent("a.md").path
        let longLine = #"{"op":"edit","doc":"a","pos":0,"del":0,"ins":""# + String(repeating: "z", count: 5_000) + #""}"#

        let steps: [Step] = [
            .good(#"{"op":"open","doc":"a","text":"Hello 🎉\n","autosave":"\#(save)","id":1}"#) { $0 = Array("Hello 🎉\n".unicodeScalars) },
            .bad("not json", "invalid_json"),
            .bad(#"{"op":"edit","doc":"a""#, "invalid_json"),
            .bad("[1,2]", "not_an_object"),
            .bad(#""just a string""#, "not_an_object"),
            .bad("42", "not_an_object"),
            .bad("{}", "missing_op"),
            .insert("A", at: 0),
            .bad(#"{"op":"dance","doc":"a"}"#, "unknown_op"),
            .bad(#"{"op":42,"doc":"a"}"#, "wrong_type"),
            .bad(#"{"op":"edit","doc":"a","pos":0,"del":0}"#, "missing_field"),
            .bad(#"{"op":"edit","doc":"a","pos":"0","del":0,"ins":"x"}"#, "wrong_type"),
            .bad(#"{"op":"edit","doc":"a","pos":-1,"del":0,"ins":"x"}"#, "invalid_value"),
            .bad(#"{"op":"edit","doc":"a","pos":1.5,"del":0,"ins":"x"}"#, "invalid_value"),
            .bad(#"{"op":"edit","doc":"a","pos":99999,"del":0,"ins":"x"}"#, "out_of_range"),
            .bad(#"{"op":"edit","doc":"a","pos":0,"del":99999,"ins":""}"#, "out_of_range"),
            .insert("B", at: 1),
            .bad(#"{"op":"edit","doc":"zzz","pos":0,"del":0,"ins":"x"}"#, "unknown_doc"),
            .bad(#"{"op":"edit","doc":"a","pos":0,"del":0,"ins":"x","unit":"bytes"}"#, "invalid_value"),
            // "ABHello 🎉\n": the emoji is UTF-16 units 8-9 and UTF-8 bytes 8-11.
            .bad(#"{"op":"edit","doc":"a","pos":9,"del":0,"ins":"x","unit":"utf16"}"#, "splits_character"),
            .bad(#"{"op":"edit","doc":"a","pos":10,"del":0,"ins":"x","unit":"utf8"}"#, "splits_character"),
            .bad(#"{"op":"edit","doc":"a","range":{"start":{"line":99,"character":0},"end":{"line":99,"character":0}},"text":"x"}"#, "out_of_range"),
            .bad(#"{"op":"edit","doc":"a","range":{"start":{"line":0,"character":4},"end":{"line":0,"character":1}},"text":"x"}"#, "invalid_value"),
            .bad(#"{"op":"edit","doc":"a","range":{"start":{"line":0,"character":0},"end":{"line":0,"character":80}},"text":"x"}"#, "out_of_range"),
            .bad(#"{"op":"edit","doc":"a","patches":[{"pos":0,"del":0,"ins":"x"}],"pos":0,"del":0,"ins":"y"}"#, "conflicting_fields"),
            .bad(#"{"op":"edit","doc":"a","patches":[{"pos":0,"del":0,"ins":"x"},{"pos":500,"del":0,"ins":"y"}]}"#, "out_of_range"),
            .good(#"{"op":"edit","doc":"a","patches":[{"pos":0,"del":0,"ins":"1"},{"pos":1,"del":0,"ins":"2"}]}"#) { $0.insert(contentsOf: "12".unicodeScalars, at: 0) },
            .bad(#"{"op":"open","doc":"a","text":"x"}"#, "doc_exists"),
            .bad(#"{"op":"open","doc":"","text":"x"}"#, "invalid_value"),
            .bad(#"{"op":"open","doc":"b"}"#, "missing_field"),
            .bad(#"{"op":"open","doc":"b","text":"x","options":{"extensions":["nope"]}}"#, "invalid_value"),
            .bad(#"{"op":"open","doc":"b","text":"x","options":{"unsafe":"yes"}}"#, "wrong_type"),
            .bad(#"{"op":"replace","doc":"a","text":5}"#, "wrong_type"),
            .bad(#"{"op":"close","doc":"nope"}"#, "unknown_doc"),
            .bad(#"{"op":"save","doc":"a","path":"/nonexistent-dir/sub/x.md"}"#, "save_failed"),
            .badBytes(Array(#"{"op":"edit","doc":"a","pos":0,"del":0,"ins":""#.utf8) + [0xFF, 0xFE] + Array(#""}"#.utf8), "invalid_utf8"),
            .bad(longLine, "line_too_long"),
            .bad(#"{"op":"edit","doc":"a","pos":0,"del":0,"ins":"x","c":"yes"}"#, "wrong_type"),
            .bad(#"{"op":"stats"}"#, "missing_field"),
            .bad(#"{"op":"edit","op":"edit","doc":"a","pos":0,"del":0,"ins":"x"}"#, "conflicting_fields"),
            .bad(#"{"op":"render","doc":7}"#, "wrong_type"),
            .badBytes(Array(#"{"op":"edit","doc":"a","pos":0,"del":0,"ins":"a"#.utf8) + [0x00] + Array(#""}"#.utf8), "invalid_json"),
            .bad(#"{"id":9}"#, "missing_op"),
            .insert("C", at: 3, raw: #"{"pos":3,"del":0,"ins":"C"}"#),     // a bare trace line
            .good(##"{"op":"replace","doc":"a","text":"# Title\n\nwww.example.com\n","id":2}"##) { $0 = Array("# Title\n\nwww.example.com\n".unicodeScalars) },
            .insert("!", at: 7),
            .good(#"{"op":"open","doc":"b","text":"other"}"#),
            .bad(#"{"pos":0,"del":0,"ins":"x"}"#, "no_document"),        // two documents open now
        ]
        let badCount = steps.filter { $0.code != nil }.count
        #expect(Set(steps.compactMap(\.code)).count >= 16, "every input error code is exercised")
        #expect(badCount >= 30)

        let session = try StdioSession(inProcess: ["--max-line-bytes", "1000", "--autosave-delay-ms", "50"])
        var expected: [Unicode.Scalar] = []
        var expectedErrors: [(line: Int, code: String)] = []
        for (index, step) in steps.enumerated() {
            session.sendRaw(Data(step.line + [0x0A]))
            if let code = step.code { expectedErrors.append((index + 1, code)) }
            step.apply?(&expected)
        }
        session.send(#"{"op":"shutdown","id":100}"#)
        #expect(session.waitForExit() == 0, "stderr: \(session.stderrText)")

        let errors = session.events(named: "error")
        #expect(errors.count == expectedErrors.count, "one error per bad line: \(errors.map { "\($0["line"] ?? "-"):\($0["code"] ?? "-")" })")
        for (line, code) in expectedErrors {
            let matching = errors.filter { $0["line"] as? Int == line }
            #expect(matching.count == 1, "line \(line): \(matching)")
            #expect(matching.first?["code"] as? String == code, "line \(line): expected \(code), got \(matching.first?["code"] ?? "nothing")")
            #expect((matching.first?["message"] as? String)?.isEmpty == false)
        }
        #expect(errors.first { $0["line"] as? Int == steps.count - 2 }?["id"] as? Int == nil)
        #expect(errors.first { $0["code"] as? String == "missing_op" && $0["id"] as? Int == 9 } != nil, "the id of a bad request is recovered")

        let text = String(String.UnicodeScalarView(expected))
        let last = try #require(session.snapshot.lastRender["a"])
        #expect(last["html"] as? String == MarkdownRenderer().render(text))
        #expect(try String(contentsOfFile: save, encoding: .utf8) == text)
        #expect(session.snapshot.badLines.isEmpty)
        #expect(session.events(named: "bye").count == 1)
        #expect(session.events(named: "ack").contains { $0["id"] as? Int == 100 })
    }
}
