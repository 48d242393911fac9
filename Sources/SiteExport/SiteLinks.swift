/// Links between Markdown files, made links between the exported pages: every
/// `href="…"` whose URL is relative (no scheme, not starting with `/`, `#` or `?`) and
/// whose path ends in a Markdown extension (`.md`, `.markdown`, `.mdown`, `.mkd`, any
/// case) gets `.html` in its place; a query or fragment stays.
///
/// The renderer escapes `"` in text as `&quot;`, so `href="` in its output only occurs
/// in tags. What `mdpreview export` and `mdpreview render --page --site-links` do.
public enum SiteLinks {
    /// `html` with its relative Markdown links pointing at `.html` pages. O(n).
    public static func rewrite(_ html: String) -> String {
        let marker = Array("href=\"".utf8)
        let bytes = Array(html.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "h"), bytes[index...].starts(with: marker) else {
                out.append(bytes[index])
                index += 1
                continue
            }
            let start = index + marker.count
            let end = bytes[start...].firstIndex(of: UInt8(ascii: "\"")) ?? bytes.count
            out += marker
            out += rewriteURL(bytes[start..<end])
            index = end
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The page URL for a relative Markdown URL; any other URL as it is.
    static func rewriteURL(_ url: ArraySlice<UInt8>) -> [UInt8] {
        guard let first = url.first, first != UInt8(ascii: "/"), first != UInt8(ascii: "#"), first != UInt8(ascii: "?"),
              !hasScheme(url)
        else { return Array(url) }
        let pathEnd = url.firstIndex { $0 == UInt8(ascii: "#") || $0 == UInt8(ascii: "?") } ?? url.endIndex
        let path = url[..<pathEnd]
        guard let dot = path.lastIndex(of: UInt8(ascii: ".")), dot > path.startIndex,
              path[path.index(before: dot)] != UInt8(ascii: "/"),
              FileTree.isMarkdown("x." + String(decoding: path[path.index(after: dot)...], as: UTF8.self))
        else { return Array(url) }
        return Array(url[..<dot]) + Array(".html".utf8) + Array(url[pathEnd...])
    }

    /// Whether `url` starts with a scheme (`letter (letter | digit | + - .)* :`).
    private static func hasScheme(_ url: ArraySlice<UInt8>) -> Bool {
        guard let colon = url.firstIndex(of: UInt8(ascii: ":")), colon > url.startIndex else { return false }
        let scheme = url[..<colon]
        return scheme.first.map(isLetter) == true && scheme.allSatisfy { isLetter($0) || (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains(byte | 0x20)
    }
}
