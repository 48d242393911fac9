import DocumentModel
import Testing

/// Applies `patch` expecting `error`, and checks that text and version are unchanged.
func expectRejected(
    _ document: inout TextDocument, _ patch: TextPatch, _ error: EditError,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let text = document.text
    let version = document.version
    #expect(throws: error, sourceLocation: sourceLocation) { try document.apply(patch) }
    #expect(document.text == text, sourceLocation: sourceLocation)
    #expect(document.version == version, sourceLocation: sourceLocation)
}

@Suite("TextDocument edits")
struct TextDocumentTests {
    @Test("A new document holds its text at its version")
    func initialState() {
        let document = TextDocument("héllo\nwörld 🙂", version: 7)
        #expect(document.text == "héllo\nwörld 🙂")
        #expect(document.version == 7)
        #expect(document.unicodeScalarCount == 13)
        #expect(document.utf16Count == 14)
        #expect(document.utf8Count == "héllo\nwörld 🙂".utf8.count)
        #expect(document.lineCount == 2)
        #expect(TextDocument().text.isEmpty)
        #expect(TextDocument().lineCount == 1)
    }

    @Test("Insert, delete and replace in Unicode scalars (the default unit)")
    func scalarEdits() throws {
        var document = TextDocument("ab🙂cd")
        try document.apply(.insert("X", at: 3))
        #expect(document.text == "ab🙂Xcd")
        try document.apply(.delete(offset: 2, length: 1))
        #expect(document.text == "abXcd")
        try document.apply(.replace(offset: 0, length: 2, with: "é"))
        #expect(document.text == "éXcd")
        try document.apply(.insert("!", at: 4))
        #expect(document.text == "éXcd!")
        #expect(document.version == 4)
    }

    @Test("Edits in UTF-16 code units")
    func utf16Edits() throws {
        var document = TextDocument("ab🙂cd")  // 🙂 is 2 UTF-16 units
        try document.apply(.insert("X", at: 4, unit: .utf16))
        #expect(document.text == "ab🙂Xcd")
        try document.apply(.delete(offset: 2, length: 2, unit: .utf16))
        #expect(document.text == "abXcd")
        try document.apply(.replace(offset: 5, length: 0, with: "🚀", unit: .utf16))
        #expect(document.text == "abXcd🚀")
        #expect(document.utf16Count == 7)
    }

    @Test("Edits in UTF-8 bytes")
    func utf8Edits() throws {
        var document = TextDocument("aé🙂b")  // a(1) é(2) 🙂(4) b(1)
        try document.apply(.insert("X", at: 3, unit: .utf8))
        #expect(document.text == "aéX🙂b")
        try document.apply(.delete(offset: 4, length: 4, unit: .utf8))
        #expect(document.text == "aéXb")
        try document.apply(.replace(offset: 1, length: 2, with: "e", unit: .utf8))
        #expect(document.text == "aeXb")
    }

    @Test("Offsets inside a scalar are rejected", arguments: [
        (TextPatch.insert("X", at: 3, unit: .utf16), EditError.splitsScalar(offset: 3, unit: .utf16)),
        (.delete(offset: 2, length: 1, unit: .utf16), .splitsScalar(offset: 3, unit: .utf16)),
        (.delete(offset: 3, length: 1, unit: .utf16), .splitsScalar(offset: 3, unit: .utf16)),
        (.insert("X", at: 4, unit: .utf8), .splitsScalar(offset: 4, unit: .utf8)),
        (.delete(offset: 1, length: 1, unit: .utf8), .splitsScalar(offset: 2, unit: .utf8)),
        (.replace(offset: 3, length: 2, with: "", unit: .utf8), .splitsScalar(offset: 5, unit: .utf8)),
    ])
    func splitScalars(patch: TextPatch, error: EditError) {
        var document = TextDocument("aé🙂b")  // utf16: a é 🙂🙂 b; utf8: a éé 🙂🙂🙂🙂 b
        expectRejected(&document, patch, error)
    }

    @Test("Out-of-range offsets and lengths are rejected in every unit", arguments: TextUnit.allCases)
    func outOfRange(unit: TextUnit) {
        var document = TextDocument("abc")
        expectRejected(&document, .insert("X", at: 4, unit: unit), .outOfRange(offset: 4, length: 0, unit: unit, count: 3))
        expectRejected(&document, .insert("X", at: -1, unit: unit), .outOfRange(offset: -1, length: 0, unit: unit, count: 3))
        expectRejected(&document, .delete(offset: 1, length: 3, unit: unit), .outOfRange(offset: 1, length: 3, unit: unit, count: 3))
        expectRejected(&document, .delete(offset: 1, length: -1, unit: unit), .outOfRange(offset: 1, length: -1, unit: unit, count: 3))
        expectRejected(&document, .delete(offset: 2, length: Int.max, unit: unit), .outOfRange(offset: 2, length: Int.max, unit: unit, count: 3))
        #expect(throws: Never.self) { try document.apply(.delete(offset: 0, length: 3, unit: unit)) }
        #expect(document.text.isEmpty)
    }

    @Test("Every successful edit adds exactly 1 to the version, even an empty one")
    func versions() throws {
        var document = TextDocument("abc", version: 10)
        try document.apply(.insert("", at: 1))
        #expect(document.version == 11)
        try document.apply(.delete(offset: 0, length: 0))
        #expect(document.version == 12)
        try document.apply(transaction: [.insert("x", at: 0), .insert("y", at: 0), .delete(offset: 4, length: 1)])
        #expect(document.version == 13)
        #expect(document.text == "yxab")
        try document.apply(transaction: [TextPatch]())
        #expect(document.version == 14)
        document.replaceAll(with: "new")
        #expect(document.version == 15)
        #expect(document.text == "new")
    }

