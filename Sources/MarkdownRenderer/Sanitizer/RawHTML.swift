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

/// Top-level blocks that raw HTML holds together: an HTML block that opens an element
/// (`<details>`) and the blocks up to the one that closes it become one block, whose HTML
/// is sanitized as a whole, so the element keeps its Markdown content. A group still open
/// at the end of the input is an ``BlockKind/openHTMLBlock`` (what follows may close
/// it, so an incremental re-parse runs on past it).
struct RawHTMLGroups {
    private var pending: [ParsedBlock] = []
    private var depth = 0

    /// Adds the next block (its HTML not yet sanitized) to `blocks`, or holds it in the
    /// open group.
    mutating func add(_ block: ParsedBlock, found: RawHTML.Found, to blocks: inout [ParsedBlock]) {
        if pending.isEmpty {
            guard found.nestingChange > 0 else {
                var block = block
                if found.hasRawHTML { block.html = HTMLSanitizer.sanitize(block.html) }
                blocks.append(block)
                return
            }
            depth = 0
        }
        pending.append(block)
        depth += found.nestingChange
        if depth <= 0 { flush(kind: block.kind, to: &blocks) }
    }

    /// Adds the group still open, if any, to `blocks`: it runs to `lastLine`, the last
    /// line of the input (lines the parser gave no block are in it too).
    mutating func finish(_ blocks: inout [ParsedBlock], lastLine: Int) {
        if !pending.isEmpty { flush(kind: .openHTMLBlock, to: &blocks, through: lastLine) }
    }

    private mutating func flush(kind: BlockKind, to blocks: inout [ParsedBlock], through lastLine: Int = 0) {
        let html = HTMLSanitizer.sanitize(BlockParse.joined(pending.lazy.map(\.html), footnotes: ""))
        let lines = pending[0].lines.lowerBound ... max(lastLine, pending[pending.count - 1].lines.upperBound)
        blocks.append(ParsedBlock(kind: kind, lines: lines, html: html))
        pending.removeAll()
        depth = 0
    }
}

/// The `github` profile's input, cleared of the characters that stand for our own
/// markup while a block is rendered and sanitized (``HeadingTemplate``'s U+0001 and
/// U+0002, ``TrustedMarkup``'s noncharacters U+FDD0–U+FDDF): each becomes U+FFFD, so no
/// document can forge a heading marker or an icon.
enum InputScrub {
    /// `input` with those characters replaced, or nil when it has none. O(length).
    static func scrubbed(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard let first = firstMatch(in: input, from: 0) else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count + 16)
        output.append(contentsOf: input[..<first.start])
        var position = first.start
        var match: (start: Int, length: Int)? = first
        while let current = match {
            output.append(contentsOf: input[position ..< current.start])
            output.append(contentsOf: [0xEF, 0xBF, 0xBD])
            position = current.start + current.length
            match = firstMatch(in: input, from: position)
        }
        output.append(contentsOf: input[position...])
        return output
    }

    private static func firstMatch(in input: UnsafeBufferPointer<UInt8>, from start: Int) -> (start: Int, length: Int)? {
        var index = start
        while index < input.count {
            let byte = input[index]
            if byte == 0x01 || byte == 0x02 { return (index, 1) }
            if byte == 0xEF, index + 2 < input.count, input[index + 1] == 0xB7, (0x90 ... 0x9F).contains(input[index + 2]) { return (index, 3) }
            index += 1
        }
        return nil
    }
}
