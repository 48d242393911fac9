import Foundation
import Testing
import TestSupport

/// `/documents/{id}/files/…` serves files under the document's folder and nothing else.
@Suite("preview server files")
struct PathTraversalTests {
    /// A document folder `docs` beside a secret, with a link out of it and a hidden file.
    private func setUp() async throws -> (LivePreviewHarness, TemporaryFolder) {
        let root = try TemporaryFolder()
        try root.write("secret.txt", "SECRET")
        try root.write("docs/notes.md", "# Notes\n")
        try root.write("docs/img/a.png", "PNGDATA")
        try root.write("docs/my file é.txt", "SPACED")
        try root.write("docs/page.html", "<script>alert(1)</script>")
        try root.write("docs/app.js", "alert(1)")
        try root.write("docs/clip.webm", "WEBM")
        try root.write("docs/font.woff2", "WOFF2")
        try root.write("docs/.env", "HIDDEN")
        try root.write("docs/.git/config", "HIDDEN")
        try FileManager.default.createSymbolicLink(atPath: root.path + "/docs/link.txt", withDestinationPath: root.path + "/secret.txt")
        try FileManager.default.createSymbolicLink(atPath: root.path + "/docs/up", withDestinationPath: root.path)
        try FileManager.default.createSymbolicLink(atPath: root.path + "/docs/inside.png", withDestinationPath: root.path + "/docs/img/a.png")
        let harness = try await LivePreviewHarness()
        try await harness.open("notes.md", text: "![a](img/a.png)\n", folder: root.path + "/docs")
        return (harness, root)
    }

    @Test("files under the folder are served with their media type (HTML and scripts as octet-stream), also through a symlink that stays inside")
    func served() async throws {
        let (harness, root) = try await setUp()
        for (path, body, type) in [("img/a.png", "PNGDATA", "image/png"), ("my%20file%20%C3%A9.txt", "SPACED", "text/plain; charset=utf-8"),
                                   ("inside.png", "PNGDATA", "image/png"), ("notes.md", "# Notes\n", "text/plain; charset=utf-8"),
                                   ("clip.webm", "WEBM", "video/webm"), ("font.woff2", "WOFF2", "font/woff2"),
                                   // HTML and scripts beside a document are data, never pages or scripts of this origin
                                   ("page.html", "<script>alert(1)</script>", "application/octet-stream"), ("app.js", "alert(1)", "application/octet-stream")] {
            let response = try await LoopbackHTTP.get(port: harness.port, "/documents/1/files/\(path)?\(harness.query)")
            #expect(response.status == 200, "\(path)")
            #expect(response.text == body, "\(path)")
            #expect(response.header("content-type") == type, "\(path)")
            #expect(response.header("content-security-policy") == "default-src 'none'; frame-ancestors 'none'")
        }
        withExtendedLifetime(root) {}
        await harness.stop()
    }

    static let attempts = [
        "../secret.txt", "..%2Fsecret.txt", "..%2fsecret.txt", "%2e%2e/secret.txt", "%2E%2E/secret.txt", "%2e%2e%2fsecret.txt",
        "img/../../secret.txt", "img/%2e%2e/%2e%2e/secret.txt", "./img/a.png", "img/./a.png", ".env", ".git/config", "%2eenv",
        "link.txt", "up/secret.txt", "up/../secret.txt", "..%5Csecret.txt", "..\\secret.txt", "%252e%252e/secret.txt",
        "%c0%ae%c0%ae/secret.txt", "img%2F..%2F..%2Fsecret.txt", "img//a.png", "", "img", "img/", "%00", "img/a.png%00.txt",
        "nonexistent.png", "....//secret.txt", "%", "%zz", "/etc/passwd", "//etc/passwd", "..;/secret.txt",
    ]

    @Test("traversal, encoded dots, hidden names, symlinks out of the folder and malformed escapes are 404", arguments: attempts)
    func refused(_ attempt: String) async throws {
        let (harness, root) = try await setUp()
        let response = try await LoopbackHTTP.get(port: harness.port, "/documents/1/files/\(attempt)?\(harness.query)")
        #expect(response.status == 404 || response.status == 400, "\(attempt) → \(response.status)")
        #expect(!response.text.contains("SECRET") && !response.text.contains("HIDDEN"))
        withExtendedLifetime(root) {}
        await harness.stop()
    }

    @Test("a document opened without a folder serves no files")
    func noFolder() async throws {
        let harness = try await LivePreviewHarness()
        try await harness.open("stdin", text: "x\n")
        #expect(try await LoopbackHTTP.get(port: harness.port, "/documents/1/files/a.png?\(harness.query)").status == 404)
        await harness.stop()
    }
}
