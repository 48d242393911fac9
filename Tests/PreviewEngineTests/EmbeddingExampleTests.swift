// The embedding example of Docs/ENGINE.md, compiled and run as a test. Keep the two in step.
import Dispatch
import DocumentModel
import PreviewEngine
import Synchronization
import Testing

@Suite("Docs/ENGINE.md example")
struct EmbeddingExampleTests {
    @Test("the embedding example compiles and shows the final text")
    func embeddingExample() throws {
        // --- example begins ---
        let previewQueue = DispatchQueue(label: "editor.preview")      // your serial queue
        let engine = PreviewEngine(configuration: .init(callbackQueue: previewQueue))
        let shown = Mutex<(version: UInt64, html: String)>((0, ""))

        let subscription = engine.subscribe { event in
            switch event {
            case .rendered(let result):
                // Versions arrive in order; each HTML is the full render of its version.
                shown.withLock { $0 = (result.version, result.html) }
            case .saveFailed(let failure):
                print("autosave failed, retrying:", failure.message)
            default:
                break
            }
        }

        try engine.open("notes.md", text: "# Notes\n")
        try engine.edit("notes.md", .insert("\n- milk", at: 8))                        // Unicode scalars
        try engine.edit("notes.md", .replace(from: LinePosition(line: 2, character: 2),
                                             to: LinePosition(line: 2, character: 6),
                                             with: "eggs"))                            // LSP, UTF-16
        engine.shutdown()   // saves every document, renders final versions, delivers (bounded by a timeout)
        subscription.cancel()
        // --- example ends ---

        #expect(shown.withLock { $0.version } == 2)
        #expect(shown.withLock { $0.html } == "<h1>Notes</h1>\n<ul>\n<li>eggs</li>\n</ul>\n")
    }
}
