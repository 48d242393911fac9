import EditTraces
import Foundation
import PreviewProtocol
import Testing

private func text(_ event: Event) -> String { EventEncoder.encodeToString(event) }

/// Parses an encoded line with Foundation, checking it is one line of one JSON object.
private func foundationObject(_ line: [UInt8]) throws -> [String: Any] {
    #expect(line.last == 0x0A)
    #expect(line.dropLast().contains(0x0A) == false)
    #expect(line.dropLast().contains(0x0D) == false)
    #expect(String(validating: line, as: UTF8.self) != nil)
    return try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
}

let sampleEvents: [Event] = [
    .ready(ReadyEvent()),
    .ack(AckEvent(id: .integer(3), op: .edit, doc: "a", version: 7)),
    .ack(AckEvent(id: .string("s-1"), op: .shutdown)),
    .render(RenderEvent(doc: "a", version: 7, html: "<h1>Hi</h1>\n<p>\"quoted\" & \\ </p>\n", renderMs: 1.25, latencyMs: 3.5)),
    .render(RenderEvent(doc: "b", version: 0, html: "", renderMs: 0)),
    .saved(SavedEvent(doc: "a", version: 7, path: "/tmp/a b.md")),
    .stats(StatsEvent(doc: "a", version: 7, words: 120, characters: 700, lines: 12, readingMinutes: 0.6, headings: [
        StatsEvent.Heading(level: 1, text: "Title \"x\"", line: 1), StatsEvent.Heading(level: 2, text: "Part", line: 5),
    ])),
    .stats(StatsEvent(doc: "e", version: 1, words: 0, characters: 0, lines: 0, readingMinutes: 0, headings: [])),
    .progress(ProgressEvent(doc: "a", task: "autosave", fraction: 0.5, message: "writing")),
    .progress(ProgressEvent(task: "autosave")),
    .error(ProtocolError(code: .invalidJSON, message: "the line is not JSON", line: 12)),
    .error(ProtocolError(code: .missingField, message: "no \"doc\"", field: "doc", line: 2, id: .string("x"), doc: nil)),
    .error(ProtocolError(code: .saveFailed, message: "EACCES", id: .integer(-1), doc: "a")),
    .closed(doc: "a"),
    .bye,
]

@Suite("Event encoding")
struct EventEncodingTests {
    @Test("events have the protocol's keys in a stable order")
    func exactText() {
        #expect(text(.ready(ReadyEvent())) == #"{"event":"ready","protocol":1,"server":"mdpreview"}"#)
        #expect(text(.ack(AckEvent(id: .integer(3), op: .edit, doc: "a", version: 7))) == #"{"event":"ack","id":3,"op":"edit","doc":"a","version":7}"#)
        #expect(text(.ack(AckEvent(id: .string("q"), op: .shutdown))) == #"{"event":"ack","id":"q","op":"shutdown"}"#)
        #expect(text(.render(RenderEvent(doc: "a", version: 7, html: "<p>x</p>\n", renderMs: 1.25, latencyMs: 3.5)))
            == #"{"event":"render","doc":"a","version":7,"html":"<p>x</p>\n","render_ms":1.25,"latency_ms":3.5}"#)
        #expect(text(.saved(SavedEvent(doc: "a", version: 7, path: "/p"))) == #"{"event":"saved","doc":"a","version":7,"path":"/p"}"#)
        #expect(text(.stats(StatsEvent(doc: "a", version: 7, words: 3, characters: 10, lines: 2, readingMinutes: 1.5, headings: [StatsEvent.Heading(level: 1, text: "T", line: 1)])))
            == #"{"event":"stats","doc":"a","version":7,"words":3,"characters":10,"lines":2,"reading_minutes":1.5,"headings":[{"level":1,"text":"T","line":1}]}"#)
        #expect(text(.progress(ProgressEvent(doc: "a", task: "autosave", fraction: 0.5, message: "m")))
            == #"{"event":"progress","doc":"a","task":"autosave","fraction":0.5,"message":"m"}"#)
        #expect(text(.error(ProtocolError(code: .wrongType, message: "m", field: "pos", line: 12, id: .integer(4), doc: "a")))
            == #"{"event":"error","line":12,"id":4,"doc":"a","code":"wrong_type","field":"pos","message":"m"}"#)
        #expect(text(.closed(doc: "a")) == #"{"event":"closed","doc":"a"}"#)
        #expect(text(.bye) == #"{"event":"bye"}"#)
    }

    @Test("every event survives EventEncoder then EventDecoder, and Foundation reads it", arguments: sampleEvents)
    func roundTrip(_ event: Event) throws {
        let line = EventEncoder.encode(event)
        #expect(try EventDecoder.decode(line) == event)
        let object = try foundationObject(line)
        #expect(object["event"] as? String == event.name)
    }

