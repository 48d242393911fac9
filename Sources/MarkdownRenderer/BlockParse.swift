internal import CCmarkGFM
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a top-level block is, as far as re-parsing part of a document needs to know:
/// which blocks end on their own, which end at a blank line, and which can run on.
public enum BlockKind: UInt8, Sendable, Hashable, CaseIterable {
    /// A paragraph (it ends at a blank line or when another block interrupts it).
    case paragraph
    /// An ATX or setext heading.
    case heading
    /// `---`, `***`, `___`.
    case thematicBreak
    /// A fenced code block closed by its closing fence.
    case fencedCode
    /// A fenced code block with no closing fence: it runs to the end of its input.
    case unclosedFencedCode
    /// An indented code block (it runs on over blank lines).
    case indentedCode
    /// An HTML block that ends before the last line of its input.
    case htmlBlock
    /// An HTML block that reaches the last line of its input: it may be one that runs
    /// until an end tag (`<pre>`, `<script>`, comments, ...) that never came.
    case openHTMLBlock
    /// A bullet or ordered list (it runs on over blank lines).
    case list
    /// A block quote.
    case blockQuote
    /// A GFM table.
    case table
    /// A footnote definition: rendered in the footnote section, not in place.
    case footnoteDefinition
    /// A document's front matter (the `github` profile): it ends at its closing line.
    case frontMatter
    /// Anything else.
    case other
}

/// One top-level block of a parse: what it is, which lines of the input it spans, and
/// its HTML.
public struct ParsedBlock: Sendable, Hashable {
    /// What the block is.
    public var kind: BlockKind
    /// The lines it spans, counted from 0 (libcmark-gfm's source positions, less 1);
    /// lists and indented code include the blank lines that trail them.
    public var lines: ClosedRange<Int>
    /// Its HTML, exactly as in the render of the whole input ("" for a footnote
    /// definition, whose HTML is in ``BlockParse/footnotes``).
    public var html: String

    /// A block.
    public init(kind: BlockKind, lines: ClosedRange<Int>, html: String) {
        self.kind = kind
        self.lines = lines
        self.html = html
    }
}

/// A document parsed into its top-level blocks. Concatenating the blocks' HTML, then
/// ``footnotes``, gives ``MarkdownRenderer/render(_:)`` of the same input, byte for byte.
public struct BlockParse: Sendable, Hashable {
    /// The top-level blocks in source order (footnote definitions where they were
    /// written; unreferenced ones, and paragraphs that held only link reference
    /// definitions, are not blocks).
    public var blocks: [ParsedBlock]
    /// The footnote section (`<section class="footnotes" ...>`), or "" without one.
    public var footnotes: String

    /// A parse.
    public init(blocks: [ParsedBlock], footnotes: String) {
        self.blocks = blocks
        self.footnotes = footnotes
    }

    /// The HTML of the whole input. O(size of the HTML).
    public var html: String { Self.joined(blocks.lazy.map(\.html), footnotes: footnotes) }

    /// Blocks' HTML in order, then a footnote section, in one string allocated once.
    package static func joined(_ blocks: some Collection<String>, footnotes: String) -> String {
        var html = String()
        html.reserveCapacity(blocks.reduce(footnotes.utf8.count) { $0 + $1.utf8.count })
        for block in blocks { html += block }
        return html + footnotes
    }
}

extension MarkdownRenderer {
    /// Parses `markdown` into its top-level blocks, each with its own HTML. Costs about
    /// what ``render(_:)`` does.
    public func parseBlocks(_ markdown: String) -> BlockParse {
        var markdown = markdown
        return markdown.withUTF8 { parseBlocks(utf8: $0) }
    }

    /// Parses raw bytes (invalid UTF-8 and NUL bytes become U+FFFD, as in
    /// ``render(bytes:)``) into their top-level blocks.
    public func parseBlocks(utf8 input: UnsafeBufferPointer<UInt8>) -> BlockParse {
        if options.profile == .github, let scrubbed = InputScrub.scrubbed(input) {
            return scrubbed.withUnsafeBufferPointer { parseScrubbedBlocks(utf8: $0) }
        }
        return parseScrubbedBlocks(utf8: input)
    }

