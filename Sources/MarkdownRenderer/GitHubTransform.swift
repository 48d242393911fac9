internal import CCmarkGFM
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `github` profile's changes to a parsed top-level block, made on libcmark-gfm's
/// tree before it is rendered: heading markers (``HeadingTemplate``), alerts, and math
/// fences. Walks block containers only (never inline content), so it costs a small
/// fraction of the parse.
enum GitHubTransform {
    /// Transforms the top-level block `node` and returns the node to render in its
    /// place (an alert replaces its block quote; the caller frees the one returned).
    static func apply(to node: OpaquePointer) -> OpaquePointer {
        switch cmark_node_get_type(node) {
        case CMARK_NODE_CODE_BLOCK:
            return mathFence(replacing: node) ?? node
        case CMARK_NODE_BLOCK_QUOTE:
            let result = alert(from: node) ?? node
            transformDescendants(of: result)
            return result
        default:
            transformDescendants(of: node)
            return node
        }
    }

    /// Headings and math fences anywhere among the block containers under `root`.
    private static func transformDescendants(of root: OpaquePointer) {
        var stack = [root]
        while let node = stack.popLast() {
            switch cmark_node_get_type(node) {
            case CMARK_NODE_HEADING:
                markHeading(node)
            case CMARK_NODE_CODE_BLOCK:
                _ = mathFence(replacing: node)
            case CMARK_NODE_DOCUMENT, CMARK_NODE_BLOCK_QUOTE, CMARK_NODE_LIST, CMARK_NODE_ITEM,
                 CMARK_NODE_FOOTNOTE_DEFINITION, CMARK_NODE_CUSTOM_BLOCK:
                var child = cmark_node_first_child(node)
                while let current = child {
                    child = cmark_node_next(current)
                    stack.append(current)
                }
            default:
                break
            }
        }
    }

    // MARK: Headings

    /// Puts the heading's base slug first in its content, as a marker that
    /// ``HeadingTemplate/finalize(_:ids:)`` turns into the id and anchor link.
    private static func markHeading(_ heading: OpaquePointer) {
        let marker = cmark_node_new(CMARK_NODE_CUSTOM_INLINE)!
        cmark_node_set_on_enter(marker, HeadingTemplate.marker(slug: HeadingSlug.base(of: textContent(of: heading))))
        if let first = cmark_node_first_child(heading) {
            cmark_node_insert_before(first, marker)
        } else {
            cmark_node_append_child(heading, marker)
        }
    }

    /// What a browser's `textContent` of the node's HTML would be: text, code and math,
    /// without tags or image descriptions.
    static func textContent(of node: OpaquePointer) -> String {
        var text = ""
        var stack: [OpaquePointer] = []
        var child = cmark_node_last_child(node)
        while let current = child { stack.append(current); child = cmark_node_previous(current) }
        while let current = stack.popLast() {
            switch cmark_node_get_type(current) {
            case CMARK_NODE_TEXT, CMARK_NODE_CODE:
                if let literal = cmark_node_get_literal(current) { text += String(cString: literal) }
            case CMARK_NODE_IMAGE, CMARK_NODE_HTML_INLINE:
                break
            default:
                var grandchild = cmark_node_last_child(current)
                while let next = grandchild { stack.append(next); grandchild = cmark_node_previous(next) }
            }
        }
        return text
    }

    // MARK: Math fences

    /// A fenced code block whose info string's first word is `math` becomes display
    /// math: its content, HTML-escaped, for KaTeX. Returns the node put in its place
    /// (the code block is freed), or nil for any other code block.
    private static func mathFence(replacing code: OpaquePointer) -> OpaquePointer? {
        var length: Int32 = 0, offset: Int32 = 0
        var character: CChar = 0
        guard cmark_node_get_fenced(code, &length, &offset, &character) != 0,
              let info = cmark_node_get_fence_info(code),
              String(cString: info).split(separator: " ", maxSplits: 1).first == "math"
        else { return nil }
        var tex = cmark_node_get_literal(code).map { String(cString: $0) } ?? ""
        while tex.last == "\n" { tex.removeLast() }
        let html = #"<div class="math math-display">"# + HTMLEscaping.escape(tex) + "</div>"
        let block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK)!
        cmark_node_set_on_enter(block, html)
        cmark_node_set_on_exit(block, "")
        cmark_node_replace(code, block)
        cmark_node_free(code)
        return block
    }

    // MARK: Alerts

    /// The alert a top-level block quote stands for, in its place (the quote's content
    /// moved into it and the quote freed), or nil when its first line is not `[!NOTE]`,
    /// `[!TIP]`, `[!IMPORTANT]`, `[!WARNING]` or `[!CAUTION]` (any case) alone, followed
    /// by content.
    private static func alert(from quote: OpaquePointer) -> OpaquePointer? {
        guard let paragraph = cmark_node_first_child(quote), cmark_node_get_type(paragraph) == CMARK_NODE_PARAGRAPH else { return nil }
        var markerNodes: [OpaquePointer] = []
        var marker = ""
        var node = cmark_node_first_child(paragraph)
        while let current = node, cmark_node_get_type(current) == CMARK_NODE_TEXT {
            markerNodes.append(current)
            marker += cmark_node_get_literal(current).map { String(cString: $0) } ?? ""
            node = cmark_node_next(current)
        }
        let lineEnd = node
        if let lineEnd, ![CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK].contains(cmark_node_get_type(lineEnd)) { return nil }
        guard let kind = AlertKind(marker: marker.trimmingTrailingSpaces) else { return nil }
        let hasContent = lineEnd.flatMap(cmark_node_next) != nil || cmark_node_next(paragraph) != nil
        guard hasContent else { return nil }

        for markerNode in markerNodes { cmark_node_free(markerNode) }
        if let lineEnd { cmark_node_free(lineEnd) }
        if cmark_node_first_child(paragraph) == nil { cmark_node_free(paragraph) }

        let alert = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK)!
        cmark_node_set_on_enter(alert, kind.openingHTML)
        cmark_node_set_on_exit(alert, "</div>")
        while let child = cmark_node_first_child(quote) {
            cmark_node_unlink(child)
            cmark_node_append_child(alert, child)
        }
        cmark_node_replace(quote, alert)
        cmark_node_free(quote)
        return alert
    }
}

private extension String {
    var trimmingTrailingSpaces: Substring {
        var text = self[...]
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}

/// HTML escaping of text for element content and double-quoted attribute values.
package enum HTMLEscaping {
    /// `text` with `&`, `<`, `>` and `"` as character references, scalar by scalar (a
    /// quote with a combining mark after it is escaped too), and U+0001 and U+0002 (the
    /// heading markers' characters, ``HeadingTemplate``) as U+FFFD. O(length).
    package static func escape(_ text: some StringProtocol) -> String {
        guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x01 || $0 == 0x02 }) else { return String(text) }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 16)
        for character in text.unicodeScalars {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "\u{1}", "\u{2}": escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(character)
            }
        }
        return escaped
    }
}
