import DocumentModel
import EditTraces
import Foundation
import IncrementalRender
import MarkdownRenderer
import TestSupport
import Testing

/// `mdpreview stdio` with `"patches":true`: a client that applies the `patch` events in
/// order has the full render of every version; `render` still sends the whole HTML.
@Suite("mdpreview stdio: patches")
struct StdioPatchTests {
    static func patch(from event: [String: Any]) throws -> BlockPatch {
        let inserted = try (event["insert"] as? [[String: Any]] ?? []).map { block in
            let lines = try #require(block["lines"] as? [Int])
            return RenderedBlock(key: BlockKey(rawValue: try #require(block["key"] as? UInt64)), lines: lines[0] ... lines[1], html: try #require(block["html"] as? String))
        }
        return BlockPatch(
            baseVersion: event["base"] as? UInt64, version: try #require(event["version"] as? UInt64), start: try #require(event["start"] as? Int),
            removed: (event["remove"] as? [UInt64] ?? []).map(BlockKey.init(rawValue:)), inserted: inserted,
            lineDelta: try #require(event["line_delta"] as? Int), footnotes: event["footnotes"] as? String
        )
    }

    @Test("typing into a patch document: the patches rebuild every version; the other document gets render events")
    func patchesRebuildTheDocument() throws {
        var generator = SplitMix64(seed: 12)
        let session = try StdioSession(inProcess: ["--policy", "every-keystroke"])
        var text = HazardMarkdown.document(for: .listLooseness, size: 3_000, using: &generator)
        session.send(["op": "open", "doc": "p", "text": text, "patches": true])
        session.send(["op": "open", "doc": "h", "text": "# plain\n"])
        var document = TextDocument(text)
        for _ in 0 ..< 80 {
            let edit = HazardMarkdown.edit(of: text, for: .listLooseness, using: &generator)
            session.send(["op": "edit", "doc": "p", "pos": edit.offset, "del": edit.length, "ins": edit.text])
            try document.apply(.replace(offset: edit.offset, length: edit.length, with: edit.text))
            text = document.text
        }
        session.send(["op": "render", "doc": "p"])
        let final = document.version
        #expect(session.wait(timeout: 30) { $0.lastRender["p"]?["version"] as? UInt64 == final }, "render sends the whole HTML of a patch document")
        // The other document renders on its own schedule (its first render may wait for a
        // worker process to start), so its render event can come after the answer for "p".
        #expect(session.wait(timeout: 30) { $0.lastRender["h"] != nil }, "the plain document gets its render event")
        let events = session.snapshot.events
        var client = RenderedDocument()
        for event in events where event["event"] as? String == "patch" {
            #expect(event["doc"] as? String == "p")
            try client.apply(try Self.patch(from: event))
        }
        let expected = MarkdownRenderer().render(text)
        #expect(client.version == final && client.html == expected, "the patches, applied in order, give the full render")
        #expect(session.snapshot.lastRender["p"]?["html"] as? String == expected)
        #expect(session.snapshot.renders["p"]?.count == 1, "a patch document gets render events only on request")
        #expect(session.snapshot.lastRender["h"]?["html"] as? String == "<h1>plain</h1>\n")
        #expect(!events.contains { $0["event"] as? String == "patch" && $0["doc"] as? String == "h" })
        session.closeInput()
        #expect(session.waitForExit() == 0)
    }

    @Test("render of a version already delivered as a patch sends its whole HTML (the engine does not render it again)")
    func renderOfDeliveredVersion() throws {
        let session = try StdioSession(inProcess: ["--policy", "every-keystroke"])
        session.send(["op": "open", "doc": "d", "text": "# done\n", "patches": true])
        #expect(session.wait(timeout: 30) { $0.events.contains { $0["event"] as? String == "patch" } })
        session.send(["op": "render", "doc": "d"])
        #expect(session.wait(timeout: 30) { $0.lastRender["d"]?["version"] as? UInt64 == 0 })
        #expect(session.snapshot.lastRender["d"]?["html"] as? String == "<h1>done</h1>\n")
        session.closeInput()
        #expect(session.waitForExit() == 0)
    }

    @Test("typing in one paragraph of many: each patch replaces that paragraph's block alone, under its key")
    func typingPatchesOneBlock() throws {
        let session = try StdioSession(inProcess: ["--policy", "every-keystroke"])
        let text = (0 ..< 40).map { "Paragraph \($0) has *some* words in it.\n" }.joined(separator: "\n")
        session.send(["op": "open", "doc": "q", "text": text, "patches": true])
        #expect(session.wait(timeout: 30) { $0.events.contains { $0["event"] as? String == "patch" } })
        let position = text.unicodeScalars.count / 2
        for (index, character) in "typed".enumerated() {
            session.send(["op": "edit", "doc": "q", "pos": position + index, "del": 0, "ins": String(character), "id": index])
            #expect(session.wait(timeout: 30) { $0.events.contains { $0["event"] as? String == "patch" && $0["version"] as? Int == index + 1 } })
        }
        let patches = session.snapshot.events.filter { $0["event"] as? String == "patch" }.map { try? Self.patch(from: $0) }
        #expect(patches.count == 6 && patches.allSatisfy { $0 != nil })
        let typed = patches.dropFirst().compactMap { $0 }
        #expect(typed.allSatisfy { $0.removed.count == 1 && $0.inserted.count == 1 && $0.inserted[0].key == $0.removed[0] && $0.lineDelta == 0 })
        #expect(Set(typed.map(\.removed[0])).count == 1, "the same block, under the same key, every time")
        session.closeInput()
        #expect(session.waitForExit() == 0)
    }
}