    @Test("durations have at most three decimals")
    func decimals() {
        let cases: [(Double, String)] = [
            (0, "0"), (1.25, "1.25"), (3.5, "3.5"), (12.3456, "12.346"), (0.0004, "0"), (0.0006, "0.001"),
            (-1.5, "-1.5"), (-0.0001, "0"), (100, "100"), (2.05, "2.05"), (0.1, "0.1"), (999.9999, "1000"),
            (.nan, "null"), (.infinity, "null"),
        ]
        for (value, expected) in cases {
            let line = text(.render(RenderEvent(doc: "a", version: 1, html: "", renderMs: value)))
            #expect(line.hasSuffix("\"render_ms\":\(expected)}"), "\(value) -> \(line)")
        }
        // Huge values are still valid JSON numbers.
        let huge = EventEncoder.encode(.render(RenderEvent(doc: "a", version: 1, html: "", renderMs: 1e20)))
        #expect((try? JSONSerialization.jsonObject(with: Data(huge))) is [String: Any])
    }

    @Test("HTML with line breaks, quotes, every control character and astral scalars stays one valid line")
    func nastyHTML() throws {
        var html = "<pre>line 1\nline 2\r\n\t\"quoted\" \\back\\slash </pre>\u{2028}\u{2029}\u{7F}😀𝄞\u{10FFFF}\u{FEFF}é"
        for scalar in 0..<0x20 { html.unicodeScalars.append(Unicode.Scalar(UInt8(scalar))) }
        let line = EventEncoder.encode(.render(RenderEvent(doc: "d\n\"", version: 9, html: html, renderMs: 1)))
        let object = try foundationObject(line)
        #expect(object["html"] as? String == html)
        #expect(object["doc"] as? String == "d\n\"")
        let written = String(decoding: line, as: UTF8.self)
        #expect(written.contains(#"\u0000"#))
        #expect(written.contains(#"\u001f"#))
        #expect(written.contains(#"\u2028"#))
        #expect(written.contains(#"\n"#) && written.contains(#"\r"#) && written.contains(#"\t"#) && written.contains(#"\b"#) && written.contains(#"\f"#))
        #expect(written.contains("😀"))
    }

    @Test("random text round-trips through the encoder and Foundation's parser")
    func randomStrings() throws {
        var generator = SplitMix64(seed: 2024)
        for _ in 0..<500 {
            var html = ""
            for _ in 0..<Int(generator.next() % 64) {
                let pick = generator.next() % 10
                let scalar: Unicode.Scalar
                switch pick {
                case 0: scalar = Unicode.Scalar(UInt8(generator.next() % 0x20))
                case 1: scalar = ["\"", "\\", "/", "\u{7F}", "\u{2028}", "\u{2029}"][Int(generator.next() % 6)]
                case 2: scalar = Unicode.Scalar(UInt32(0x10000 + generator.next() % 0xFFFFF)) ?? "x"
                case 3: scalar = Unicode.Scalar(UInt32(0x80 + generator.next() % 0xD700)) ?? "x"
                default: scalar = Unicode.Scalar(UInt8(0x20 + generator.next() % 0x5F))
                }
                html.unicodeScalars.append(scalar)
            }
            let event = Event.render(RenderEvent(doc: "a", version: 1, html: html, renderMs: 0.5))
            let line = EventEncoder.encode(event)
            let object = try foundationObject(line)
            #expect(object["html"] as? String == html)
            #expect(try EventDecoder.decode(line) == event)
        }
    }

    @Test("encoding a 1.5 MB render, twice into one buffer (its speed: ./dev bench events)")
    func largeHTML() throws {
        let paragraph = "<p>Some <em>rendered</em> text with \"quotes\", a tab\tand é😀.</p>\n"
        let html = String(repeating: paragraph, count: 1_500_000 / paragraph.utf8.count)
        let event = Event.render(RenderEvent(doc: "big", version: 1, html: html, renderMs: 12.5, latencyMs: 20))
        var buffer: [UInt8] = []
        EventEncoder.encode(event, into: &buffer)
        let first = buffer
        buffer.removeAll(keepingCapacity: true)
        EventEncoder.encode(event, into: &buffer)
        #expect(buffer == first, "a reused buffer gives the same line")
        let object = try foundationObject(buffer)
        #expect(object["html"] as? String == html)
        // Appending keeps what is already in the buffer.
        var two: [UInt8] = []
        EventEncoder.encode(.bye, into: &two)
        EventEncoder.encode(.closed(doc: "a"), into: &two)
        #expect(String(decoding: two, as: UTF8.self) == "{\"event\":\"bye\"}\n{\"event\":\"closed\",\"doc\":\"a\"}\n")
    }

    @Test("the event decoder rejects what is not an event")
    func eventDecoderErrors() throws {
        #expect(throws: ProtocolError.self) { try EventDecoder.decode("[]") }
        #expect(throws: ProtocolError.self) { try EventDecoder.decode(#"{"event":"party"}"#) }
        #expect(throws: ProtocolError.self) { try EventDecoder.decode(#"{"event":"render","doc":"a"}"#) }
        #expect(throws: ProtocolError.self) { try EventDecoder.decode(#"{"event":"error","code":"nope","message":""}"#) }
        // Unknown keys are ignored, as clients must.
        #expect(try EventDecoder.decode(#"{"event":"closed","doc":"a","new_key":[1]}"#) == .closed(doc: "a"))
    }
}
