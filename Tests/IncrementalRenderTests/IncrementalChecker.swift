import DocumentModel
import IncrementalRender
import MarkdownRenderer

/// Drives an `IncrementalDocument` the way the engine does (a `TextDocument`, its
/// changes, snapshots) and checks after every update that the patches, applied by a
/// client in order, give the full render of the text.
struct IncrementalChecker {
    let renderer: MarkdownRenderer
    private(set) var document: TextDocument
    private(set) var incremental: IncrementalDocument
    private(set) var client = RenderedDocument()
    private(set) var mismatches: [(version: UInt64, text: String)] = []
    /// The patch of the last update.
    private(set) var lastPatch: BlockPatch?

    init(text: String, options: RenderOptions = .default) {
        renderer = MarkdownRenderer(options: options)
        document = TextDocument(text)
        incremental = IncrementalDocument(options: options)
        update()
    }

    /// Applies edits (each one version) and checks the result once they are all in.
    mutating func edit(_ patches: [TextPatch]) throws {
        for patch in patches { try document.apply(patch) }
        update()
    }

    /// Replaces the text and checks.
    mutating func replaceAll(with text: String) {
        document.replaceAll(with: text)
        update()
    }

    private mutating func update() {
        let changes = document.takeChanges()
        let snapshot = document.snapshot
        let renderer = renderer
        let patch = incremental.update(to: snapshot, version: snapshot.version, changes: changes) { renderer.parseBlocks(utf8: $0) }
        let expected = renderer.render(snapshot.text)
        lastPatch = patch
        do {
            try client.apply(patch)
        } catch {
            mismatches.append((snapshot.version, snapshot.text))
            return
        }
        if client.html != expected || incremental.html != expected {
            mismatches.append((snapshot.version, snapshot.text))
        }
    }
}
