import Hummingbird
import HTTPTypes
import MarkdownRenderer

/// Links between documents on the live page: a link to a Markdown file inside a
/// document's folder opens that file's live preview (the server asks its
/// ``PreviewServer/LinkedDocumentOpener`` to open it, then redirects to its page; the
/// browser keeps the link's `#fragment` across the redirect, and the page scrolls to
/// it), and a link that reaches no file, or leaves the folder, gets a page that says
/// so. Only navigations (`Sec-Fetch-Dest: document`, or an `Accept` that asks for HTML)
/// are answered this way: an image or a script that loads a `.md` file still gets its
/// bytes.
enum LinkedDocuments {
    /// Whether `request` is a browser navigation (a click on a link, an address typed).
    static func isNavigation(_ request: Request) -> Bool {
        if let destination = request.headers[secFetchDest] { return destination == "document" }
        return request.headers[.accept]?.contains("text/html") == true
    }

    /// Whether `path` names a Markdown file (`.md`, `.markdown`, `.mdown`, `.mkd`, any case).
    static func isMarkdown(_ path: String) -> Bool {
        guard let name = path.split(separator: "/").last, let dot = name.lastIndex(of: ".") else { return false }
        return ["md", "markdown", "mdown", "mkd"].contains(name[name.index(after: dot)...].lowercased())
    }

    /// `303 See Other` to document `id`'s page.
    static func redirect(toDocument id: String) -> Response {
        Response(status: .seeOther, headers: [.location: "/documents/\(id)", .cacheControl: "no-store"])
    }

    /// A page that says why a link leads nowhere, with a way back to the document.
    static func page(status: HTTPResponse.Status, title: String, explanation: String, backTo id: String) -> Response {
        let html = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLPage.escape(title)) — mdpreview</title>
        <style>body { font: 16px/1.5 system-ui, sans-serif; max-width: 40em; margin: 4em auto; padding: 0 1em; color: #1f2328; }
        @media (prefers-color-scheme: dark) { body { background: #0d1117; color: #e6edf3; } a { color: #4493f8; } }
        code { font-size: 0.9em; }</style></head>
        <body><h1 id="link-problem">\(HTMLPage.escape(title))</h1><p>\(explanation)</p>
        <p><a id="back" href="/documents/\(HTMLPage.escape(id))">Back to the document</a></p></body></html>

        """
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                      .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html))
        )
    }

    private static let secFetchDest = HTTPField.Name("Sec-Fetch-Dest")!
}
