import Foundation
import Hummingbird
import MarkdownRenderer

/// The routes (every one behind ``RequestGuard``):
///
/// | route | what |
/// |---|---|
/// | `GET /` | the page of the first open document (no token needed) |
/// | `GET /documents/{id}` | the page of document `id` (no token needed) |
/// | `GET /documents/{id}/files/{path}` | a file under the document's folder; a navigation to a Markdown file opens its preview (``LinkedDocuments``) |
/// | `GET /documents/{id}/{path}` | a navigation out of the folder: a page that says so |
/// | `GET /api/documents` | the open documents, as JSON |
/// | `GET /api/documents/{id}/html` | the whole HTML the page shows |
/// | `GET /api/documents/{id}/stream` | the document's event stream (SSE) |
/// | `POST /api/documents/{id}/reveal` | `{"line":N}`: ask the editor to show line N |
/// | `GET /assets/highlight.js`, `/assets/highlight.css` | the code highlighter |
/// | `GET /assets/katex/{katex.min.js, katex.min.css, fonts/NAME}` | the math typesetter |
/// | `GET /favicon.svg`, `/favicon.ico` | the page's icon (no token needed) |
extension PreviewServer {
    func addRoutes(to router: Router<PreviewRequestContext>) {
        router.get("/") { request, _ in self.page(for: nil, request: request) }
        router.get("/documents/:id") { request, context in
            guard let feed = self.registry.feed(id: try context.parameters.require("id")) else { throw HTTPError(.notFound) }
            return self.page(for: feed.id, request: request)
        }
        router.get("/documents/:id/files/**") { request, context in
            try self.file(request: request, context: context)
        }
        // A relative link that climbed out of the files folder (`../x.md`).
        router.get("/documents/:id/**") { request, context in
            let feed = try self.feed(context)
            guard LinkedDocuments.isNavigation(request) else { throw HTTPError(.notFound) }
            return LinkedDocuments.page(
                status: .notFound, title: "Outside the document’s folder",
                explanation: "This link leads out of the folder of “\(HTMLPage.escape(feed.title))”. The preview opens only files inside it.", backTo: feed.id
            )
        }
        router.get("/api/documents") { _, _ in self.documentList() }
        router.get("/api/documents/:id/html") { _, context in
            let feed = try self.feed(context)
            return Response(status: .ok, headers: [.contentType: MediaType.textHtml.utf8],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: feed.html)))
        }
        router.get("/api/documents/:id/stream") { request, context in
            EventStream.response(for: try self.feed(context), request: request, lifetime: self.configuration.streamLifetime, clock: self.configuration.clock)
        }
        router.post("/api/documents/:id/reveal") { request, context in
            let feed = try self.feed(context)
            var request = request
            guard let reveal = try await request.decodeJSON(RevealRequest.self, limit: self.configuration.maxRequestBodyBytes, context: context),
                  reveal.line >= 0 else {
                return Response.plainText("expected {\"line\": N} with N ≥ 0\n", status: .badRequest)
            }
            self.reveal(feed.name, reveal.line)
            return Response(status: .noContent)
        }
        for path in Favicon.paths {
            router.get(RouterPath(path)) { _, _ in Favicon.response }
        }
        router.get("/assets/highlight.js") { _, _ in
            guard let script = FileManager.default.contents(atPath: self.configuration.highlightScriptPath) else { throw HTTPError(.notFound) }
            return Response(status: .ok, headers: [.contentType: MediaType.textJavascript.utf8, .cacheControl: "max-age=3600"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: script)))
        }
        router.get("/assets/highlight.css") { _, _ in
            let styles = self.configuration.highlightStylesFolder
            guard let css = HTMLPage.highlightStyleSheet(folder: styles, read: { FileManager.default.contents(atPath: $0).map(Array.init) })
            else { throw HTTPError(.notFound) }
            return Response(status: .ok, headers: [.contentType: MediaType.textCss.utf8, .cacheControl: "max-age=3600"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: css)))
        }
        router.get("/assets/katex/**") { _, context in
            guard let (data, type) = KaTeXAssets(folder: self.configuration.katexFolder).file(context.parameters.getCatchAll().joined(separator: "/"))
            else { throw HTTPError(.notFound) }
            return Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=86400"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    private func feed(_ context: PreviewRequestContext) throws -> DocumentFeed {
        guard let feed = registry.feed(id: try context.parameters.require("id")) else { throw HTTPError(.notFound) }
        return feed
    }

    /// A page, with a fresh nonce; a valid `token` query parameter also sets the cookie
    /// that lets the page's images, files and streams through.
    private func page(for documentID: String?, request: Request) -> Response {
        let nonce = AccessToken().value.prefix(32)
        let highlight = FileManager.default.fileExists(atPath: configuration.highlightScriptPath)
        let katex = KaTeXAssets(folder: configuration.katexFolder).isAvailable
        let html = PreviewPage.html(documentID: documentID, highlight: highlight, katex: katex, nonce: String(nonce), parts: additions.map(\.page))
        var response = Response(
            status: .ok,
            headers: [
                .contentType: MediaType.textHtml.utf8,
                .contentSecurityPolicy: PreviewPage.contentSecurityPolicy(nonce: String(nonce)),
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html))
        )
        if let token = request.uri.queryParameters.get("token"), configuration.token.matches(token) {
            response.headers[.setCookie] = "\(RequestGuard<PreviewRequestContext>.cookieName(port: port.value))=\(configuration.token.value); Path=/; HttpOnly; SameSite=Strict"
        }
        return response
    }

    private func documentList() -> DocumentList {
        let documents = registry.documents.map { feed in
            DocumentSummary(
                id: feed.id, name: feed.name, title: feed.title,
                version: feed.version, rawHTML: feed.rawHTML, page: "/documents/\(feed.id)", stream: "/api/documents/\(feed.id)/stream"
            )
        }
        return DocumentList(documents: documents)
    }

    private func file(request: Request, context: PreviewRequestContext) throws -> Response {
        let feed = try feed(context)
        let prefix = "/documents/\(feed.id)/files/"
        let path = request.uri.path
        let navigates = LinkedDocuments.isNavigation(request)
        guard let folder = feed.folder, path.hasPrefix(prefix),
              let real = DocumentFiles.resolve(path.dropFirst(prefix.count), in: folder)
        else {
            guard navigates else { throw HTTPError(.notFound) }
            let name = HTMLPage.escape(String(path.dropFirst(prefix.count)).removingPercentEncoding ?? String(path.dropFirst(prefix.count)))
            return LinkedDocuments.page(
                status: .notFound, title: "No such file",
                explanation: "<code>\(name)</code> is not a file in the folder of “\(HTMLPage.escape(feed.title))” (hidden files and links out of the folder are not served).",
                backTo: feed.id
            )
        }
        if navigates && LinkedDocuments.isMarkdown(real) {
            if let name = linkedDocumentOpener.withLock({ $0 })?(real), let linked = registry.feed(named: name) {
                return LinkedDocuments.redirect(toDocument: linked.id)
            }
            return LinkedDocuments.page(
                status: .serviceUnavailable, title: "Cannot open this document",
                explanation: "<code>\(HTMLPage.escape(real))</code> could not be opened for preview (unreadable, or too many documents open).", backTo: feed.id
            )
        }
        guard let contents = FileManager.default.contents(atPath: real) else { throw HTTPError(.notFound) }
        return Response(status: .ok, headers: [.contentType: DocumentFiles.mediaType(of: real), .cacheControl: "no-cache"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: contents)))
    }
}

/// `GET /api/documents`: `{"documents":[…]}`.
struct DocumentList: Codable, ResponseEncodable {
    var documents: [DocumentSummary]
}

/// One open document: its id, the editor's name for it, a title, the version shown
/// (null before the first render), whether it keeps raw HTML, and its routes.
struct DocumentSummary: Codable {
    var id: String
    var name: String
    var title: String
    var version: UInt64?
    var rawHTML: Bool
    var page: String
    var stream: String

    enum CodingKeys: String, CodingKey {
        case id, name, title, version, rawHTML = "raw_html", page, stream
    }
}

/// `POST /api/documents/{id}/reveal`'s body.
struct RevealRequest: Codable {
    var line: Int
}
