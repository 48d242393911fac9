extension MarkdownRenderer {
    /// The whole document's blocks as a page shows them. For the `cmark` profile that is
    /// ``parseBlocks(utf8:)``; for `github`, the front matter is a block of its own
    /// (kind ``BlockKind/frontMatter``, first) instead of Markdown, and headings carry
    /// their final ids (``HeadingTemplate``). Concatenated, the blocks' HTML and the
    /// footnote section are ``render(_:)`` of the same input.
    public func parseDocument(utf8 input: UnsafeBufferPointer<UInt8>) -> BlockParse {
        guard options.profile == .github else { return parseBlocks(utf8: input) }
        if let scrubbed = InputScrub.scrubbed(input) {
            return scrubbed.withUnsafeBufferPointer { parseDocument(utf8: $0) }
        }
        var parse: BlockParse
        if let frontMatter = FrontMatter.detect(in: input) {
            var masked = Array(input)
            frontMatter.mask(&masked)
            parse = masked.withUnsafeBufferPointer { parseBlocks(utf8: $0) }
            parse.blocks.insert(ParsedBlock(kind: .frontMatter, lines: 0 ... frontMatter.lineCount - 1, html: frontMatter.html), at: 0)
        } else {
            parse = parseBlocks(utf8: input)
        }
        var assigner = HeadingIDAssigner()
        for index in parse.blocks.indices where HeadingTemplate.hasHeadings(parse.blocks[index].html) {
            let ids = HeadingTemplate.slugs(in: parse.blocks[index].html).map { assigner.id(for: $0) }
            parse.blocks[index].html = HeadingTemplate.finalize(parse.blocks[index].html, ids: ids)
        }
        return parse
    }

    /// ``parseDocument(utf8:)`` of a string.
    public func parseDocument(_ markdown: String) -> BlockParse {
        var markdown = markdown
        return markdown.withUTF8 { parseDocument(utf8: $0) }
    }
}
