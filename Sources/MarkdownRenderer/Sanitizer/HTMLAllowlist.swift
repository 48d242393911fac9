/// The raw HTML the `github` profile keeps: GitHub's subset of elements and attributes,
/// and the URL schemes a link or an image may use. Everything else is dropped; an
/// element that is not allowed loses its tag but keeps its content, except the ones
/// in ``droppedWithContent`` (scripts, styles, frames, forms' text areas, …).
enum HTMLAllowlist {
    /// Elements kept, with their allowed attributes.
    static let elements: Set<String> = [
        "h1", "h2", "h3", "h4", "h5", "h6", "div", "p", "br", "hr", "b", "i", "u", "strong", "em", "a",
        "pre", "code", "img", "tt", "ins", "del", "s", "strike", "sup", "sub", "ol", "ul", "li",
        "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "blockquote", "dl", "dt", "dd",
        "kbd", "q", "samp", "var", "ruby", "rt", "rp", "summary", "details", "figure", "figcaption",
        "abbr", "bdo", "cite", "dfn", "mark", "small", "span", "time", "wbr", "picture", "source",
        "input", "section",
    ]

    /// Elements removed together with everything inside them: their content is code,
    /// a document of its own, or a form's text, never reader-visible Markdown text.
    static let droppedWithContent: Set<String> = [
        "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "noscript",
        "noembed", "noframes", "template", "textarea", "xmp", "plaintext", "title", "head", "math",
        "select", "option", "svg", "canvas", "audio", "video", "base", "link", "meta",
    ]

    /// Elements with no content and no end tag.
    static let voidElements: Set<String> = ["br", "hr", "img", "wbr", "source", "input"]

    /// Attributes any allowed element may carry.
    private static let common: Set<String> = [
        "align", "title", "lang", "dir", "class", "id", "width", "height", "valign", "abbr",
        "aria-hidden", "aria-label", "aria-describedby", "role",
    ]

    /// Attributes allowed on one element only.
    private static let specific: [String: Set<String>] = [
        "a": ["href", "name"],
        "img": ["src", "alt", "srcset", "sizes"],
        "source": ["srcset", "media", "sizes", "type"],
        "td": ["colspan", "rowspan", "headers", "scope"],
        "th": ["colspan", "rowspan", "headers", "scope"],
        "ol": ["start", "reversed", "type"],
        "li": ["value"],
        "details": ["open"],
        "blockquote": ["cite"], "q": ["cite"], "del": ["cite", "datetime"], "ins": ["cite", "datetime"],
        "time": ["datetime"],
        "input": ["type", "checked", "disabled"],
        "sup": ["data-footnote-ref"], "section": ["data-footnotes"],
    ]

    /// Attributes whose value is a URL (checked by ``isAllowedURL(_:image:)``).
    static let urlAttributes: Set<String> = ["href", "src", "cite"]

    /// Attributes whose value names a fragment target: prefixed with ``userContentPrefix``
    /// (as GitHub does) so that raw HTML cannot clobber the page's own ids or globals.
    static let targetAttributes: Set<String> = ["id", "name"]

    /// The prefix of ids and names written in raw HTML.
    static let userContentPrefix = "user-content-"

    /// Whether `element` may carry `attribute` (both lowercase), `data-footnote-backref`
    /// and the footnote attributes libcmark-gfm writes included.
    static func allows(_ attribute: String, on element: String) -> Bool {
        if common.contains(attribute) || specific[element]?.contains(attribute) == true { return true }
        return element == "a" && attribute.hasPrefix("data-footnote-")
    }

    /// Whether `value` is a URL a link (`image` false) or an image may use: relative
    /// references, fragments, `http:` and `https:`, `mailto:` for links, and the raster
    /// `data:image/…` types libcmark-gfm's safe mode keeps for images. The scheme is read
    /// as a browser reads it: leading spaces and controls skipped, tabs and line breaks
    /// ignored, letters in any case.
    static func isAllowedURL(_ value: String, image: Bool) -> Bool {
        var scheme = ""
        var started = false
        for scalar in value.unicodeScalars {
            if scalar == "\t" || scalar == "\n" || scalar == "\r" { continue }
            if !started && scalar.value <= 0x20 { continue }
            started = true
            if scalar == ":" {
                let lowered = scheme.lowercased()
                if lowered == "http" || lowered == "https" { return true }
                if lowered == "mailto" { return !image }
                if lowered == "data" && image {
                    let rest = value.lowercased().drop { $0 != ":" }.dropFirst()
                    return ["image/png", "image/gif", "image/jpeg", "image/webp"].contains { rest.hasPrefix($0) }
                }
                return false
            }
            if scalar == "/" || scalar == "?" || scalar == "#" { return true }
            scheme.unicodeScalars.append(scalar)
        }
        return true
    }

    /// Whether every candidate URL of a `srcset` value is allowed for an image.
    static func isAllowedSourceSet(_ value: String) -> Bool {
        value.split(separator: ",").allSatisfy { candidate in
            let url = candidate.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).first.map(String.init) ?? ""
            return isAllowedURL(url, image: true)
        }
    }
}
