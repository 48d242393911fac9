import DocumentModel
import Foundation
import IncrementalRender
import MarkdownRenderer
import Testing

/// What an update re-parses, the keys it keeps, and when it parses the whole text.
@Suite struct IncrementalDocumentTests {
    struct ParseFailed: Error {}

    static let paragraphs = (0 ..< 40).map { "Paragraph \($0) with *some* words.\n" }.joined(separator: "\n")

    @Test func typingInAParagraphReparsesItAloneUnderItsKey() throws {
        var checker = IncrementalChecker(text: Self.paragraphs)
        let key = checker.incremental.blocks[20].key
        let offset = Self.paragraphs.unicodeScalars.count / 2
        try checker.edit([.insert("x", at: offset)])
        guard case .window(let bytes) = checker.incremental.lastUpdate else { Issue.record("not a window"); return }
        #expect(bytes < 200, "one paragraph and its blank line, not \(Self.paragraphs.utf8.count) bytes")
        #expect(checker.mismatches.isEmpty)
        #expect(checker.client.blocks.map(\.key).contains(key))
    }

    @Test func aLineInsertedAboveShiftsTheBlocksBelowAndKeepsTheirKeys() throws {
        var checker = IncrementalChecker(text: Self.paragraphs)
        let before = checker.client.blocks
        try checker.edit([.insert("New first paragraph.\n\n", at: 0)])
        let after = checker.client.blocks
        #expect(after.count == before.count + 1)
        #expect(Array(after.dropFirst().map(\.key)) == before.map(\.key), "every old block keeps its key")
        #expect(zip(after.dropFirst(), before).allSatisfy { $0.lines.lowerBound == $1.lines.lowerBound + 2 })
        #expect(checker.mismatches.isEmpty)
    }

    @Test func aDefinitionChangeParsesTheWholeText() throws {
        let text = "See [foo].\n\n" + Self.paragraphs + "\n[foo]: /one\n"
        var checker = IncrementalChecker(text: text)
        let position = text.unicodeScalars.count - 4
        try checker.edit([.replace(offset: position, length: 3, with: "two")])
        #expect(checker.incremental.lastUpdate == .fullParse(.references))
        #expect(checker.mismatches.isEmpty && checker.client.html.contains("href=\"/two\""))
    }

    @Test func aLinkToADefinitionElsewhereStillParsesAWindow() throws {
        let text = Self.paragraphs + "\n[foo]: /one\n"
        var checker = IncrementalChecker(text: text)
        try checker.edit([.insert(" [foo]", at: 10)])
        guard case .window = checker.incremental.lastUpdate else { Issue.record("\(checker.incremental.lastUpdate)"); return }
        #expect(checker.mismatches.isEmpty && checker.client.html.contains("<a href=\"/one\">foo</a>"))
    }

    @Test func anOpenBracketTypedAtALineStartIsNoDefinition() throws {
        let text = "See [foo].\n\n" + Self.paragraphs + "\n[foo]: /one\n"
        var checker = IncrementalChecker(text: text)
        let position = ("See [foo].\n\n" + (0 ..< 10).map { "Paragraph \($0) with *some* words.\n" }.joined(separator: "\n")).unicodeScalars.count
        try checker.edit([.insert("\n[1", at: position)])
        guard case .window = checker.incremental.lastUpdate else { Issue.record("\(checker.incremental.lastUpdate)"); return }
        try checker.edit([.insert("]: /x", at: position + 3)])
        #expect(checker.incremental.lastUpdate == .fullParse(.references), "now it is one")
        #expect(checker.mismatches.isEmpty)
    }

    @Test func aFootnoteReferenceParsesTheWholeText() throws {
        let text = "Note[^a].\n\n" + Self.paragraphs + "\n[^a]: The note.\n"
        var checker = IncrementalChecker(text: text)
        try checker.edit([.insert(" Again[^a].", at: 60)])
        #expect(checker.incremental.lastUpdate == .fullParse(.footnotes))
        #expect(checker.mismatches.isEmpty && checker.client.html.contains("fnref-a-2"))
    }

    @Test func aFailedParseChangesNothingAndTheNextUpdateParsesWhole() throws {
        var document = TextDocument(Self.paragraphs)
        var incremental = IncrementalDocument()
        let renderer = MarkdownRenderer()
        _ = incremental.update(to: document.snapshot, version: 0, changes: document.takeChanges()) { renderer.parseBlocks(utf8: $0) }
        let html = incremental.html
        try document.apply(.insert("x", at: 5))
        #expect(throws: ParseFailed.self) {
            _ = try incremental.update(to: document.snapshot, version: 1, changes: document.takeChanges()) { _ throws(ParseFailed) in throw ParseFailed() }
        }
        #expect(incremental.version == 0 && incremental.html == html)
        try document.apply(.insert("y", at: 6))
        let patch = incremental.update(to: document.snapshot, version: 2, changes: document.takeChanges()) { renderer.parseBlocks(utf8: $0) }
        #expect(incremental.lastUpdate == .fullParse(.noChangeHistory) && patch.baseVersion == 0)
        #expect(incremental.html == renderer.render(document.text))
    }

    /// Cases the 10,000-edit hazard fuzz found (each failed before its fix): a fence left
    /// open in a list item keeps the blank lines after it; libcmark-gfm ends a setext
    /// heading on the line after its underline, which may be a definition.
    @Test(arguments: [
        // The edit goes where the `|` is (the `|` is not part of the text).
        ("Intro.\n\n- item\n  ```\n  code\n  ```|\nSome text.\n\n\nin paragraph line\n\nEnd.\n", 1, ""),
        ("Intro.\n\nTitle\n---\n[baz]:\n|  /multi\n  'line title'\n\n[baz]\n\nEnd.\n", 0, "k"),
        ("Text[^2].\n\nTitle\n---\n[^2]: Second\n\n    continued note.|\n\nMore[^2].\n", 0, "]"),
    ])
    func fuzzRegression(marked: String, deleted: Int, inserted: String) throws {
        let text = Self.paragraphs + "\n" + marked
        let offset = try #require(text.unicodeScalars.firstIndex(of: "|")).utf16Offset(in: text)
        var checker = IncrementalChecker(text: text.replacingOccurrences(of: "|", with: ""))
        try checker.edit([.replace(offset: offset, length: deleted, with: inserted)])
        #expect(checker.mismatches.isEmpty, "\(checker.incremental.lastUpdate)")
    }

    @Test func aClientRefusesAPatchThatDoesNotFit() throws {
        var checker = IncrementalChecker(text: Self.paragraphs)
        var stale = checker.client
        try checker.edit([.insert("x", at: 3)])
        try checker.edit([.insert("y", at: 3)])
        var client = RenderedDocument()
        let patch = checker.incremental.content.snapshot()
        try client.apply(patch)
        let next = BlockPatch(baseVersion: 1, version: 3, start: 0, removed: [], inserted: [], lineDelta: 0, footnotes: nil)
        #expect(throws: PatchError.versionMismatch(expected: 1, found: 2)) { try client.apply(next) }
        let wrongKeys = BlockPatch(baseVersion: 0, version: 1, start: 0, removed: [BlockKey(rawValue: 999)], inserted: [], lineDelta: 0, footnotes: nil)
        #expect(throws: PatchError.blocksMismatch(start: 0)) { try stale.apply(wrongKeys) }
        #expect(client.html == MarkdownRenderer().render(checker.document.text))
    }
}
