import DocumentModel
import IncrementalRender
import Testing

/// Edits of a window that holds link reference definitions used elsewhere: a window
/// parse when the definitions come out the same, a full parse when they may not.
@Suite struct DefinitionProbeTests {
    static let paragraphs = IncrementalDocumentTests.paragraphs
    static let lead = "See [foo] and [*a*].\n\n"

    /// The checker after `edits`, each checked against the full render.
    static func check(_ text: String, _ edits: [(offset: Int, length: Int, text: String)]) throws -> IncrementalChecker {
        var checker = IncrementalChecker(text: text)
        for edit in edits { try checker.edit([.replace(offset: edit.offset, length: edit.length, with: edit.text)]) }
        #expect(checker.mismatches.isEmpty)
        return checker
    }

    static func isWindow(_ update: UpdateKind) -> Bool {
        if case .window = update { return true }
        return false
    }

    @Test func typingInTheParagraphAfterADefinitionParsesAWindow() throws {
        let text = Self.lead + Self.paragraphs + "\n[foo]: /one\nText after it.\n"
        let end = text.unicodeScalars.count - 1
        let checker = try Self.check(text, [(end, 0, " More"), (end + 5, 0, "!")])
        #expect(Self.isWindow(checker.incremental.lastUpdate), "\(checker.incremental.lastUpdate)")
        #expect(checker.incremental.statistics.fallbacks == 0)
        #expect(checker.client.html.contains("<a href=\"/one\">foo</a>"))
    }

    @Test func aParagraphStartedAfterTheDefinitionsParsesAWindow() throws {
        let text = Self.lead + Self.paragraphs + "\n[foo]: /one\n[*a*]: /a\n\n"
        let end = text.unicodeScalars.count
        let checker = try Self.check(text, [(end, 0, "A"), (end + 1, 0, "n"), (end + 2, 0, " [foo")])
        #expect(checker.incremental.statistics.fallbacks == 0, "\(checker.incremental.statistics.fullParses)")
    }

    @Test func aLabelTypedAtTheEndParsesAWindowUntilItDefines() throws {
        let text = Self.lead + Self.paragraphs + "\n[foo]: /one\n\n"
        let end = text.unicodeScalars.count
        var checker = try Self.check(text, [(end, 0, "["), (end + 1, 0, "s"), (end + 2, 0, "h"), (end + 3, 0, "]")])
        #expect(checker.incremental.statistics.fallbacks == 0, "\(checker.incremental.statistics.fullParses)")
        try checker.edit([.insert(": /sh", at: end + 4)])
        #expect(checker.incremental.lastUpdate == .fullParse(.references), "[sh]: /sh defines a label")
        #expect(checker.mismatches.isEmpty)
    }

    @Test func footnotesBesideDefinitionsElsewhere() throws {
        let definitions = "\n[foo]: /one\nA class like `[^a-z]` matches no letter.\n\n[^n]: A note.\n"
        var checker = try Self.check(Self.lead + Self.paragraphs + definitions, [(10, 0, " [foo]")])
        #expect(Self.isWindow(checker.incremental.lastUpdate), "a footnote definition and a `[^` beside the definitions: \(checker.incremental.lastUpdate)")
        #expect(checker.client.html.contains("<a href=\"/one\">foo</a>"))
        // A segment beside the definitions that references the footnote: the window's
        // parse has a footnote section, so it is refused.
        checker = try Self.check(Self.lead + Self.paragraphs + "\n[foo]: /one\nSee the note[^n].\n\n[^n]: A note.\n", [(10, 0, " [foo]")])
        #expect(checker.incremental.lastUpdate == .fullParse(.footnotes))
    }

    @Test func aDefinitionSegmentOfMostOfTheTextIsNotProbed() throws {
        let text = Self.lead + "[foo]: /one\n" + String(repeating: "Text line.\n", count: 200)
        let checker = try Self.check(text, [(text.unicodeScalars.count - 2, 0, "s")])
        #expect(checker.incremental.lastUpdate == .fullParse(.references), "probing both texts would cost more than one full parse")
    }

    @Test(arguments: [
        ("a blank line removed: the definition becomes paragraph text", "Before.\n\n[foo]: /one\n", "\n\n[foo]", 2, ""),
        ("an earlier definition of the same label, another case", "[Foo]: /one\nText.\n", "[Foo]", 0, "[foo]: /two\n"),
        ("the label renamed to one that renders alike", "[*a*]: /a\nText.\n", "[*a*]", 5, "[_a_]"),
        ("the destination changed", "[foo]: /one\nText.\n", "/one", 4, "/two"),
        ("a label spanning lines", "[foo]: /one\n[long\nlabel]: /l\nText.\n", "Text", 0, "More "),
    ])
    func aChangeOfDefinitionsParsesTheWholeText(name: String, tail: String, anchor: String, length: Int, replacement: String) throws {
        let text = Self.lead + "See [long label].\n\n" + Self.paragraphs + "\n" + tail
        let offset = text.unicodeScalars.count - tail.unicodeScalars.count + tail.components(separatedBy: anchor)[0].unicodeScalars.count
        let checker = try Self.check(text, [(offset, length, replacement)])
        #expect(checker.incremental.lastUpdate == .fullParse(.references), "\(name): \(checker.incremental.lastUpdate)")
    }
}
