internal import CCmarkGFM

/// The `github` profile's raw HTML, found in libcmark-gfm's tree: each HTML block and
/// inline HTML node becomes a custom node with the same literal (libcmark-gfm writes a
/// custom node's text as is, where safe mode writes `<!-- raw HTML omitted -->` for raw
/// HTML), and the block's HTML is then sanitized (``HTMLSanitizer``).
enum RawHTML {
    /// What ``expose(in:)`` found in a block.
    struct Found {
        /// Whether the block holds raw HTML (its HTML must be sanitized).
        var hasRawHTML = false
        /// For a top-level HTML block, how many elements it leaves open (negative when it
        /// closes more than it opens), as ``nestingChange(of:)`` counts them; 0 otherwise.
        var nestingChange = 0
    }

    /// Turns the raw HTML nodes under `node` (itself included) into custom nodes, and
    /// returns the node to render in its place (a custom node when `node` was an HTML
    /// block: the HTML block is freed) and what it found. O(nodes).
    static func expose(in node: OpaquePointer) -> (node: OpaquePointer, found: Found) {
        var found = Found()
        var rawNodes: [OpaquePointer] = []
        let iterator = cmark_iter_new(node)!
        while cmark_iter_next(iterator) != CMARK_EVENT_DONE {
            let current = cmark_iter_get_node(iterator)!
            let type = cmark_node_get_type(current)
            if type == CMARK_NODE_HTML_BLOCK || type == CMARK_NODE_HTML_INLINE { rawNodes.append(current) }
        }
        cmark_iter_free(iterator)
        guard !rawNodes.isEmpty else { return (node, found) }
        found.hasRawHTML = true
        var result = node
        for raw in rawNodes {
            let isBlock = cmark_node_get_type(raw) == CMARK_NODE_HTML_BLOCK
            let literal = cmark_node_get_literal(raw).map { String(cString: $0) } ?? ""
            let custom = cmark_node_new(isBlock ? CMARK_NODE_CUSTOM_BLOCK : CMARK_NODE_CUSTOM_INLINE)!
            cmark_node_set_on_enter(custom, literal)
            cmark_node_set_on_exit(custom, "")
            if raw == node {
                found.nestingChange = nestingChange(of: literal)
                result = custom
            }
            cmark_node_replace(raw, custom)
            cmark_node_free(raw)
        }
        return (result, found)
    }

    /// Elements whose end tag HTML lets a writer leave out: not counted, so that a `<p>`
    /// never closed does not hold the rest of the document in one block.
    private static let optionalEnd: Set<String> = ["p", "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "rt", "rp", "caption"]

    /// Start tags minus end tags of the allowed container elements in `literal` (void
    /// elements, self-closed tags, optional-end elements and comments not counted). A
    /// positive result means the block opens an element that a later block closes, as
    /// in `<details>` … Markdown … `</details>`. O(length).
    static func nestingChange(of literal: String) -> Int {
        let bytes = Array(literal.utf8)
        var change = 0
        var index = 0
        func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
        while index < bytes.count {
            guard bytes[index] == UInt8(ascii: "<"), index + 1 < bytes.count else { index += 1; continue }
            if bytes[index...].starts(with: "<!--".utf8) {
                var end = index + 4
                while end + 2 < bytes.count && !(bytes[end] == 0x2D && bytes[end + 1] == 0x2D && bytes[end + 2] == 0x3E) { end += 1 }
                index = end + 3
                continue
            }
            let closing = bytes[index + 1] == UInt8(ascii: "/")
            var nameEnd = index + (closing ? 2 : 1)
            guard nameEnd < bytes.count, isLetter(bytes[nameEnd]) else { index += 1; continue }
            let nameStart = nameEnd
            while nameEnd < bytes.count, isLetter(bytes[nameEnd]) || (0x30 ... 0x39).contains(bytes[nameEnd]) || bytes[nameEnd] == 0x2D { nameEnd += 1 }
            let name = String(decoding: bytes[nameStart ..< nameEnd], as: UTF8.self).lowercased()
            // To the tag's `>`, outside quoted attribute values.
            var end = nameEnd
            var quote: UInt8? = nil
            while end < bytes.count {
                let byte = bytes[end]
                if let open = quote { if byte == open { quote = nil } } else if byte == 0x22 || byte == 0x27 { quote = byte } else if byte == 0x3E { break }
                end += 1
            }
            let selfClosed = end > nameEnd && end < bytes.count && bytes[end - 1] == UInt8(ascii: "/")
            index = end + 1
            guard HTMLAllowlist.elements.contains(name), !HTMLAllowlist.voidElements.contains(name), !optionalEnd.contains(name), !selfClosed else { continue }
            change += closing ? -1 : 1
        }
        return change
    }
}
