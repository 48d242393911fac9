import Foundation
import Testing
import TestSupport

/// The task routes behind the server's checks, and the confinement of exports.
@Suite("task routes: security")
struct TaskSecurityTests {
    @Test("every task route needs the token (401) and refuses a foreign Origin (403)")
    func tokenAndOrigin() async throws {
        let harness = try await TaskServerHarness()
        let (_, json) = try await harness.export()
        let id = try #require(json["id"] as? String)
        _ = await harness.tasks.finalStatus(of: id)
        let body = Array(#"{"source":"docs","destination":"other"}"#.utf8)
        let requests = [
            ("POST", "/api/tasks/export"), ("GET", "/api/tasks"), ("GET", "/api/tasks/\(id)"),
            ("GET", "/api/tasks/\(id)/stream"), ("DELETE", "/api/tasks/\(id)"),
        ]
        for (method, path) in requests {
            for (extra, expected) in [("", 401), ("?token=wrong", 401), ("?\(harness.query)\r\nOrigin: https://evil.example", 403),
                                      ("?\(harness.query)\r\nOrigin: http://127.0.0.1:1", 403), ("?\(harness.query)\r\nSec-Fetch-Site: cross-site", 403)] {
                let head = "\(method) \(path)\(extra)\r\nHost: 127.0.0.1:\(harness.port)\r\nConnection: close\r\nContent-Length: \(method == "POST" ? body.count : 0)\r\n\r\n"
                let line = head.replacingOccurrences(of: "\(path)\(extra)\r\n", with: "\(path)\(extra.components(separatedBy: "\r\n")[0]) HTTP/1.1\r\n" + extra.components(separatedBy: "\r\n").dropFirst().map { $0 + "\r\n" }.joined())
                let response = try await LoopbackHTTP.send(port: harness.port, line, body: method == "POST" ? body : [])
                #expect(response.status == expected, "\(method) \(path) \(extra): \(response.status)")
            }
        }
        #expect(harness.folder.entries(of: "root") == ["docs", "site"], "no refused request exported anything")
        #expect(try await LoopbackHTTP.get(port: harness.port, "/api/tasks?\(harness.query)", host: "evil.example:\(harness.port)").status == 403)
        await harness.stop()
    }

    @Test("traversal in source and destination: refused with 403 or 400 and a reason; nothing is written")
    func traversal() async throws {
        let harness = try await TaskServerHarness()
        let outside = try TemporaryFolder()
        try outside.write("secret.md", "# Secret\n")
        try FileManager.default.createSymbolicLink(atPath: harness.root + "/out-link", withDestinationPath: outside.path)
        try harness.folder.write("root/mine/keep.txt", "user data")
        let attempts: [(String, String, Int)] = [
            ("../", "site", 403), ("..", "site", 403), ("docs/../..", "site", 403), (outside.path, "site", 403), ("out-link", "site", 403),
            ("/etc", "site", 403), ("docs", "../site", 403), ("docs", "/tmp/site", 403), ("docs", "out-link/site", 403),
            ("docs", outside.path + "/site", 403), ("docs", "docs/site", 400), ("docs", "docs", 400), ("docs", "..", 400),
            ("docs", ".", 400), ("docs", "mine", 400), ("docs", "out-link", 400), ("missing", "site", 400), ("docs", "", 400),
            ("docs\u{0}", "site", 400), ("docs", "%2e%2e/site", 400),
        ]
        for (source, destination, expected) in attempts {
            let (response, json) = try await harness.export(source: source, destination: destination)
            #expect(response.status == expected, "\(source) → \(destination): \(response.status) \(json)")
            #expect((json["error"] as? String)?.isEmpty == false)
        }
        #expect(harness.folder.entries(of: "root") == ["docs", "mine", "out-link"])
        #expect(harness.folder.read("root/mine/keep.txt") == "user data")
        #expect(outside.entries() == ["secret.md"])
        for body in ["not json", #"{"source":"docs"}"#, #"{"source":1,"destination":"x"}"#] {
            let response = try await LoopbackHTTP.post(port: harness.port, "/api/tasks/export?\(harness.query)", body: Array(body.utf8))
            #expect(response.status == 400, "\(body)")
        }
        let large = try await LoopbackHTTP.post(port: harness.port, "/api/tasks/export?\(harness.query)", body: Array(repeating: 0x20, count: 70_000))
        #expect(large.status == 413)
        await harness.stop()
    }

    @Test("a server without export folders refuses exports (403)")
    func noRoots() async throws {
        let harness = try await TaskServerHarness(exportRoots: [])
        let (response, json) = try await harness.export()
        #expect(response.status == 403 && (json["error"] as? String)?.contains("no export folders") == true)
        await harness.stop()
    }
}
