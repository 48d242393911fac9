import Foundation
import Testing
import TestSupport

/// Exports under load in a real `mdpreview serve`: many at once with many followers, and
/// the server's memory over a thousand of them.
@Suite("export load", .serialized)
struct ExportLoadTests {
    /// `mdpreview serve` of `root/notes.md`, exports allowed under `root`.
    final class Server: @unchecked Sendable {
        let process = Process()
        let port: Int
        let token: String

        init(root: String, arguments: [String] = []) async throws {
            try Data("# Notes\n".utf8).write(to: URL(fileURLWithPath: root + "/notes.md"))
            process.executableURL = try Subprocess.builtProduct("mdpreview")
            process.arguments = ["serve", root + "/notes.md", "--export-root", root] + arguments
            let stdout = Pipe()
            process.standardOutput = stdout
            process.standardError = FileHandle.nullDevice
            try process.run()
            let line = try await Subprocess.firstLine(of: stdout.fileHandleForReading)
            let url = try #require(URLComponents(string: line))
            port = try #require(url.port)
            token = try #require(url.queryItems?.first { $0.name == "token" }?.value)
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
        }

        /// Starts an export of `source` into `destination`; returns its id.
        func export(_ source: String, into destination: String) async throws -> String {
            let body = try JSONSerialization.data(withJSONObject: ["source": source, "destination": destination])
            let response = try await LoopbackHTTP.post(port: port, "/api/tasks/export?token=\(token)", body: Array(body))
            guard response.status == 202, let json = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any],
                  let id = json["id"] as? String else { throw LoopbackConnection.Failure(description: "export answered \(response.status): \(response.text)") }
            return id
        }

        /// Opens a connection following task `id`'s stream (the request is sent).
        func follow(_ id: String) throws -> LoopbackConnection {
            let connection = try LoopbackConnection(port: port, timeoutSeconds: 120)
            try connection.write(Array("GET /api/tasks/\(id)/stream?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8))
            return connection
        }

    }

    /// What one follower saw: the last event's name, the result's page count, how many events.
    struct Followed: Sendable {
        var last: String?
        var pages: Int?
        var events: Int
    }

    /// Reads every connection to the end of its stream, one after the other, on a thread of its own.
    static func readAll(_ connections: [LoopbackConnection]) async -> [Followed] {
        await withCheckedContinuation { continuation in
            Thread {
                continuation.resume(returning: connections.map { connection in
                    defer { connection.close() }
                    var followed = Followed(last: nil, pages: nil, events: 0)
                    while let event = try? connection.readEvent() {
                        followed.events += 1
                        followed.last = event.event
                        if event.event == "task_completed" || event.event == "task_failed" {
                            let json = event.data.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                            followed.pages = (json?["result"] as? [String: Any])?["pages"] as? Int
                        }
                    }
                    return followed
                })
            }.start()
        }
    }

    @Test("10 exports of a 250-file tree at once, 100 event-stream clients following them: every stream ends with task_completed, every site is complete")
    func concurrentExports() async throws {
        let folder = try TemporaryFolder()
        let pages = try MarkdownTree.write(250, into: folder, under: "root/docs")
        let server = try await Server(root: folder.path + "/root")
        var ids: [String] = []
        for index in 0 ..< 10 { ids.append(try await server.export("docs", into: "site\(index)")) }
        // 100 followers, 25 to a thread; each thread reads its streams one after the other,
        // so most of them are slow readers for a while.
        let connections = try (0 ..< 100).map { try server.follow(ids[$0 % 10]) }
        let followed = await withTaskGroup(of: [Followed].self) { group in
            for quarter in 0 ..< 4 { group.addTask { await Self.readAll(Array(connections[quarter * 25 ..< quarter * 25 + 25])) } }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(followed.count == 100)
        #expect(followed.allSatisfy { $0.last == "task_completed" && $0.pages == 250 }, "\(followed.filter { $0.last != "task_completed" })")
        for index in 0 ..< 10 {
            // Pages, assets and index: the highlighter and KaTeX (_mdpreview/) aside.
            let files = folder.files(under: "root/site\(index)").filter { !$0.hasPrefix("_mdpreview/") }
            #expect(files.count == pages.count + 25 + 2, "site\(index): \(files.count) files")
            #expect(files.contains("part24/page249.html") && files.contains("index.html"))
        }
        #expect(folder.entries(of: "root").filter { $0.hasPrefix(".") }.isEmpty, "no temporary folder left")
    }

    @Test("serve stopped by SIGTERM during an export: exit 0, the export's temporary folder removed, its worker gone, the destination untouched")
    func terminatedDuringExport() async throws {
        let folder = try TemporaryFolder()
        try folder.write("root/docs/a-slow.md", bytes: Array(HostileMarkdown.quadraticInlines(repetitions: 100_000).utf8))
        let server = try await Server(root: folder.path + "/root", arguments: ["--render-timeout-ms", "120000", "--render-ms-per-kib", "0"])
        let pid = server.process.processIdentifier
        _ = try await server.export("docs", into: "site")
        #expect(await offThread { ProcessTable.eventually(within: .seconds(30)) { !ProcessTable.renderWorkers(startedBy: pid).isEmpty } })
        #expect(folder.entries(of: "root").contains { $0.hasPrefix(".site.mdpreview-") }, "the export is writing beside the destination")
        kill(pid, SIGTERM)
        await offThread { server.process.waitUntilExit() }
        #expect(server.process.terminationReason == .exit && server.process.terminationStatus == 0)
        #expect(folder.entries(of: "root") == ["docs", "notes.md"])
        #expect(ProcessTable.renderWorkers(startedBy: pid).isEmpty)
    }
}
