import DocumentModel
import IncrementalRender
import MarkdownRenderer
import Testing

/// Heading ids under incremental updates: a same-named heading inserted above
/// renumbers exactly the later ones, and the patch carries exactly those blocks.
@Suite struct HeadingRenumberingTests {
    static let options = RenderOptions(profile: .github)
    static let text = (0 ..< 30).map { "# Setup\n\nParagraph \($0).\n" }.joined(separator: "\n")

    @Test func insertingASameNamedHeadingAboveRenumbersTheLaterOnes() throws {
        var checker = IncrementalChecker(text: Self.text, options: Self.options)
        let before = checker.client.blocks
        #expect(before.filter { $0.html.contains(#"id="setup-29""#) }.count == 1)
        try checker.edit([.insert("# Setup\n\n", at: 0)])
        #expect(checker.mismatches.isEmpty)
        guard case .window = checker.incremental.lastUpdate else { Issue.record("\(checker.incremental.lastUpdate)"); return }
        let patch = checker.lastPatch!
        // Exactly the blocks whose HTML changed travel: the new heading's place and
        // every later heading (each has the next number now), nothing else.
        let old = Dictionary(uniqueKeysWithValues: before.map { ($0.key, $0.html) })
        let changed = Set(checker.client.blocks.filter { old[$0.key] != $0.html }.map(\.key))
        let carried = Set(patch.inserted.map(\.key) + patch.updated.map(\.key))
        #expect(changed == carried && changed.count == 30, "the 30 old headings renumbered, one of them now a new block")
        #expect(patch.updated.count >= 29 && patch.updated.allSatisfy { update in
            checker.client.blocks[update.index].key == update.key && update.html.contains("<h1 id=\"setup-")
        })
        #expect(checker.client.html.contains(#"id="setup-30""#))
    }

    @Test func typingInAParagraphSendsNoUpdates() throws {
        var checker = IncrementalChecker(text: Self.text, options: Self.options)
        let offset = Self.text.unicodeScalars.distance(from: Self.text.unicodeScalars.startIndex, to: Self.text.firstRange(of: "Paragraph 15")!.lowerBound.samePosition(in: Self.text.unicodeScalars)!) + 3
        try checker.edit([.insert("x", at: offset)])
        #expect(checker.mismatches.isEmpty && checker.lastPatch?.updated.isEmpty == true)
        #expect(checker.lastPatch?.inserted.count == 1)
    }

    @Test func renamingAHeadingRenumbersOnlyWhatDepends() throws {
        let text = "# A\n\n# B\n\n# A\n\n# C\n\n# A\n"
        var checker = IncrementalChecker(text: text, options: Self.options)
        try checker.edit([.replace(offset: 2, length: 1, with: "C")])   // first A → C
        #expect(checker.mismatches.isEmpty)
        let ids = checker.client.html.matches(of: /id="([^"]+)"/).map { String($0.output.1) }
        #expect(ids == ["c", "b", "a", "c-1", "a-1"])
        #expect(checker.lastPatch?.updated.map(\.index) == [2, 3, 4])
    }

    @Test func frontMatterAppearsAndVanishes() throws {
        var checker = IncrementalChecker(text: "---\ntitle: x\n\nbody\n\n# Heading\n", options: Self.options)
        #expect(!checker.client.html.contains("front-matter"))
        try checker.edit([.insert("---\n", at: 13)])
        #expect(checker.mismatches.isEmpty && checker.client.html.hasPrefix(#"<table class="front-matter""#))
        #expect(checker.incremental.lastUpdate == .fullParse(.frontMatter))
        try checker.edit([.insert("a", at: 12)])   // inside the front matter: a window from the start
        #expect(checker.mismatches.isEmpty && checker.client.html.contains("<td>xa</td>"))
        try checker.edit([.replace(offset: 14, length: 4, with: "")])
        #expect(checker.mismatches.isEmpty && !checker.client.html.contains("front-matter"))
    }
}