    private func parseScrubbedBlocks(utf8 input: UnsafeBufferPointer<UInt8>) -> BlockParse {
        let lines = LineTable(input)
        // The github profile keeps GitHub's subset of raw HTML (unless all is allowed).
        let sanitizes = options.profile == .github && !options.allowsUnsafeHTML
        return withParsedDocument(of: input) { document, extensions in
            var blocks: [ParsedBlock] = []
            var definitions: [ParsedBlock] = []
            var others: [OpaquePointer] = []
            // HTML of blocks libcmark-gfm gave no position (the paragraph left before a
            // table that took its last line), joined to the next block.
            var unplaced = ""
            var unplacedFound = RawHTML.Found()
            var groups = RawHTMLGroups()
            var footnotesHaveRawHTML = false
            var node = cmark_node_first_child(document)
            while let current = node {
                node = cmark_node_next(current)
                let kind = Self.kind(of: current, lines: lines)
                let start = Int(cmark_node_get_start_line(current))
                let first = max(0, start - 1)
                var last = max(first, Int(cmark_node_get_end_line(current)) - 1)
                if kind == .heading && last > first {
                    // libcmark-gfm ends a setext heading on the line after its underline
                    // (it closes it there): end it on the underline.
                    last = (first + 1 ... last).last { lines.isSetextUnderline($0) } ?? last
                }
                let mayHoldHTML = sanitizes && lines.contains(UInt8(ascii: "<"), from: first, through: last)
                if kind == .footnoteDefinition {
                    if mayHoldHTML { footnotesHaveRawHTML = RawHTML.expose(in: current).found.hasRawHTML || footnotesHaveRawHTML }
                    definitions.append(ParsedBlock(kind: kind, lines: first ... last, html: ""))
                    continue
                }
                var rendered = options.profile == .github ? GitHubTransform.apply(to: current) : current
                var found = RawHTML.Found()
                if mayHoldHTML { (rendered, found) = RawHTML.expose(in: rendered) }
                others.append(rendered)
                let html = unplaced + Self.html(of: rendered, flags: options.cmarkFlags, extensions: extensions)
                found.hasRawHTML = found.hasRawHTML || unplacedFound.hasRawHTML
                unplaced = ""
                unplacedFound = RawHTML.Found()
                if start <= 0 {
                    unplaced = html
                    unplacedFound = found
                } else {
                    groups.add(ParsedBlock(kind: kind, lines: first ... last, html: html), found: found, to: &blocks)
                }
            }
            groups.finish(&blocks, lastLine: lines.lastLine)
            if !unplaced.isEmpty {
                if unplacedFound.hasRawHTML { unplaced = HTMLSanitizer.sanitize(unplaced) }
                if blocks.isEmpty {
                    blocks.append(ParsedBlock(kind: .other, lines: 0 ... 0, html: unplaced))
                } else {
                    blocks[blocks.count - 1].html += unplaced
                }
            }
            // Referenced footnote definitions were moved to the end: back to source order.
            for definition in definitions {
                let index = blocks.firstIndex { $0.lines.lowerBound > definition.lines.lowerBound } ?? blocks.count
                blocks.insert(definition, at: index)
            }
            blocks = Self.mergingOverlaps(blocks)
            blocks = Self.withRemovedBlocks(blocks, lines: lines)
            var footnotes = ""
            if !definitions.isEmpty {
                // What is left once the other blocks are gone renders as the section.
                for other in others { cmark_node_free(other) }
                footnotes = Self.html(of: document, flags: options.cmarkFlags, extensions: extensions)
                if footnotesHaveRawHTML { footnotes = HTMLSanitizer.sanitize(footnotes) }
            }
            return BlockParse(blocks: blocks, footnotes: footnotes)
        }
    }

    /// `blocks` with a block of no HTML for each run of lines between them that is not
    /// blank: what the parser removed, paragraphs of link reference definitions and
    /// footnote definitions nothing refers to. Its kind, a paragraph, or a footnote
    /// definition when a line starts with `[^`, tells where the next block can start.
    private static func withRemovedBlocks(_ blocks: [ParsedBlock], lines: LineTable) -> [ParsedBlock] {
        var result: [ParsedBlock] = []
        result.reserveCapacity(blocks.count)
        var next = 0
        func addGap(upTo end: Int) {
            var first = next, last = end - 1
            while first <= last && lines.isBlank(first) { first += 1 }
            while last >= first && lines.isBlank(last) { last -= 1 }
            guard first <= last else { return }
            let footnote = (first ... last).contains { lines.startsFootnoteDefinition($0) }
            result.append(ParsedBlock(kind: footnote ? .footnoteDefinition : .paragraph, lines: first ... last, html: ""))
        }
        for block in blocks {
            addGap(upTo: block.lines.lowerBound)
            result.append(block)
            next = block.lines.upperBound + 1
        }
        addGap(upTo: lines.lastLine + 1)
        return result
    }

    /// Blocks whose lines overlap the block before joined to it, so that lines rise.
    private static func mergingOverlaps(_ blocks: [ParsedBlock]) -> [ParsedBlock] {
        var merged: [ParsedBlock] = []
        merged.reserveCapacity(blocks.count)
        for block in blocks {
            if let last = merged.last, block.lines.lowerBound <= last.lines.upperBound {
                // A raw-HTML group still open stays open whatever it swallowed.
                merged[merged.count - 1] = ParsedBlock(
                    kind: last.kind == .openHTMLBlock ? .openHTMLBlock : block.kind, lines: last.lines.lowerBound ... max(last.lines.upperBound, block.lines.upperBound), html: last.html + block.html
                )
            } else {
                merged.append(block)
            }
        }
        return merged
    }

