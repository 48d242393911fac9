import EditTraces
import DocumentModel
import Testing

@Suite("Line and character addressing")
struct LineAddressingTests {
    @Test("Lines end at \\n, \\r\\n and a lone \\r")
    func terminators() throws {
        let document = TextDocument("a\nbc\r\nd\re\r\r\n")
        // Lines: "a", "bc", "d", "e", "", "" (the last, after the final \r\n).
        #expect(document.lineCount == 6)
        let starts = try (0..<6).map { try document.utf8Offset(of: LinePosition(line: $0, character: 0)) }
        #expect(starts == [0, 2, 6, 8, 10, 12])
        #expect(try document.utf8Offset(of: LinePosition(line: 1, character: 2)) == 4)
        // The character may not point into or past the terminator.
        #expect(throws: EditError.characterOutOfRange(position: LinePosition(line: 1, character: 3), unit: .utf16, lineLength: 2)) {
            try document.utf8Offset(of: LinePosition(line: 1, character: 3))
        }
        #expect(throws: EditError.lineOutOfRange(line: 6, lineCount: 6)) {
            try document.utf8Offset(of: LinePosition(line: 6, character: 0))
        }
        #expect(throws: EditError.lineOutOfRange(line: -1, lineCount: 6)) {
            try document.utf8Offset(of: LinePosition(line: -1, character: 0))
        }
        #expect(throws: EditError.characterOutOfRange(position: LinePosition(line: 0, character: -1), unit: .utf16, lineLength: 1)) {
            try document.utf8Offset(of: LinePosition(line: 0, character: -1))
        }
    }

    @Test("Characters count UTF-16 by default, or scalars or UTF-8 bytes; astral scalars cannot be split")
    func astralCharacters() throws {
        var document = TextDocument("x\r\n🙂é🙂\r\n")
        #expect(try document.utf8Offset(of: LinePosition(line: 1, character: 2)) == 7)  // after 🙂 (2 UTF-16 units)
        #expect(try document.utf8Offset(of: LinePosition(line: 1, character: 2), unit: .unicodeScalars) == 9)
        #expect(try document.utf8Offset(of: LinePosition(line: 1, character: 6), unit: .utf8) == 9)
        #expect(throws: EditError.positionSplitsScalar(position: LinePosition(line: 1, character: 1), unit: .utf16)) {
            try document.utf8Offset(of: LinePosition(line: 1, character: 1))
        }
        #expect(throws: EditError.positionSplitsScalar(position: LinePosition(line: 1, character: 5), unit: .utf8)) {
            try document.utf8Offset(of: LinePosition(line: 1, character: 5), unit: .utf8)
        }
        #expect(throws: EditError.characterOutOfRange(position: LinePosition(line: 1, character: 6), unit: .utf16, lineLength: 5)) {
            try document.utf8Offset(of: LinePosition(line: 1, character: 6))
        }
        // LSP-style replace of "é" (UTF-16 2..<3 on line 1).
        try document.apply(.replace(from: LinePosition(line: 1, character: 2), to: LinePosition(line: 1, character: 3), with: "e"))
        #expect(document.text == "x\r\n🙂e🙂\r\n")
        // Replace across lines, characters in scalars.
        try document.apply(.replace(
            from: LinePosition(line: 0, character: 1), to: LinePosition(line: 1, character: 1), with: "-", unit: .unicodeScalars))
        #expect(document.text == "x-e🙂\r\n")
        #expect(document.lineCount == 2)
        expectRejected(
            &document,
            .replace(from: LinePosition(line: 0, character: 3), to: LinePosition(line: 0, character: 4), with: ""),
            .positionSplitsScalar(position: LinePosition(line: 0, character: 4), unit: .utf16))
        expectRejected(
            &document,
            .replace(from: LinePosition(line: 1, character: 0), to: LinePosition(line: 0, character: 0), with: ""),
            .invertedRange(start: LinePosition(line: 1, character: 0), end: LinePosition(line: 0, character: 0)))
    }

    @Test("Typing inside lines spread over many index chunks keeps every line start right")
    func typingAcrossChunks() throws {
        // 300 lines of 3 bytes: the line index holds several chunks of at most 64 lines.
        var document = TextDocument(String(repeating: "ab\n", count: 300))
        var expectedStarts = (0...300).map { 3 * $0 }
        for line in stride(from: 0, to: 300, by: 7) {
            let offset = try document.utf8Offset(of: LinePosition(line: line, character: 1))
            try document.apply(.insert("xy", at: offset, unit: .utf8))  // inside the line: the fast path
            for later in (line + 1)...300 { expectedStarts[later] += 2 }
            for probe in [line, line + 1, min(line + 64, 300), 300] {
                #expect(try document.utf8Offset(of: LinePosition(line: probe, character: 0)) == expectedStarts[probe])
            }
        }
        let starts = try (0...300).map { try document.utf8Offset(of: LinePosition(line: $0, character: 0)) }
        #expect(starts == expectedStarts)
        #expect(document.lineCount == 301)
        #expect(document.utf8Count == expectedStarts[300])
    }

    @Test("Edits that join or split CR LF pairs keep the line structure right")
    func crlfJoinsAndSplits() throws {
        var document = TextDocument("a\rb")  // lone \r: 2 lines
        #expect(document.lineCount == 2)
        try document.apply(.replace(offset: 2, length: 1, with: "\n"))  // "a\r\n": \r\n + empty line
        #expect(document.lineCount == 2)
        #expect(try document.utf8Offset(of: LinePosition(line: 1, character: 0)) == 3)
        try document.apply(.insert("x", at: 2))  // "a\rx\n": splits the pair: 3 lines
        #expect(document.lineCount == 3)
        #expect(try document.utf8Offset(of: LinePosition(line: 1, character: 0)) == 2)
        try document.apply(.delete(offset: 2, length: 1))  // "a\r\n" again
        #expect(document.lineCount == 2)
        try document.apply(.insert("\r", at: 0))  // "\ra\r\n"
        #expect(document.lineCount == 3)
        try document.apply(.delete(offset: 1, length: 2))  // "\r\n"
        #expect(document.lineCount == 2)
        #expect(document.text == "\r\n")
        try document.apply(.delete(offset: 1, length: 1))  // "\r": a lone \r at the end
        #expect(document.lineCount == 2)
        try document.apply(.delete(offset: 0, length: 1))
        #expect(document.lineCount == 1)
    }
}

