import DocumentModel
import EditTraces
import PreviewProtocol
import Testing

/// Feeds `chunks` and returns every line, finishing the input when `finish` is set.
private func frame(_ chunks: [[UInt8]], limit: Int = 1 << 20, finish: Bool = true) -> [FramedLine] {
    var framer = LineFramer(maxLineLength: limit)
    var lines: [FramedLine] = []
    for chunk in chunks {
        framer.append(chunk)
        while let line = framer.next() { lines.append(line) }
    }
    if finish {
        framer.finish()
        while let line = framer.next() { lines.append(line) }
    }
    return lines
}

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("Line framer")
struct LineFramerTests {
    @Test("lines are cut at \\n and numbered from 1; blank lines are skipped but counted")
    func basics() {
        let lines = frame([bytes("{\"a\":1}\n\n  \t\n{\"b\":2}\nlast")])
        #expect(lines == [
            .complete(number: 1, bytes: bytes("{\"a\":1}")),
            .complete(number: 4, bytes: bytes("{\"b\":2}")),
            .complete(number: 5, bytes: bytes("last")),
        ])
    }

    @Test("CRLF loses its \\r; a \\r elsewhere stays; a blank CRLF line is skipped")
    func crlf() {
        let lines = frame([bytes("one\r\n\r\ntw\ro\r\nthree\r")])
        #expect(lines == [
            .complete(number: 1, bytes: bytes("one")),
            .complete(number: 3, bytes: bytes("tw\ro")),
            .complete(number: 4, bytes: bytes("three")),
        ])
        // The \r and \n of one CRLF may arrive in different chunks.
        #expect(frame([bytes("x\r"), bytes("\ny")]) == [.complete(number: 1, bytes: bytes("x")), .complete(number: 2, bytes: bytes("y"))])
    }

    @Test("a final line without \\n is yielded only once the input is finished")
    func finalLine() {
        var framer = LineFramer()
        framer.append(bytes("a\npartial"))
        #expect(framer.next() == .complete(number: 1, bytes: bytes("a")))
        #expect(framer.next() == nil)
        #expect(!framer.hasLine)
        framer.finish()
        #expect(framer.isFinished)
        #expect(framer.next() == .complete(number: 2, bytes: bytes("partial")))
        #expect(framer.next() == nil)
        // Finishing right after a \n adds nothing.
        #expect(frame([bytes("a\n")]) == [.complete(number: 1, bytes: bytes("a"))])
        #expect(frame([]) == [])
    }

    @Test("peek shows the next complete line without taking it")
    func peek() {
        var framer = LineFramer()
        framer.append(bytes("{\"pos\":0,\"del\":0,\"ins\":\"a\"}\n{\"c\":1"))
        #expect(framer.hasLine)
        #expect(framer.peek() == .complete(number: 1, bytes: bytes("{\"pos\":0,\"del\":0,\"ins\":\"a\"}")))
        #expect(framer.peek() == framer.peek())
        _ = framer.next()
        // The second line is not complete yet.
        #expect(framer.peek() == nil)
        framer.append(bytes(",\"pos\":1,\"del\":0,\"ins\":\"b\"}\n"))
        #expect(framer.peek()?.number == 2)
        #expect(framer.next()?.number == 2)
        #expect(framer.peek() == nil)
    }

    @Test("a chunk may end inside a UTF-8 sequence: byte-by-byte feeding gives the same lines")
    func splitUTF8() throws {
        let text = "{\"pos\":0,\"del\":0,\"ins\":\"é€😀\u{10FFFF}\"}\n{\"pos\":1,\"del\":0,\"ins\":\"日本\"}\n"
        let whole = frame([bytes(text)])
        let byByte = frame(bytes(text).map { [$0] })
        #expect(whole == byByte)
        #expect(whole.count == 2)
        // And the lines still decode to the same text.
        let decoded = try RequestDecoder().decode(try #require(byByte.first))
        #expect(decoded == Request(.edit(patches: offsets([(0, 0, "é€😀\u{10FFFF}")], unit: .unicodeScalars))))
    }

    @Test("random chunking gives the lines of a plain split")
    func randomChunks() {
        var generator = SplitMix64(seed: 99)
        for _ in 0..<200 {
            var input: [UInt8] = []
            for _ in 0..<Int(generator.next() % 12) {
                let length = Int(generator.next() % 30)
                input += (0..<length).map { _ in [UInt8(ascii: "a"), UInt8(ascii: " "), 0xC3, 0xA9, UInt8(ascii: "\r")][Int(generator.next() % 5)] }
                input.append(UInt8(ascii: "\n"))
            }
            if generator.next() % 2 == 0 { input += bytes("tail") }
            var chunks: [[UInt8]] = []
            var offset = 0
            while offset < input.count {
                let size = 1 + Int(generator.next() % 7)
                chunks.append(Array(input[offset..<min(input.count, offset + size)]))
                offset += size
            }
            // Reference: split, strip one \r, drop blank lines.
            var expected: [FramedLine] = []
            var parts = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            if parts.last?.isEmpty == true { parts.removeLast() }
            for (index, part) in parts.enumerated() {
                var line = Array(part)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                expected.append(.complete(number: index + 1, bytes: line))
            }
            #expect(frame(chunks) == expected)
        }
    }

    @Test("an over-long line is reported once, its bytes dropped as they arrive, memory bounded")
    func overLongLine() throws {
        let limit = 1000
        var framer = LineFramer(maxLineLength: limit)
        framer.append(bytes("{\"op\":\"render\",\"doc\":\"a\"}\n"))
        let head = bytes("{\"op\":\"open\",\"id\":42,\"doc\":\"big\",\"text\":\"")
        framer.append(head)
        var reports: [FramedLine] = []
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 4096)
        var peak = 0
        for _ in 0..<2500 { // 10 MB
            framer.append(chunk)
            peak = max(peak, framer.bufferedByteCount)
            while let line = framer.next() { reports.append(line) }
        }
        framer.append(bytes("\"}\n{\"op\":\"stats\",\"doc\":\"a\"}\n"))
        while let line = framer.next() { reports.append(line) }
        // Never more than the limit plus one chunk held.
        #expect(peak <= limit + 1 + 4096 + 100)
        #expect(reports.count == 3)
        #expect(reports[0] == .complete(number: 1, bytes: bytes("{\"op\":\"render\",\"doc\":\"a\"}")))
        guard case let .tooLong(number, prefix) = reports[1] else {
            Issue.record("expected tooLong, got \(reports[1])")
            return
        }
        #expect(number == 2)
        #expect(prefix.starts(with: head))
        #expect(prefix.count <= 4096)
        #expect(reports[2] == .complete(number: 3, bytes: bytes("{\"op\":\"stats\",\"doc\":\"a\"}")))
        // The decoder reports it with the id and doc from the prefix.
        #expect(throws: ProtocolError(
            code: .lineTooLong, message: "the line is longer than the limit of 1000 bytes and was discarded",
            line: 2, id: .integer(42), doc: "big"
        )) { try RequestDecoder(maxLineLength: limit).decode(reports[1]) }
    }

    @Test("the limit counts bytes without \\r\\n, whatever the chunking")
    func limitBoundary() {
        let limit = 10
        let exact = [UInt8](repeating: UInt8(ascii: "x"), count: limit)
        let over = exact + [UInt8(ascii: "x")]
        for split in 0...13 {
            let input = exact + bytes("\r\n") + over + bytes("\r\n")
            let chunks = [Array(input[..<split]), Array(input[split...])]
            let lines = frame(chunks, limit: limit)
            #expect(lines.count == 2, "split at \(split)")
            #expect(lines.first == .complete(number: 1, bytes: exact), "split at \(split)")
            guard case let .tooLong(number, prefix)? = lines.last else {
                Issue.record("split at \(split): expected tooLong, got \(lines)")
                continue
            }
            #expect(number == 2)
            #expect(prefix.starts(with: over), "split at \(split)")
        }
        // Over the limit at the end of input, without a newline.
        let lines = frame([over + over], limit: limit)
        #expect(lines.count == 1)
        #expect(lines.first?.number == 1)
        if case .tooLong? = lines.first {} else { Issue.record("expected tooLong, got \(lines)") }
    }

    @Test("a byte order mark at the start of the input is dropped, even split across chunks")
    func byteOrderMark() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        #expect(frame([bom + bytes("{}\n")]) == [.complete(number: 1, bytes: bytes("{}"))])
        #expect(frame([[0xEF], [0xBB], [0xBF, UInt8(ascii: "x")]]) == [.complete(number: 1, bytes: bytes("x"))])
        // Only at the very start.
        #expect(frame([bytes("a\n") + bom + bytes("b\n")]) == [.complete(number: 1, bytes: bytes("a")), .complete(number: 2, bytes: bom + bytes("b"))])
        // A BOM alone is a blank first line.
        #expect(frame([bom + bytes("\n{}")]) == [.complete(number: 2, bytes: bytes("{}"))])
    }
}
