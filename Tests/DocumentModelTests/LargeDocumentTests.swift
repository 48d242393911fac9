import DocumentModel
import Foundation
import Testing

@Suite("Large documents")
struct LargeDocumentTests {
    /// About 5 MB of text in 55-byte lines, with some non-ASCII.
    static func fiveMegabytes() -> String {
        let line = "The quick brown fox jumps over the lazy dog — 0123456\n"
        return String(repeating: line, count: 5_000_000 / line.utf8.count)
    }

    @Test("10k single-scalar edits at random positions of a 5 MB document (O(log n) each)")
    func randomEditsInFiveMegabytes() throws {
        let start = Self.fiveMegabytes()
        var document = TextDocument(start)
        var random = TestRandom(state: 5)
        var scalars = document.unicodeScalarCount
        let clock = ContinuousClock()
        let began = clock.now
        for step in 0..<10_000 {
            let offset = random.int(in: 0...(scalars - 1))
            switch random.int(in: 0...9) {
            case 0...4:
                try document.apply(.insert(random.pick(["x", "é", "\n", "🙂"]), at: offset))
                scalars += 1
            case 5...7:
                try document.apply(.delete(offset: offset, length: 1))
                scalars -= 1
            case 8:
                // An LSP edit: replace the first character of a random line with "Y".
                let line = random.int(in: 0...(document.lineCount - 2))
                let lineStart = try document.utf8Offset(of: LinePosition(line: line, character: 0))
                let lineEnd = LinePosition(line: line, character: 1)
                if (try? document.utf8Offset(of: lineEnd, unit: .unicodeScalars)) != nil {
                    try document.apply(.replace(
                        from: LinePosition(line: line, character: 0), to: lineEnd, with: "Y", unit: .unicodeScalars))
                } else {
                    // The line is empty.
                    try document.apply(.insert("Y", at: lineStart, unit: .utf8))
                    scalars += 1
                }
            default:
                try document.apply(.insert("ab", at: document.utf16Count - random.int(in: 0...1000), unit: .utf16))
                scalars += 2
            }
            #expect(document.unicodeScalarCount == scalars, "step \(step)")
        }
        let elapsed = clock.now - began
        print("10k random edits in a \(start.utf8.count)-byte document: \(elapsed)")
        #expect(document.version == 10_000)

        // Check the result against one O(n) scan of the final text.
        let text = document.text
        #expect(text.unicodeScalars.count == scalars)
        #expect(text.utf8.count == document.utf8Count)
        #expect(text.utf16.count == document.utf16Count)
        var lineStarts = [0]
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { buffer in
            for p in 1...buffer.count {
                let previous = buffer[p - 1]
                if previous == 0x0A || (previous == 0x0D && (p == buffer.count || buffer[p] != 0x0A)) {
                    lineStarts.append(p)
                }
            }
        }
        #expect(document.lineCount == lineStarts.count)
        for line in stride(from: 0, to: lineStarts.count, by: lineStarts.count / 300) {
            #expect(try document.utf8Offset(of: LinePosition(line: line, character: 0)) == lineStarts[line])
        }
    }
}