/// A small deterministic PRNG (SplitMix64) for the randomized tests.
struct TestRandom {
    private var generator: SplitMix64

    init(state: UInt64) { generator = SplitMix64(seed: state) }

    mutating func next() -> UInt64 { generator.next() }

    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    mutating func chance(_ percent: Int) -> Bool {
        int(in: 0...99) < percent
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[int(in: 0...(items.count - 1))]
    }
}

@Suite("TextDocument against a naive reference model")
struct DifferentialTests {
    /// Pieces of text rich in edge cases: line terminators in every combination,
    /// multi-byte and astral scalars, a combining mark.
    static let pieces = ["a", "b", "c", "\n", "\r", "\r\n", "é", "🙂", "\u{301}", "xyz", "\n\n", "ab\rcd", "日本"]

    static func randomText(_ random: inout TestRandom, maxPieces: Int) -> String {
        (0..<random.int(in: 0...maxPieces)).map { _ in random.pick(pieces) }.joined()
    }

    /// A random patch: often valid, sometimes not; positions cluster around `cursor` so
    /// that consecutive edits touch (the typing fast path).
    static func randomPatch(_ random: inout TestRandom, model: ReferenceText, cursor: Int) -> TextPatch {
        let unit = random.pick(TextUnit.allCases)
        let total = model.count(unit)
        let text = random.chance(30) ? "" : randomText(&random, maxPieces: random.chance(90) ? 1 : 4)
        if random.chance(25) {
            let lineCount = model.lineStarts.count
            func position() -> LinePosition {
                LinePosition(line: random.int(in: -1...lineCount), character: random.int(in: -1...6))
            }
            var start = position()
            var end = position()
            if end < start, random.chance(90) { swap(&start, &end) }
            return .replace(from: start, to: end, with: text, unit: unit)
        }
        let near = unit == .unicodeScalars && random.chance(70)
        let offset = near ? cursor + random.int(in: -2...1) : random.int(in: -1...(total + 1))
        let length = random.chance(50) ? 0 : random.int(in: near ? 0...3 : -1...6)
        return .replace(offset: offset, length: length, with: text, unit: unit)
    }

