import MarkdownRenderer

/// A window's text with the link reference definitions of the rest of the document
/// around it, so that its links resolve as in a full parse (see `Docs/INCREMENTAL.md`,
/// "Definitions made elsewhere").
///
/// The input is the segments (runs of blocks from one cut to the next) that may hold a
/// definition, those before the window first and those after it last, in document
/// order, each after a separator that returns the parser to a fresh state: blank lines,
/// an HTML comment line (an HTML block that ends on its line and interrupts any block
/// that could run on), and a blank line.
struct DefinitionContext {
    /// The parser's input.
    let input: [UInt8]
    /// The line of `input` the window starts on.
    let windowLine: Int

    static let separator = Array("\n\n\n<!-- -->\n\n".utf8)

    /// What the parse of `input` says about the window.
    enum WindowBlocks {
        /// The window's blocks, lines counted from the window's start.
        case blocks([ParsedBlock])
        /// A block of the window runs on past it.
        case widen
        /// A block of the context runs into the window.
        case fullParse
    }

    /// The blocks of the window (of `windowLines` lines) in `parse`.
    func windowBlocks(of parse: BlockParse, windowLines: Int) -> WindowBlocks {
        var blocks: [ParsedBlock] = []
        let windowEnd = windowLine + windowLines
        for block in parse.blocks {
            if block.lines.upperBound < windowLine || block.lines.lowerBound >= windowEnd { continue }
            guard block.lines.lowerBound >= windowLine else { return .fullParse }
            guard block.lines.upperBound < windowEnd else { return .widen }
            var kind = block.kind
            // Alone, an HTML block on the window's last line may be one left open.
            if kind == .htmlBlock && block.lines.upperBound == windowEnd - 1 { kind = .openHTMLBlock }
            blocks.append(ParsedBlock(kind: kind, lines: (block.lines.lowerBound - windowLine) ... (block.lines.upperBound - windowLine), html: block.html))
        }
        return .blocks(blocks)
    }
}

extension IncrementalDocument {
    /// The window `window` (new text `windowBytes`) with the segments outside it that may
    /// define link references, or nil when they are too large to be worth it (more than
    /// an eighth of the text). A `[^` in them changes only their own blocks and the
    /// footnote section: the window has none when a footnote may be defined (that is a
    /// full parse before), and a parse that yields a footnote section is refused.
    func definitionContext<Source: UTF8Source>(around window: Range<Int>, windowBytes: [UInt8], text: Source) -> DefinitionContext? {
        let delta = text.utf8Count - utf8Count
        var before: [Range<Int>] = []
        var after: [Range<Int>] = []
        var total = 0
        var index = 0
        while index < records.count {
            if window.contains(index) {
                index = window.upperBound
                continue
            }
            guard records[index].flags.contains(.definition) else {
                index += 1
                continue
            }
            // The segment around the block: from the cut at or before it to the next.
            var first = index
            while first > 0 && records[first].cut == .none { first -= 1 }
            var end = index + 1
            while end < records.count && records[end].cut == .none { end += 1 }
            let isAfter = first >= window.upperBound
            let shift = isAfter ? delta : 0
            let range = (records[first].regionStart + shift) ..< ((end < records.count ? records[end].regionStart : utf8Count) + shift)
            total += range.count
            guard total <= max(4096, text.utf8Count / 8) else { return nil }
            if isAfter { after.append(range) } else { before.append(range) }
            index = end
        }
        var input: [UInt8] = []
        input.reserveCapacity(total + windowBytes.count + (before.count + after.count + 1) * DefinitionContext.separator.count)
        for range in before {
            text.withUTF8(in: range) { input += $0 }
            input += DefinitionContext.separator
        }
        let windowLine = input.withUnsafeBufferPointer { LineStarts($0).terminatorCount }
        input += windowBytes
        for range in after {
            input += DefinitionContext.separator
            text.withUTF8(in: range) { input += $0 }
        }
        return DefinitionContext(input: input, windowLine: windowLine)
    }
}

extension IncrementalDocument {
    /// The largest segment whose text is kept for ``DefinitionProbe``; a window holding
    /// a larger one that may define references is parsed whole when it changes.
    static let definitionSourceLimit = 64 << 10

    /// The segments (runs of blocks from one cut to the next) among `records`, which
    /// start at a cut and end at one, that may define link references: their indices.
    static func segmentsThatMayDefine(_ records: ArraySlice<BlockRecord>) -> [Range<Int>] {
        var segments: [Range<Int>] = []
        var first = records.startIndex
        while first < records.endIndex {
            var next = first + 1
            while next < records.endIndex && records[next].cut == .none { next += 1 }
            if records[first ..< next].contains(where: { $0.flags.contains(.definition) }) { segments.append(first ..< next) }
            first = next
        }
        return segments
    }

    /// The segments of `records` (new blocks of a window whose bytes, from `start`, are
    /// `bytes`, and whose regions end at `end`) that may define link references: the
    /// index of each one's first block, and its text.
    static func definitionSegments(
        of records: [BlockRecord], in bytes: UnsafeBufferPointer<UInt8>, at start: Int, end: Int
    ) -> [(first: Int, bytes: [UInt8])] {
        segmentsThatMayDefine(records[...]).map { segment in
            let segmentEnd = segment.upperBound < records.count ? records[segment.upperBound].regionStart : end
            return (segment.lowerBound, Array(bytes[(records[segment.lowerBound].regionStart - start) ..< (segmentEnd - start)]))
        }
    }

    /// The kept text of the segments of the blocks `window` (whole segments) that may
    /// define link references, in order, or nil when one was too large to keep.
    func definitionSources(of window: Range<Int>) -> [[UInt8]]? {
        var sources: [[UInt8]] = []
        for segment in Self.segmentsThatMayDefine(records[window]) {
            guard let source = definitionSources[records[segment.lowerBound].key] else { return nil }
            sources.append(source)
        }
        return sources
    }
}
