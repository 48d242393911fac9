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
