import Foundation
import MarkdownRenderer
import PreviewServer
import PreviewStdio
import Testing
import TestSupport

/// Navigations to Markdown files in a document's folder open their previews; links that
/// reach nothing, or leave the folder, get a page that says so (see `Docs/LIVE_PREVIEW.md`).
@Suite("links between documents")
struct LinkedDocumentTests {
    private func setUp() async throws -> (LivePreviewHarness, TemporaryFolder, LinkedFileDocuments) {
        let root = try TemporaryFolder()
        try root.write("secret.md", "# Secret\n")
        try root.write("docs/a.md", "# A\n\n[b](b.md#part)\n")
        try root.write("docs/sub/b.md", "# B\n\n## Part\n")
        try root.write("docs/b.md", "# B\n\n## Part\n")
        try root.write("docs/.hidden.md", "# Hidden\n")
        try FileManager.default.createSymbolicLink(atPath: root.path + "/docs/out.md", withDestinationPath: root.path + "/secret.md")
        let harness = try await LivePreviewHarness()
        try await harness.open("a.md", text: "# A\n\n[b](b.md#part)\n", folder: root.path + "/docs")
        let linked = LinkedFileDocuments(engine: harness.engine, server: harness.server, options: RenderOptions(profile: .github), limit: 2)
        linked.register("a.md", path: root.path + "/docs/a.md")
        harness.server.openLinkedDocuments(with: linked.open)
        return (harness, root, linked)
    }

    private static let navigation = ["Sec-Fetch-Dest: document", "Accept: text/html"]

    @Test("a navigation to a Markdown file opens its preview once; the same file again reaches the same document")
    func opensOnDemand() async throws {
        let (harness, root, linked) = try await setUp()
        let first = try await LoopbackHTTP.get(port: harness.port, "/documents/1/files/b.md?\(harness.query)", headers: Self.navigation)
        #expect(first.status == 303)
        let location = try #require(first.header("location"))
        #expect(location.hasPrefix("/documents/") && location != "/documents/1")
        let again = try await LoopbackHTTP.get(port: harness.port, "/documents/1/files/b.md?\(harness.query)", headers: Self.navigation)
        #expect(again.header("location") == location)
        // The editor's own document is found, not opened twice.
        let own = try await LoopbackHTTP.get(port: harness.port, "/documents/1/files/a.md?\(harness.query)", headers: Self.navigation)
        #expect(own.header("location") == "/documents/1")
        // What the new page streams is the file's render.
        let real = URL(fileURLWithPath: root.path + "/docs/b.md").resolvingSymlinksInPath().path
        await harness.waitFor(LinkedFileDocuments.namePrefix + real, version: 0)
        let html = try await LoopbackHTTP.get(port: harness.port, "/api\(location)/html?\(harness.query)")
        #expect(html.text.contains(#"<h2 id="part">"#))
        // An image loading the same file gets its bytes.
        let bytes = try await LoopbackHTTP.get(port: harness.port, "/documents/1/files/b.md?\(harness.query)", headers: ["Sec-Fetch-Dest: image"])
        #expect(bytes.status == 200 && bytes.text == "# B\n\n## Part\n")
        linked.stop()
        withExtendedLifetime(root) {}
        await harness.stop()
    }

    @Test("missing, hidden, symlinked-out and climbing links get a page that says why", arguments: [
        ("files/missing.md", "No such file"), ("files/.hidden.md", "No such file"), ("files/out.md", "No such file"),
        ("files/..%2Fsecret.md", "No such file"), ("../secret.md", "Outside the document’s folder"), ("secret.md", "Outside the document’s folder"),
    ])
    func clearPages(path: String, heading: String) async throws {
        let (harness, root, linked) = try await setUp()
        let response = try await LoopbackHTTP.get(port: harness.port, "/documents/1/\(path)?\(harness.query)", headers: Self.navigation)
        #expect(response.status == 404, "\(path)")
        #expect(response.text.contains(#"<h1 id="link-problem">\#(heading)</h1>"#), "\(path): \(response.text)")
        #expect(response.text.contains(#"href="/documents/1""#) && !response.text.contains("# Secret"))
        #expect(response.header("content-security-policy")?.hasPrefix("default-src 'none'") == true)
        linked.stop()
        withExtendedLifetime(root) {}
        await harness.stop()
    }

    @Test("past the limit of documents opened on demand, a link says it cannot open")
    func limit() async throws {
        let (harness, root, linked) = try await setUp()
        for name in ["b.md", "sub/b.md"] {
            let response = try await LoopbackHTTP.get(port: harness.port, "/documents/1/files/\(name)?\(harness.query)", headers: Self.navigation)
            #expect(response.status == 303, "\(name)")
        }
        try root.write("docs/c.md", "# C\n")
        let refused = try await LoopbackHTTP.get(port: harness.port, "/documents/1/files/c.md?\(harness.query)", headers: Self.navigation)
        #expect(refused.status == 503 && refused.text.contains("Cannot open this document"))
        linked.stop()
        withExtendedLifetime(root) {}
        await harness.stop()
    }
}
