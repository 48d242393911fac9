import Foundation
import Testing
import TestSupport

/// Every route of the preview server, with the token.
@Suite("preview server routes")
struct ServerRoutesTests {
    @Test("the pages need no token and carry no document content; the token in the query sets the cookie")
    func pages() async throws {
        let harness = try await LivePreviewHarness()
        try await harness.open("notes.md", text: "# Secret heading\n")
        let root = try await LoopbackHTTP.get(port: harness.port, "/")
        #expect(root.status == 200)
        #expect(root.header("content-type") == "text/html; charset=utf-8")
        #expect(!root.text.contains("Secret heading"))
        #expect(root.header("set-cookie") == nil)
        let page = try await LoopbackHTTP.get(port: harness.port, "/documents/1?\(harness.query)")
        #expect(page.status == 200)
        #expect(page.text.contains("data-document=\"1\""))
        let cookie = try #require(page.header("set-cookie"))
        #expect(cookie.hasPrefix("mdpreview_token_\(harness.port)=\(harness.token.value);"))
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        #expect(try await LoopbackHTTP.get(port: harness.port, "/documents/7?\(harness.query)").status == 404)
        await harness.stop()
    }

    @Test("the page links its icon, which is SVG at /favicon.svg and /favicon.ico, without the token")
    func favicon() async throws {
        let harness = try await LivePreviewHarness()
        try await harness.open("notes.md", text: "# A\n")
        let page = try await LoopbackHTTP.get(port: harness.port, "/")
        #expect(page.text.contains("<link rel=\"icon\" type=\"image/svg+xml\" href=\"/favicon.svg\">"))
        for path in ["/favicon.svg", "/favicon.ico"] {
            let icon = try await LoopbackHTTP.get(port: harness.port, path)
            #expect(icon.status == 200, "\(path)")
            #expect(icon.header("content-type") == "image/svg+xml")
            #expect(icon.text.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && icon.text.hasSuffix("</svg>"))
        }
        #expect(try await LoopbackHTTP.get(port: harness.port, "/favicon.png").status == 401, "other paths still need the token")
        await harness.stop()
    }

    @Test("the document list, the whole HTML, and the token as query, bearer header or cookie")
    func api() async throws {
        let harness = try await LivePreviewHarness()
        try await harness.open("/home/u/notes.md", text: "# One\n\ntext\n")
        let list = try await LoopbackHTTP.get(port: harness.port, "/api/documents?\(harness.query)")
        #expect(list.status == 200)
        #expect(list.header("content-type") == "application/json; charset=utf-8")
        #expect(list.header("cache-control") == "no-store")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(list.body)) as? [String: Any])
        let documents = try #require(json["documents"] as? [[String: Any]])
        #expect(documents.count == 1)
        #expect(documents[0]["id"] as? String == "1")
        #expect(documents[0]["name"] as? String == "/home/u/notes.md")
        #expect(documents[0]["title"] as? String == "notes.md")
        #expect(documents[0]["stream"] as? String == "/api/documents/1/stream")
        for headers in [["Authorization: Bearer \(harness.token.value)"], ["Cookie: mdpreview_token_\(harness.port)=\(harness.token.value)"]] {
            let html = try await LoopbackHTTP.get(port: harness.port, "/api/documents/1/html", headers: headers)
            #expect(html.status == 200)
            #expect(html.text == (try harness.fullRender(of: "/home/u/notes.md")))
        }
        #expect(try await LoopbackHTTP.get(port: harness.port, "/api/documents/2/html?\(harness.query)").status == 404)
        await harness.stop()
    }

    @Test("reveal: a page's request reaches the editor's callback; a bad body is refused")
    func reveal() async throws {
        let harness = try await LivePreviewHarness()
        try await harness.open("a.md", text: "# A\n")
        let good = try await LoopbackHTTP.post(port: harness.port, "/api/documents/1/reveal?\(harness.query)", body: Array(#"{"line":4}"#.utf8))
        #expect(good.status == 204)
        #expect(harness.reveals.withLock { $0.map { "\($0.name):\($0.line)" } } == ["a.md:4"])
        for body in [#"{"line":-1}"#, "not json", #"{"row":2}"#] {
            let bad = try await LoopbackHTTP.post(port: harness.port, "/api/documents/1/reveal?\(harness.query)", body: Array(body.utf8))
            #expect(bad.status == 400, "\(body)")
        }
        #expect(harness.reveals.withLock { $0.count } == 1)
        await harness.stop()
    }

    @Test("assets: highlight.js from its configured path, 404 when it is missing")
    func assets() async throws {
        let folder = try TemporaryFolder()
        let script = folder.path + "/hl.js"
        try Data("window.hljs = {};".utf8).write(to: URL(fileURLWithPath: script))
        let harness = try await LivePreviewHarness(highlightScript: script)
        let served = try await LoopbackHTTP.get(port: harness.port, "/assets/highlight.js?\(harness.query)")
        #expect(served.status == 200)
        #expect(served.text == "window.hljs = {};")
        #expect(served.header("content-type") == "text/javascript; charset=utf-8")
        let page = try await LoopbackHTTP.get(port: harness.port, "/")
        #expect(page.text.contains("src=\"/assets/highlight.js\""))
        await harness.stop()
        let without = try await LivePreviewHarness()
        #expect(try await LoopbackHTTP.get(port: without.port, "/assets/highlight.js?\(without.query)").status == 404)
        #expect(!(try await LoopbackHTTP.get(port: without.port, "/")).text.contains("highlight.js"))
        await without.stop()
    }

    @Test("unknown routes and methods are 404 (with the token), with the security headers")
    func unknown() async throws {
        let harness = try await LivePreviewHarness()
        for path in ["/nope", "/api", "/api/documents/1/nope", "/assets/other.js", "/favicon.png", "/documents/1/files"] {
            #expect(try await LoopbackHTTP.get(port: harness.port, path + "?\(harness.query)").status == 404, "\(path)")
        }
        let missing = try await LoopbackHTTP.get(port: harness.port, "/api/documents/9/html?\(harness.query)")
        #expect(missing.header("x-content-type-options") == "nosniff", "a route's thrown 404 gets the guard's headers")
        #expect(missing.header("cache-control") == "no-store")
        let delete = try await LoopbackHTTP.send(port: harness.port, "DELETE /api/documents?\(harness.query) HTTP/1.1\r\nHost: 127.0.0.1:\(harness.port)\r\nConnection: close\r\n\r\n")
        #expect([404, 405].contains(delete.status))
        await harness.stop()
    }

    @Test("a server without additions has no task routes and no task panel; the TaskRoutes addition brings both")
    func additions() async throws {
        let bare = try await LivePreviewHarness()
        #expect(try await LoopbackHTTP.get(port: bare.port, "/api/tasks?\(bare.query)").status == 404)
        #expect(!(try await LoopbackHTTP.get(port: bare.port, "/").text.contains("id=\"tasks\"")))
        await bare.stop()
        let withTasks = try await TaskServerHarness()
        let tasks = try await LoopbackHTTP.get(port: withTasks.port, "/api/tasks?\(withTasks.query)")
        #expect(tasks.status == 200)
        #expect(tasks.text == "{\"tasks\":[]}")
        let page = try await LoopbackHTTP.get(port: withTasks.port, "/").text
        #expect(page.contains("<aside id=\"tasks\" hidden"))
        #expect(page.contains("window.previewTasks"))
        await withTasks.stop()
    }
}
