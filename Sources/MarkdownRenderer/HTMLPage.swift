/// A standalone HTML page around a rendered fragment, with readable default CSS (light
/// and dark, following the system): what `mdpreview render --page` writes, and the
/// style of the live preview page.
public enum HTMLPage {
    /// The page for `body`, titled `title` (escaped), with `extraHead` in its head.
    public static func wrap(body: String, title: String, extraHead: String = "") -> String {
        document(title: title, extraHead: extraHead, body: "<main class=\"markdown-body\">\n\(body)</main>\n")
    }

    /// A whole HTML document with the page's head: doctype, charset, viewport, generator,
    /// `title` (escaped), and one `<style>` (with `styleNonce`, for a Content-Security-Policy)
    /// holding ``stylesheet`` then `extraStyle`; `extraHead` before `</head>`, then `body`.
    public static func document(title: String, styleNonce: String? = nil, extraStyle: String = "", extraHead: String = "", body: String) -> String {
        let nonce = styleNonce.map { " nonce=\"\($0)\"" } ?? ""
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="mdpreview">
        <title>\(escape(title))</title>
        <style\(nonce)>
        \(stylesheet)\(extraStyle)
        </style>
        \(extraHead)</head>
        <body>
        \(body)</body>
        </html>

        """
    }

    /// The title of a fragment: its front matter's `title`, else the text of its first
    /// heading with tags removed, or nil.
    public static func title(from html: String) -> String? {
        // The github profile's front matter table, first in the fragment, names it.
        if html.hasPrefix(#"<table class="front-matter""#), let tag = html.firstRange(of: ">"),
           let attribute = html[..<tag.lowerBound].firstRange(of: #" data-title=""#),
           let end = html[attribute.upperBound ..< tag.lowerBound].firstIndex(of: "\"") {
            return unescape(String(html[attribute.upperBound ..< end]))
        }
        guard let open = html.firstRange(of: "<h1"), let start = html[open.upperBound...].firstIndex(of: ">"),
              let close = html[start...].firstRange(of: "</h1>")
        else { return nil }
        var text = ""
        var inTag = false
        for character in html[html.index(after: start)..<close.lowerBound] {
            if character == "<" { inTag = true } else if character == ">" { inTag = false } else if !inTag { text.append(character) }
        }
        let trimmed = text.trimmingWhitespace()
        return trimmed.isEmpty ? nil : unescape(trimmed)
    }

    /// highlight.js's light style, then its dark one for a dark system, with the code
    /// background left to the page: one style sheet from the styles in `folder` (read by
    /// `read`, which gives nil for a missing file), or nil when a style is missing.
    public static func highlightStyleSheet(folder: String, read: (_ path: String) -> [UInt8]?) -> String? {
        guard let light = read(folder + "/atom-one-light.css"), let dark = read(folder + "/atom-one-dark.css") else { return nil }
        return String(decoding: light, as: UTF8.self)
            + "\n@media (prefers-color-scheme: dark) {\n" + String(decoding: dark, as: UTF8.self) + "\n}\n"
            + ".hljs { background: transparent; padding: 0; }\n"
    }

    /// Escapes text for an HTML text or attribute context.
    public static func escape(_ text: String) -> String {
        HTMLEscaping.escape(text)
    }

    private static func unescape(_ text: String) -> String {
        text.replacingAll("&lt;", with: "<").replacingAll("&gt;", with: ">")
            .replacingAll("&quot;", with: "\"").replacingAll("&amp;", with: "&")
    }

    /// The page's CSS.
    public static let stylesheet = """
    :root { color-scheme: light dark; --fg: #1f2328; --bg: #ffffff; --muted: #59636e; --border: #d1d9e0; --code-bg: #f6f8fa; --link: #0969da; }
    @media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --border: #3d444d; --code-bg: #161b22; --link: #4493f8; } }
    html { background: var(--bg); color: var(--fg); }
    body { margin: 0; font: 16px/1.6 -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif; }
    .markdown-body { max-width: 46em; margin: 0 auto; padding: 2em 1.5em 4em; overflow-wrap: break-word; }
    h1, h2, h3, h4, h5, h6 { line-height: 1.25; margin: 1.5em 0 0.75em; font-weight: 600; }
    h1, h2 { padding-bottom: 0.3em; border-bottom: 1px solid var(--border); }
    a { color: var(--link); text-decoration: none; } a:hover { text-decoration: underline; }
    code, pre { font: 0.875em/1.45 ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; }
    code { background: var(--code-bg); padding: 0.2em 0.4em; border-radius: 6px; }
    pre { background: var(--code-bg); padding: 1em; overflow: auto; border-radius: 6px; }
    pre code { background: none; padding: 0; font-size: 1em; }
    blockquote { margin: 0; padding: 0 1em; color: var(--muted); border-left: 0.25em solid var(--border); }
    table { border-collapse: collapse; display: block; overflow: auto; }
    th, td { border: 1px solid var(--border); padding: 6px 13px; }
    tr:nth-child(2n) { background: var(--code-bg); }
    img { max-width: 100%; }
    hr { border: 0; height: 0.25em; background: var(--border); }
    li > input[type="checkbox"] { margin: 0 0.3em 0 -1.2em; }
    ul:has(> li > input[type="checkbox"]) { list-style: none; }
    .footnotes { font-size: 0.875em; color: var(--muted); border-top: 1px solid var(--border); }
    :root { --note: #0969da; --tip: #1a7f37; --important: #8250df; --warning: #9a6700; --caution: #cf222e; }
    @media (prefers-color-scheme: dark) { :root { --note: #4493f8; --tip: #3fb950; --important: #ab7df8; --warning: #d29922; --caution: #f85149; } }
    h1[id], h2[id], h3[id], h4[id], h5[id], h6[id] { position: relative; scroll-margin-top: 1em; }
    .anchor { position: absolute; left: -1.1em; padding-right: 0.3em; opacity: 0; text-decoration: none; color: var(--muted); }
    .anchor::before { content: "#"; font-weight: 400; }
    h1:hover > .anchor, h2:hover > .anchor, h3:hover > .anchor, h4:hover > .anchor, h5:hover > .anchor, h6:hover > .anchor, .anchor:focus { opacity: 1; }
    .markdown-alert { margin: 0 0 1em; padding: 0.5em 1em; border-left: 0.25em solid var(--alert); }
    .markdown-alert > :last-child { margin-bottom: 0; }
    .markdown-alert-title { display: flex; align-items: center; gap: 0.5em; margin: 0 0 0.5em; font-weight: 500; color: var(--alert); }
    .markdown-alert-note { --alert: var(--note); } .markdown-alert-tip { --alert: var(--tip); } .markdown-alert-important { --alert: var(--important); }
    .markdown-alert-warning { --alert: var(--warning); } .markdown-alert-caution { --alert: var(--caution); }
    .alert-icon { flex: none; fill: currentColor; }
    table.front-matter { font-size: 0.875em; margin: 0 0 1.5em; }
    table.front-matter td pre { margin: 0; padding: 0; background: none; }
    .front-matter-invalid .front-matter-notice { color: var(--caution); font-size: 0.875em; margin-bottom: 0.25em; }
    .math-display { display: block; overflow-x: auto; margin: 1em 0; text-align: center; }
    div.math-display, span.math-inline { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
    .katex-display { margin: 0; }
    """
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