    @Test("A transaction applies its patches in order, each against the text left by the previous one")
    func transactionOrder() throws {
        var document = TextDocument("hello world")
        // Wrap "world" in ** (the trace generator's two-patch transaction).
        try document.apply(transaction: [.insert("**", at: 11), .insert("**", at: 6)])
        #expect(document.text == "hello **world**")
        try document.apply(transaction: [
            .replace(from: LinePosition(line: 0, character: 0), to: LinePosition(line: 0, character: 5), with: "Hi"),
            .insert("!", at: 12, unit: .utf8),
            .delete(offset: 2, length: 1, unit: .utf16),
        ])
        #expect(document.text == "Hi**world**!")
    }

    @Test("A failing transaction changes nothing and names the failing patch")
    func transactionAtomicity() throws {
        var document = TextDocument("abc\ndef")
        try document.apply(.insert("x", at: 7))  // leave typing pending before the transaction
        let patches: [TextPatch] = [
            .insert("1", at: 0),
            .delete(offset: 0, length: 3),
            .insert("🙂", at: 2, unit: .utf16),
            .insert("z", at: 3, unit: .utf16),  // splits the 🙂 inserted by patch 2
        ]
        #expect(throws: EditError.inTransaction(patchIndex: 3, underlying: .splitsScalar(offset: 3, unit: .utf16))) {
            try document.apply(transaction: patches)
        }
        #expect(document.text == "abc\ndefx")
        #expect(document.version == 1)
        #expect(document.lineCount == 2)
        #expect(throws: EditError.inTransaction(patchIndex: 1, underlying: .lineOutOfRange(line: 5, lineCount: 3))) {
            try document.apply(transaction: [.insert("\n", at: 0), .replace(from: LinePosition(line: 5, character: 0), to: LinePosition(line: 5, character: 0), with: "")])
        }
        #expect(document.text == "abc\ndefx")
        #expect(document.lineCount == 2)
        // The document still works normally afterwards.
        try document.apply(transaction: patches.dropLast())
        #expect(document.text == "c\n🙂defx")
        #expect(document.version == 2)
    }

    @Test("replaceAll replaces the text and the line structure")
    func replaceAll() throws {
        var document = TextDocument("one\ntwo\nthree")
        try document.apply(.insert("!", at: 3))
        document.replaceAll(with: "a\r\nb")
        #expect(document.text == "a\r\nb")
        #expect(document.lineCount == 2)
        #expect(try document.utf8Offset(of: LinePosition(line: 1, character: 0)) == 3)
    }

    @Test("A snapshot keeps its text and version while the document changes")
    func snapshots() throws {
        var document = TextDocument("abc")
        try document.apply(.insert("d", at: 3))  // pending typing is part of the snapshot
        let snapshot = document.snapshot
        #expect(snapshot.version == 1)
        #expect(snapshot.text == "abcd")
        #expect(snapshot.utf8Count == 4)
        try document.apply(.delete(offset: 0, length: 2))
        try document.apply(.insert("🙂", at: 0, unit: .utf8))
        #expect(snapshot.text == "abcd")
        #expect(snapshot.version == 1)
        #expect(document.snapshot.text == "🙂cd")
        #expect(document.snapshot.version == 3)
        // Copies of a document are independent values.
        var copy = document
        try copy.apply(.insert("x", at: 0))
        #expect(document.text == "🙂cd")
        #expect(copy.text == "x🙂cd")
    }

    @Test("Edits may split grapheme clusters (they are addressed in scalars)")
    func graphemeClusters() throws {
        var document = TextDocument("e\u{301}x")  // é as e + combining acute
        #expect(document.unicodeScalarCount == 3)
        try document.apply(.insert("a", at: 1))
        #expect(document.text.unicodeScalars.elementsEqual("ea\u{301}x".unicodeScalars))
        try document.apply(.delete(offset: 2, length: 1))
        #expect(document.text == "eax")
        var flags = TextDocument("🇫🇷")  // two regional indicators
        try flags.apply(.insert("-", at: 1))
        #expect(flags.text.unicodeScalars.elementsEqual("🇫-🇷".unicodeScalars))
    }

    @Test("The example of Docs/DOCUMENT_MODEL.md")
    func documentationExample() throws {
        var document = TextDocument("# Notes\n")
        try document.apply(.insert("\n- milk", at: 8))
        try document.apply(.replace(from: LinePosition(line: 2, character: 2),
                                    to: LinePosition(line: 2, character: 6),
                                    with: "eggs"))
        try document.apply(transaction: [.insert("**", at: 15), .insert("**", at: 11)])
        #expect(document.version == 3)
        let snapshot = document.snapshot
        #expect(snapshot.text == "# Notes\n\n- **eggs**")
        #expect(snapshot.version == 3)
    }

    @Test("Error messages name the offending values")
    func errorDescriptions() {
        #expect(EditError.outOfRange(offset: 9, length: 2, unit: .utf16, count: 5).description
            == "range at offset 9 with length 2 (UTF-16 code units) is outside the text of 5 UTF-16 code units")
        #expect(EditError.splitsScalar(offset: 3, unit: .utf8).description == "offset 3 (UTF-8 bytes) falls inside a Unicode scalar")
        #expect(EditError.inTransaction(patchIndex: 2, underlying: .lineOutOfRange(line: 4, lineCount: 3)).description
            == "patch 2 of the transaction failed, nothing was applied: line 4 does not exist (the text has 3 lines, numbered from 0)")
        #expect(EditError.characterOutOfRange(position: LinePosition(line: 1, character: 8), unit: .utf16, lineLength: 3).description
            == "character 8 is outside line 1, which has 3 UTF-16 code units before its terminator")
    }
}
