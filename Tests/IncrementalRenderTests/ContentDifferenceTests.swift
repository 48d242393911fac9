import DocumentModel
import EditTraces
import IncrementalRender
import MarkdownRenderer
import TestSupport
import Testing

/// `RenderedContent.patch(from:)`: from a client at any earlier version, one splice that
/// gives this version's HTML, touching only what changed.
@Suite struct ContentDifferenceTests {
    @Test(arguments: HazardMarkdown.Hazard.allCases)
    func aClientAtAnyEarlierVersionCatchesUp(hazard: HazardMarkdown.Hazard) throws {
        var generator = SplitMix64(seed: 0xD1FF + UInt64(HazardMarkdown.Hazard.allCases.firstIndex(of: hazard)!))
        let renderer = MarkdownRenderer()
        var document = TextDocument(HazardMarkdown.document(for: hazard, size: 1500, using: &generator))
        var incremental = IncrementalDocument()
        var clients: [RenderedDocument] = []
        for step in 0 ..< 60 {
            if step > 0 {
                let edit = HazardMarkdown.edit(of: document.text, for: hazard, using: &generator)
                try document.apply(.replace(offset: edit.offset, length: edit.length, with: edit.text))
            }
            let snapshot = document.snapshot
            _ = incremental.update(to: snapshot, version: snapshot.version, changes: document.takeChanges()) { renderer.parseBlocks(utf8: $0) }
            let content = incremental.content
            let expected = renderer.render(snapshot.text)
            // A client that has nothing gets a snapshot.
            var fresh = RenderedDocument()
            let snapshotPatch = content.patch(from: fresh)
            #expect(snapshotPatch.baseVersion == nil)
            try fresh.apply(snapshotPatch)
            #expect(fresh.html == expected)
            // Clients at a few earlier versions.
            for index in Set([0, clients.count / 2, max(clients.count - 1, 0)]) where index < clients.count {
                var client = clients[index]
                let patch = content.patch(from: client)
                #expect(patch.baseVersion == client.version)
                try client.apply(patch)
                #expect(client.html == expected, "\(hazard) step \(step) from client \(index)")
            }
            clients.append(fresh)
        }
    }

    @Test("typing in one paragraph of many sends only that paragraph, with the blocks after it shifted")
    func smallChangeSmallPatch() throws {
        let renderer = MarkdownRenderer()
        let paragraphs = (0 ..< 50).map { "Paragraph \($0) with ![an image](img\($0).png)." }
        var document = TextDocument(paragraphs.joined(separator: "\n\n") + "\n")
        var incremental = IncrementalDocument()
        var snapshot = document.snapshot
        _ = incremental.update(to: snapshot, version: snapshot.version, changes: document.takeChanges()) { renderer.parseBlocks(utf8: $0) }
        var client = RenderedDocument()
        try client.apply(incremental.content.patch(from: client))
        // Two versions the client never saw: a word typed, then a line added, in paragraph 10.
        let offset = paragraphs[..<10].reduce(0) { $0 + $1.unicodeScalars.count + 2 } + 3
        for edit in ["abc", "\nnext line"] {
            try document.apply(.insert(edit, at: offset))
            snapshot = document.snapshot
            _ = incremental.update(to: snapshot, version: snapshot.version, changes: document.takeChanges()) { renderer.parseBlocks(utf8: $0) }
        }
        let patch = incremental.content.patch(from: client)
        #expect(patch.start == 10)
        #expect(patch.removed.count == 1 && patch.inserted.count == 1)
        #expect(patch.lineDelta == 1)
        #expect(patch.footnotes == nil)
        try client.apply(patch)
        #expect(client.html == renderer.render(snapshot.text))
    }
}
