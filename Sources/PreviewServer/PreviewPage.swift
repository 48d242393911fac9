import MarkdownRenderer

/// The HTML of the live preview page: the preview style, highlight.js when available,
/// the page script and the parts additions bring (the task panel), with a Content-Security-Policy that lets only the page's own
/// scripts run (a per-response nonce).
///
/// The page carries no document content: the script fetches the document list and
/// follows the event stream, both of which need the token.
enum PreviewPage {
    /// The page for document `documentID`, or for the first open document when nil, with `parts`.
    static func html(documentID: String?, highlight: Bool, katex: Bool, nonce: String, parts: [PagePart]) -> String {
        var headTags = Favicon.link
        headTags += highlight
            ? "<link rel=\"stylesheet\" href=\"/assets/highlight.css\">\n<script nonce=\"\(nonce)\" src=\"/assets/highlight.js\"></script>\n"
            : ""
        if katex {
            headTags += "<link rel=\"stylesheet\" href=\"/assets/katex/katex.min.css\">\n<script nonce=\"\(nonce)\" src=\"/assets/katex/katex.min.js\"></script>\n"
        }
        return HTMLPage.document(
            title: "mdpreview", styleNonce: nonce, extraStyle: "\n\(statusStyle)" + parts.map { "\n" + $0.style }.joined(), extraHead: headTags,
            body: """
            <main class="markdown-body" id="preview" data-document="\(HTMLPage.escape(documentID ?? ""))"></main>
            <div id="preview-status" data-kind="waiting" role="status" aria-live="polite">connecting…</div>
            \(parts.map { $0.element + "\n" }.joined())<script nonce="\(nonce)">
            \(PageScript.patch)</script>
            <script nonce="\(nonce)">
            \(PageScript.page)</script>
            \(parts.map { "<script nonce=\"\(nonce)\">\n\($0.script)\n</script>\n" }.joined())
            """
        )
    }

    /// The page's Content-Security-Policy: scripts and style elements only with the
    /// nonce (style attributes are allowed: KaTeX positions glyphs with them); images,
    /// media and frames (raw HTML embeds) from this server or https.
    static func contentSecurityPolicy(nonce: String) -> String {
        [
            "default-src 'none'",
            "script-src 'nonce-\(nonce)'",
            "style-src 'self' 'nonce-\(nonce)'",
            "style-src-attr 'unsafe-inline'",
            "img-src 'self' https: data:",
            "media-src 'self' https:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "frame-src 'self' https:",
            "base-uri 'self'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }

    private static let statusStyle = """
    #preview-status { position: fixed; right: 0.75em; bottom: 0.75em; font: 12px/1.4 system-ui, sans-serif; padding: 0.2em 0.6em; border-radius: 1em; background: var(--code-bg); color: var(--muted); border: 1px solid var(--border); opacity: 0.85; }
    #preview-status[data-kind="live"] { opacity: 0; transition: opacity 1.5s ease 1s; }
    #preview-status[data-kind="closed"] { color: #d1242f; }
    """
}
