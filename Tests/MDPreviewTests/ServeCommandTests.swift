import Foundation
import MarkdownRenderer
import Testing
import TestSupport

/// `mdpreview serve FILE`: the printed URL, the page's HTML, and saves of the file
/// (rename over it, write in place) reaching the page; a missing file is an error.
@Suite("mdpreview serve")
struct ServeCommandTests {
    @Test("prints one URL with its token; saves by rename and in place reach the page; SIGTERM exits 0")
    func servesAndFollowsTheFile() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("notes.md")
        try Data("# First\n\nbody\n".utf8).write(to: file)

        let process = Process()
        process.executableURL = try Subprocess.builtProduct("mdpreview")
        process.arguments = ["serve", file.path]
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let line = try await Subprocess.firstLine(of: stdout.fileHandleForReading)
        let url = try #require(URLComponents(string: line))
        #expect(url.scheme == "http" && url.host == "127.0.0.1")
        let port = try #require(url.port)
        let token = try #require(url.queryItems?.first { $0.name == "token" }?.value)
        #expect(token.count == 64)

        func html() async throws -> String {
            try await LoopbackHTTP.get(port: port, "/api/documents/1/html?token=\(token)").text
        }
        // Follow the event stream while the file is saved two ways.
        let stream = try LoopbackConnection(port: port)
        try stream.write(Array("GET /api/documents/1/stream?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n\r\n".utf8))
        try await Self.readEvents(stream, until: "First")
        #expect(try await html() == MarkdownRenderer(options: RenderOptions(profile: .github)).render("# First\n\nbody\n"))
        let saves = ["# Second\n\nbody\n", "# Third\n\nbody\n"]
        let temporary = folder.appendingPathComponent(".notes.md.swp")
        try Data(saves[0].utf8).write(to: temporary)
        _ = rename(temporary.path, file.path)   // how editors save: a new file renamed over the old
        try await Self.readEvents(stream, until: "Second")
        #expect(try await html() == MarkdownRenderer(options: RenderOptions(profile: .github)).render(saves[0]))
        try Data(saves[1].utf8).write(to: file)   // in place
        try await Self.readEvents(stream, until: "Third")
        #expect(try await html() == MarkdownRenderer(options: RenderOptions(profile: .github)).render(saves[1]))
        try FileManager.default.removeItem(at: file)   // a delete keeps the last version
        #expect(try await html() == MarkdownRenderer(options: RenderOptions(profile: .github)).render(saves[1]))

        process.terminate()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
    }

    @Test("a missing file: exit 66 and the file named on stderr")
    func missingFile() throws {
        let result = try Subprocess.run(try Subprocess.builtProduct("mdpreview"), ["serve", "/nonexistent/notes.md"])
        #expect(result.status == 66)
        #expect(result.stderrText.contains("/nonexistent/notes.md"))
        #expect(result.stdout.isEmpty)
    }

    /// Reads stream frames until a patch carries `text`.
    private static func readEvents(_ stream: LoopbackConnection, until text: String) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread {
                do {
                    while let event = try stream.readEvent() {
                        if event.event == "patch", event.data?.contains(text) == true { continuation.resume(); return }
                    }
                    continuation.resume(throwing: LoopbackConnection.Failure(description: "the stream ended before \(text)"))
                } catch {
                    continuation.resume(throwing: error)
                }
            }.start()
        }
    }
}
