import Testing
import TestSupport

/// Token, Host, Origin, CSP and body limits, on every route.
@Suite("preview server security")
struct ServerSecurityTests {
    static let apiRoutes = ["/api/documents", "/api/documents/1/html", "/api/documents/1/stream", "/documents/1/files/a.png", "/assets/highlight.js", "/nope"]

    @Test("every route but the pages answers 401 without the token, or with a wrong one")
    func token() async throws {
        let harness = try await LivePreviewHarness()
        try await harness.open("a.md", text: "# A\n")
        for path in Self.apiRoutes {
            #expect(try await LoopbackHTTP.get(port: harness.port, path).status == 401, "\(path)")
            #expect(try await LoopbackHTTP.get(port: harness.port, path + "?token=wrong").status == 401, "\(path)")
            #expect(try await LoopbackHTTP.get(port: harness.port, path, headers: ["Authorization: Bearer \(harness.token.value)x"]).status == 401, "\(path)")
            #expect(try await LoopbackHTTP.get(port: harness.port, path, headers: ["Cookie: mdpreview_token_1=\(harness.token.value)"]).status == 401, "\(path)")
        }
        let post = try await LoopbackHTTP.post(port: harness.port, "/api/documents/1/reveal", body: Array(#"{"line":1}"#.utf8))
        #expect(post.status == 401)
        #expect(harness.reveals.withLock { $0.isEmpty })
        await harness.stop()
    }

    @Test("a Host that is not this server on loopback is refused on every route (DNS rebinding)")
    func host() async throws {
        let harness = try await LivePreviewHarness()
        try await harness.open("a.md", text: "# A\n")
        let port = harness.port
        for host in ["evil.example:\(port)", "127.0.0.1:\(port + 1)", "127.0.0.1", "localhost.evil.example:\(port)", "0.0.0.0:\(port)", "127.0.0.2:\(port)"] {
            for path in ["/", "/documents/1"] + Self.apiRoutes {
                let response = try await LoopbackHTTP.get(port: port, path + "?\(harness.query)", host: host)
                #expect(response.status == 403, "\(host) \(path)")
            }
        }
        for host in ["127.0.0.1:\(port)", "localhost:\(port)", "LOCALHOST:\(port)", "[::1]:\(port)"] {
            #expect(try await LoopbackHTTP.get(port: port, "/api/documents?\(harness.query)", host: host).status == 200, "\(host)")
        }
        await harness.stop()
    }

    @Test("a foreign Origin or a cross-site fetch is refused; this server's own Origin is let through")
    func origin() async throws {
        let harness = try await LivePreviewHarness()
        try await harness.open("a.md", text: "# A\n")
        let port = harness.port
        for origin in ["http://evil.example", "null", "http://127.0.0.1:\(port + 1)", "https://127.0.0.1:\(port)", "http://127.0.0.1:\(port).evil.example"] {
            for path in ["/", "/api/documents"] {
                let response = try await LoopbackHTTP.get(port: port, path + "?\(harness.query)", headers: ["Origin: \(origin)"])
                #expect(response.status == 403, "\(origin) \(path)")
            }
            let post = try await LoopbackHTTP.post(port: port, "/api/documents/1/reveal?\(harness.query)", body: Array(#"{"line":1}"#.utf8), headers: ["Origin: \(origin)"])
            #expect(post.status == 403, "\(origin)")
        }
        #expect(try await LoopbackHTTP.get(port: port, "/api/documents?\(harness.query)", headers: ["Sec-Fetch-Site: cross-site"]).status == 403)
        #expect(try await LoopbackHTTP.get(port: port, "/api/documents?\(harness.query)", headers: ["Origin: http://127.0.0.1:\(port)"]).status == 200)
        #expect(harness.reveals.withLock { $0.isEmpty })
        await harness.stop()
    }

    @Test("the page's CSP allows only scripts with its nonce, and every script tag has it; other responses forbid everything")
    func contentSecurityPolicy() async throws {
        let harness = try await LivePreviewHarness()
        let first = try await LoopbackHTTP.get(port: harness.port, "/")
        let second = try await LoopbackHTTP.get(port: harness.port, "/")
        let csp = try #require(first.header("content-security-policy"))
        let nonce = try #require(csp.split(separator: ";").first { $0.contains("script-src") }?.split(separator: "'").dropFirst().first)
        #expect(nonce.hasPrefix("nonce-") && nonce.count > 20)
        #expect(csp.contains("default-src 'none'"))
        // Scripts and style elements need the nonce; only style attributes are inline (KaTeX's).
        let directives = csp.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(directives.filter { $0.contains("unsafe-inline") } == ["style-src-attr 'unsafe-inline'"])
        #expect(!csp.contains("unsafe-eval"))
        #expect(second.header("content-security-policy") != csp, "a fresh nonce per response")
        let scripts = first.text.components(separatedBy: "<script").dropFirst()
        #expect(!scripts.isEmpty)
        for script in scripts { #expect(script.hasPrefix(" \(nonce.replacingOccurrences(of: "nonce-", with: "nonce=\""))")) }
        #expect(first.header("x-content-type-options") == "nosniff")
        let api = try await LoopbackHTTP.get(port: harness.port, "/api/documents?\(harness.query)")
        #expect(api.header("content-security-policy") == "default-src 'none'; frame-ancestors 'none'")
        let refused = try await LoopbackHTTP.get(port: harness.port, "/api/documents")
        #expect(refused.header("content-security-policy") == "default-src 'none'; frame-ancestors 'none'")
        await harness.stop()
    }

    @Test("an oversized body is refused with 413, declared or chunked, and never reaches the editor")
    func oversizedBodies() async throws {
        let harness = try await LivePreviewHarness(maxBody: 1024)
        try await harness.open("a.md", text: "# A\n")
        let big = Array((#"{"line":1,"pad":""# + String(repeating: "x", count: 4096) + #""}"#).utf8)
        let declared = try await LoopbackHTTP.post(port: harness.port, "/api/documents/1/reveal?\(harness.query)", body: big)
        #expect(declared.status == 413)
        var chunked = "POST /api/documents/1/reveal?\(harness.query) HTTP/1.1\r\nHost: 127.0.0.1:\(harness.port)\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
        for start in stride(from: 0, to: big.count, by: 512) {
            let piece = big[start ..< min(start + 512, big.count)]
            chunked += String(piece.count, radix: 16) + "\r\n" + String(decoding: piece, as: UTF8.self) + "\r\n"
        }
        chunked += "0\r\n\r\n"
        let streamed = try await LoopbackHTTP.send(port: harness.port, chunked)
        #expect(streamed.status == 413)
        #expect(harness.reveals.withLock { $0.isEmpty })
        await harness.stop()
    }
}