    /// Compares every observable of the document with the model.
    static func check(_ document: TextDocument, _ model: ReferenceText, allLines: Bool, step: Int) throws {
        #expect(Array(document.text.unicodeScalars) == model.scalars, "step \(step)")
        #expect(document.unicodeScalarCount == model.scalars.count, "step \(step)")
        #expect(document.utf16Count == model.count(.utf16), "step \(step)")
        #expect(document.utf8Count == model.count(.utf8), "step \(step)")
        let starts = model.lineStarts
        #expect(document.lineCount == starts.count, "step \(step)")
        if allLines {
            var utf8Start = 0
            var scalarStart = 0
            for line in starts.indices {
                utf8Start += model.count(.utf8, in: scalarStart..<starts[line])
                scalarStart = starts[line]
                #expect(try document.utf8Offset(of: LinePosition(line: line, character: 0)) == utf8Start, "step \(step) line \(line)")
            }
        }
        let sample = Set([0, starts.count / 3, starts.count / 2, starts.count - 1])
        for line in sample.sorted() {
            let content = model.lineContent(line, starts: starts)
            #expect(
                try document.utf8Offset(of: LinePosition(line: line, character: 0)) == model.utf8Offset(ofScalarIndex: starts[line]),
                "step \(step) line \(line)")
            for unit in TextUnit.allCases {
                let length = model.count(unit, in: content)
                #expect(
                    try document.utf8Offset(of: LinePosition(line: line, character: length), unit: unit)
                        == model.utf8Offset(ofScalarIndex: content.upperBound),
                    "step \(step) line \(line) \(unit)")
                #expect(throws: EditError.characterOutOfRange(
                    position: LinePosition(line: line, character: length + 1), unit: unit, lineLength: length)) {
                    try document.utf8Offset(of: LinePosition(line: line, character: length + 1), unit: unit)
                }
            }
        }
    }

    @Test("Random edits, transactions and errors match the model", arguments: [1, 2, 3, 4] as [UInt64])
    func randomEdits(seed: UInt64) throws {
        var random = TestRandom(state: seed)
        let start = Self.randomText(&random, maxPieces: 12)
        var document = TextDocument(start)
        var model = ReferenceText(start)
        var version: UInt64 = 0
        var cursor = model.scalars.count
        var failures = 0
        for step in 0..<700 {
            let expectedError: EditError?
            let thrown: EditError?
            if random.chance(8) {
                let patches = (0..<random.int(in: 0...3)).map { _ in Self.randomPatch(&random, model: model, cursor: cursor) }
                expectedError = model.apply(transaction: patches)
                do { try document.apply(transaction: patches); thrown = nil } catch { thrown = error }
            } else if random.chance(1) {
                let text = Self.randomText(&random, maxPieces: 10)
                model = ReferenceText(text)
                document.replaceAll(with: text)
                expectedError = nil
                thrown = nil
            } else {
                let patch = Self.randomPatch(&random, model: model, cursor: cursor)
                expectedError = model.apply(patch)
                do { try document.apply(patch); thrown = nil } catch { thrown = error }
                if expectedError == nil, case let .offsets(offset, _, .unicodeScalars) = patch.range {
                    cursor = offset + patch.text.unicodeScalars.count
                }
            }
            #expect(thrown == expectedError, "step \(step)")
            if expectedError == nil { version += 1 } else { failures += 1 }
            #expect(document.version == version, "step \(step)")
            try Self.check(document, model, allLines: step % 10 == 0, step: step)
            if model.scalars.count > 400 {
                // Keep the document small so the model stays cheap.
                let trimmed = TextPatch.delete(offset: 0, length: 200)
                #expect(model.apply(trimmed) == nil)
                try document.apply(trimmed)
                version += 1
                cursor = max(0, cursor - 200)
            }
        }
        // The generator produced a healthy mix of accepted and rejected edits.
        #expect(failures > 50 && failures < 500)
    }

    @Test("Many lines: edits across line-index chunk boundaries match the model")
    func manyLines() throws {
        var random = TestRandom(state: 99)
        let lineTexts = ["", "a", "bc", "d\r", "é🙂"]
        let start = (0..<1500).map { _ in random.pick(lineTexts) + random.pick(["\n", "\r\n", "\r"]) }.joined()
        var document = TextDocument(start)
        var model = ReferenceText(start)
        try Self.check(document, model, allLines: true, step: -1)
        for step in 0..<150 {
            let total = model.scalars.count
            let offset = random.int(in: 0...total)
            let length = random.chance(30) ? random.int(in: 0...min(600, total - offset)) : random.int(in: 0...min(2, total - offset))
            let inserted: String
            if random.chance(20) {
                inserted = (0..<random.int(in: 1...300)).map { _ in random.pick(lineTexts) + random.pick(["\n", "\r\n", "\r"]) }.joined()
            } else {
                inserted = Self.randomText(&random, maxPieces: 2)
            }
            let patch = TextPatch.replace(offset: offset, length: length, with: inserted)
            #expect(model.apply(patch) == nil)
            try document.apply(patch)
            if random.chance(30) {
                // A line-addressed edit goes through the other path (and flushes typing).
                let lines = [random.int(in: 0...(model.lineStarts.count - 1)), random.int(in: 0...(model.lineStarts.count - 1))].sorted()
                let lineEdit = TextPatch.replace(
                    from: LinePosition(line: lines[0], character: 0), to: LinePosition(line: lines[1], character: 0), with: "\r\n")
                #expect(model.apply(lineEdit) == nil)
                try document.apply(lineEdit)
            }
            // Every query of a document with pending typing works on a flattened copy
            // (`randomEdits` covers that state); a no-op UTF-16 edit writes the typing to
            // the trees first, so that this test of the line index stays fast in debug.
            try document.apply(.insert("", at: 0, unit: .utf16))
            try Self.check(document, model, allLines: step % 50 == 0, step: step)
        }
        try Self.check(document, model, allLines: true, step: 150)
    }
}
