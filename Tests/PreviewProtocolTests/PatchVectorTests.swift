import DocumentModel
import Foundation
import IncrementalRender
import MarkdownRenderer
import PreviewProtocol
import Testing

/// `Fixtures/patch-vectors.json`: patch events as the live page receives them, each with
/// the HTML after it or `null` when it must be refused (and change nothing). Swift's
/// `RenderedDocument` is checked here; the page's `PreviewPatch` (patch.js) by
/// `node --test Tests/PageScripts` (PageScriptTests runs it). The accepted steps come
/// from real incremental renders of our own document and edits; the refused ones are
/// built by hand after them. `PREVIEWENGINE_REGENERATE_FIXTURES=1` rewrites the file.
@Suite("patch vectors shared with the page's script")
struct PatchVectorTests {
    static let fixtureURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Fixtures/patch-vectors.json").standardized

    struct Vectors: Codable, Equatable {
        var about: String
        var cases: [Case]
    }

    struct Case: Codable, Equatable {
        var name: String
        var steps: [Step]
    }

    /// A `patch` event's JSON line, and the document's whole HTML after it (nil: refused).
    struct Step: Codable, Equatable {
        var event: String
        var html: String?

        init(event: String, html: String?) {
            self.event = event
            self.html = html
        }

        enum CodingKeys: String, CodingKey { case event, html }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(event, forKey: .event)
            try container.encode(html, forKey: .html)   // null, not left out: refused
        }
    }

    static func line(_ patch: BlockPatch) -> String {
        let line = EventEncoder.encodeToString(.patch(PatchEvent(doc: "vectors.md", patch: patch, renderMs: 0)))
        return line.hasSuffix("\n") ? String(line.dropLast()) : line
    }

    /// The scalar offset of `needle`'s first occurrence in `text`.
    static func offset(of needle: String, in text: String) -> Int {
        text[..<text.range(of: needle)!.lowerBound].unicodeScalars.count
    }

    /// Renders `text`, then each edit (made from the text before it), incrementally; a
    /// step per version.
    static func typing(_ name: String, _ text: String, _ edits: [(String) -> TextPatch]) -> (Case, IncrementalDocument) {
        let renderer = MarkdownRenderer(options: RenderOptions(profile: .github))
        var document = TextDocument(text)
        var incremental = IncrementalDocument(options: RenderOptions(profile: .github))
        var steps: [Step] = []
        func update() {
            let snapshot = document.snapshot
            let patch = incremental.update(to: snapshot, version: snapshot.version, changes: document.takeChanges()) { renderer.parseBlocks(utf8: $0) }
            steps.append(Step(event: line(patch), html: renderer.render(snapshot.text)))
        }
        update()
        for edit in edits {
            try! document.apply(edit(document.text))
            update()
        }
        return (Case(name: name, steps: steps), incremental)
    }

    static func generate() -> Vectors {
        let text = """
        # Title

        First paragraph with a note.[^1]

        ## Section

        - one
        - two

        ```swift
        let x = 1
        ```

        [^1]: The note.

        """
        let code = "```swift\nlet x = 1\n```\n\n"
        let (typed, incremental) = typing("typing, new blocks, a renumbered heading id, a footnote, a deletion", text, [
            { .insert("!", at: offset(of: " with a note", in: $0) + 12) },
            { .insert("A new paragraph.\n\n", at: offset(of: "First paragraph", in: $0)) },
            { .insert("## Section\n\n", at: offset(of: "## Section", in: $0)) },
            { .replace(offset: offset(of: "The note.", in: $0), length: 9, with: "The note, longer.") },
            { .delete(offset: offset(of: code, in: $0), length: code.unicodeScalars.count) },
        ])
        let blocks = incremental.blocks
        let version = incremental.version!
        let html = incremental.html
        let added = RenderedBlock(key: BlockKey(rawValue: 900_001), lines: 0 ... 0, html: "<p>added</p>\n")
        func patch(base: UInt64?, start: Int = 0, removed: [BlockKey] = [], inserted: [RenderedBlock] = [], updated: [BlockUpdate] = []) -> String {
            line(BlockPatch(baseVersion: base, version: version + 1, start: start, removed: removed, inserted: inserted, lineDelta: 0, footnotes: nil, updated: updated))
        }
        var refused = typed
        refused.name = "refused patches change nothing; a fitting one still applies"
        refused.steps += [
            Step(event: patch(base: version + 7, inserted: [added]), html: nil),
            Step(event: patch(base: version, removed: [BlockKey(rawValue: 999_999)]), html: nil),
            Step(event: patch(base: version, start: blocks.count + 1), html: nil),
            Step(event: patch(base: version, start: -1), html: nil),
            Step(event: patch(base: version, updated: [BlockUpdate(index: 0, key: BlockKey(rawValue: 999_999), html: "<p>x</p>\n")]), html: nil),
            // an update names a block by its index after the patch: index 0 is now the
            // inserted block, even with the key of the block that was at 0 before
            Step(event: patch(base: version, inserted: [added], updated: [BlockUpdate(index: 0, key: blocks[0].key, html: "<p>x</p>\n")]), html: nil),
            Step(event: patch(base: version, inserted: [added], updated: [BlockUpdate(index: 0, key: added.key, html: "<p>x</p>\n")]), html: nil),
            Step(event: patch(base: version, updated: [BlockUpdate(index: blocks.count, key: blocks[0].key, html: "<p>x</p>\n")]), html: nil),
            Step(event: patch(base: version, inserted: [added]), html: added.html + html),
        ]
        let snapshotAgain = Case(name: "a snapshot replaces everything, footnotes included", steps: Array(typed.steps[0 ... 3]) + [
            Step(event: line(BlockPatch(baseVersion: nil, version: 50, start: 0, removed: [], inserted: [added], lineDelta: 0, footnotes: nil)), html: added.html),
        ])
        return Vectors(
            about: "Patch events (the live page's SSE data) and the whole HTML after each, null when the patch must be refused and change nothing. Each case starts from an empty document. Generated by Tests/PreviewProtocolTests/PatchVectorTests.swift; read by it and by Tests/PageScripts/patch.test.js.",
            cases: [typed, refused, snapshotAgain]
        )
    }

    static func encoded(_ vectors: Vectors) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(vectors) + Data("\n".utf8)
    }

    @Test("the vectors file is what our document and edits give (regenerate with PREVIEWENGINE_REGENERATE_FIXTURES=1)")
    func reproducible() throws {
        let generated = try Self.encoded(Self.generate())
        if ProcessInfo.processInfo.environment["PREVIEWENGINE_REGENERATE_FIXTURES"] == "1" { try generated.write(to: Self.fixtureURL) }
        #expect(try Data(contentsOf: Self.fixtureURL) == generated)
    }

    @Test("RenderedDocument gives each accepted step's HTML and refuses the others, changing nothing")
    func renderedDocumentFollowsTheVectors() throws {
        let vectors = try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: Self.fixtureURL))
        #expect(vectors.cases.count >= 3)
        var refusals = 0, updates = 0, footnotes = 0
        for testCase in vectors.cases {
            var document = RenderedDocument()
            for (index, step) in testCase.steps.enumerated() {
                guard case .patch(let event) = try EventDecoder.decode(step.event) else {
                    Issue.record("\(testCase.name), step \(index): not a patch event")
                    continue
                }
                updates += event.patch.updated.isEmpty ? 0 : 1
                footnotes += event.patch.footnotes == nil ? 0 : 1
                let before = document
                if let html = step.html {
                    try document.apply(event.patch)
                    #expect(document.html == html, "\(testCase.name), step \(index)")
                } else {
                    refusals += 1
                    #expect(throws: PatchError.self, "\(testCase.name), step \(index)") { try document.apply(event.patch) }
                    #expect(document == before, "\(testCase.name), step \(index): a refused patch changed the document")
                }
            }
        }
        #expect(refusals >= 8 && updates >= 1 && footnotes >= 1, "the vectors exercise refusals (\(refusals)), in-place updates (\(updates)) and footnotes (\(footnotes))")
    }
}