    private static func html(of node: OpaquePointer, flags: Int32, extensions: UnsafeMutablePointer<cmark_llist>?) -> String {
        let html = cmark_render_html(node, flags, extensions)!
        defer { free(html) }
        return html.withMemoryRebound(to: UInt8.self, capacity: 1) { bytes in
            string(fromValidUTF8: UnsafeBufferPointer(start: bytes, count: strlen(html)))
        }
    }

    private static func kind(of node: OpaquePointer, lines: LineTable) -> BlockKind {
        switch cmark_node_get_type(node) {
        case CMARK_NODE_PARAGRAPH: return .paragraph
        case CMARK_NODE_HEADING: return .heading
        case CMARK_NODE_THEMATIC_BREAK: return .thematicBreak
        case CMARK_NODE_LIST: return .list
        case CMARK_NODE_BLOCK_QUOTE: return .blockQuote
        case CMARK_NODE_FOOTNOTE_DEFINITION: return .footnoteDefinition
        case CMARK_NODE_HTML_BLOCK:
            return Int(cmark_node_get_end_line(node)) - 1 >= lines.lastLine ? .openHTMLBlock : .htmlBlock
        case CMARK_NODE_CODE_BLOCK:
            var length: Int32 = 0, offset: Int32 = 0
            var character: CChar = 0
            guard cmark_node_get_fenced(node, &length, &offset, &character) != 0 else { return .indentedCode }
            let first = Int(cmark_node_get_start_line(node)) - 1
            let last = Int(cmark_node_get_end_line(node)) - 1
            let closed = last > first && lines.isClosingFence(line: last, character: UInt8(bitPattern: character), length: Int(length))
            return closed ? .fencedCode : .unclosedFencedCode
        default:
            if let name = cmark_node_get_type_string(node), strcmp(name, "table") == 0 { return .table }
            return .other
        }
    }
}

/// Where each line of an input starts (lines end at `\n`, `\r\n` or a lone `\r`, as
/// libcmark-gfm counts them).
private struct LineTable {
    let input: UnsafeBufferPointer<UInt8>
    private(set) var starts: [Int] = [0]

    init(_ input: UnsafeBufferPointer<UInt8>) {
        self.input = input
        var index = 0
        while index < input.count {
            let byte = input[index]
            index += 1
            if byte == 0x0D, index < input.count, input[index] == 0x0A { index += 1 }
            if byte == 0x0A || byte == 0x0D, index < input.count { starts.append(index) }
        }
    }

    /// The index of the last line that has content or a terminator.
    var lastLine: Int { starts.count - 1 }

    private func bytes(of line: Int) -> Slice<UnsafeBufferPointer<UInt8>> {
        input[starts[line] ..< (line + 1 < starts.count ? starts[line + 1] : input.count)]
    }

    /// Whether line `line` is a setext underline: up to three spaces, a run of `=` or of
    /// `-`, then only spaces and tabs.
    func isSetextUnderline(_ line: Int) -> Bool {
        var content = bytes(of: line)[...]
        var spaces = 0
        while let byte = content.first, byte == 0x20, spaces < 4 { content = content.dropFirst(); spaces += 1 }
        guard spaces < 4, let marker = content.first, marker == UInt8(ascii: "=") || marker == UInt8(ascii: "-") else { return false }
        return content.drop { $0 == marker }.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    /// Whether `byte` occurs in lines `first` through `last`. O(their length).
    func contains(_ byte: UInt8, from first: Int, through last: Int) -> Bool {
        guard first < starts.count else { return false }
        let end = last + 1 < starts.count ? starts[last + 1] : input.count
        return input[starts[first] ..< end].contains(byte)
    }

    /// Whether line `line` holds only spaces, tabs and its terminator.
    func isBlank(_ line: Int) -> Bool {
        bytes(of: line).allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
    }

    /// Whether line `line` starts with `[^` after spaces and tabs.
    func startsFootnoteDefinition(_ line: Int) -> Bool {
        let content = bytes(of: line).drop { $0 == 0x20 || $0 == 0x09 }
        return content.starts(with: [UInt8(ascii: "["), UInt8(ascii: "^")])
    }

    /// Whether line `line` closes a fence of at least `length` `character`s: up to three
    /// spaces, the fence, then only spaces and tabs.
    func isClosingFence(line: Int, character: UInt8, length: Int) -> Bool {
        guard line < starts.count else { return false }
        var index = starts[line]
        let end = line + 1 < starts.count ? starts[line + 1] : input.count
        var spaces = 0
        while index < end, input[index] == 0x20, spaces < 4 { index += 1; spaces += 1 }
        guard spaces < 4 else { return false }
        var run = 0
        while index < end, input[index] == character { index += 1; run += 1 }
        guard run >= length else { return false }
        while index < end, [0x20, 0x09, 0x0A, 0x0D].contains(input[index]) { index += 1 }
        return index == end
    }
}
