import MarkdownRenderer

/// Whether the boundary before a block is a cut: a point where libcmark-gfm's block
/// parser is in the state of a fresh parse, so that the text from there on parses
/// exactly as it would on its own (see `Docs/INCREMENTAL.md`, "Cuts").
enum CutKind: UInt8, Sendable {
    /// Not a cut: the block may depend on the one before (a paragraph it interrupted, a
    /// list it may continue).
    case none
    /// A cut whatever follows it.
    case independent
    /// A cut because the line that starts there closes the run-on block before it (a
    /// list, indented code or a footnote definition): valid while that line still does.
    case closingLine
}

/// One line of a text: its bytes from `start` to `end` (after its terminator).
struct LineInfo {
    var start: Int
    var end: Int
    var isBlank: Bool
    var firstByte: UInt8?
}

/// Reads lines of a text, from a contiguous buffer where it covers them and from the
/// source elsewhere.
struct LineReader<Source: UTF8Source> {
    let source: Source
    /// A contiguous copy of part of the source, starting at `bufferStart`.
    let buffer: UnsafeBufferPointer<UInt8>
    let bufferStart: Int

    var count: Int { source.utf8Count }

    /// The line starting at `start`, or nil at the end of the text.
    func line(at start: Int) -> LineInfo? {
        guard start < count else { return nil }
        var length = 128
        while true {
            let end = min(count, start + length)
            if let info = withBytes(start ..< end, { Self.scanLine($0, start: start, complete: end == count) }) {
                return info
            }
            length *= 4
        }
    }

    /// The byte at `offset`, or nil out of bounds.
    func byte(at offset: Int) -> UInt8? {
        guard offset >= 0, offset < count else { return nil }
        return withBytes(offset ..< offset + 1) { $0[0] }
    }

    private func withBytes<Result>(_ range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if range.lowerBound >= bufferStart, range.upperBound <= bufferStart + buffer.count {
            return body(UnsafeBufferPointer(rebasing: buffer[(range.lowerBound - bufferStart) ..< (range.upperBound - bufferStart)]))
        }
        return source.withUTF8(in: range, body)
    }

    /// The line at the start of `bytes`, or nil when `bytes` may end before its
    /// terminator does (a lone `\r` at the end might be the start of `\r\n`).
    private static func scanLine(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, complete: Bool) -> LineInfo? {
        var isBlank = true
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == 0x0A || byte == 0x0D {
                if byte == 0x0D {
                    if index + 1 < bytes.count {
                        let length = bytes[index + 1] == 0x0A ? index + 2 : index + 1
                        return LineInfo(start: start, end: start + length, isBlank: isBlank, firstByte: bytes.first)
                    }
                    guard complete else { return nil }
                }
                return LineInfo(start: start, end: start + index + 1, isBlank: isBlank, firstByte: bytes.first)
            }
            if byte != 0x20 && byte != 0x09 { isBlank = false }
        }
        guard complete else { return nil }
        return LineInfo(start: start, end: start + bytes.count, isBlank: isBlank, firstByte: bytes.first)
    }

    /// Whether the lines between `a` and `b` (line starts, either order) are all blank.
    func onlyBlankLines(between a: Int, and b: Int) -> Bool {
        var position = min(a, b)
        let end = max(a, b)
        while position < end {
            guard let line = line(at: position), line.isBlank else { return false }
            position = line.end
        }
        return true
    }

    /// Whether a parse may start afresh at `offset`: a line start that an edit has not
    /// joined to the line before (a `\r` before and a `\n` after make one terminator).
    func isLineStart(_ offset: Int) -> Bool {
        guard offset > 0 else { return true }
        guard let before = byte(at: offset - 1), before == 0x0A || before == 0x0D else { return false }
        return !(before == 0x0D && byte(at: offset) == 0x0A)
    }

    /// Where the block whose last line is `lastLine` is certainly over, so that what
    /// follows parses as a document of its own, or nil when that cannot be shown without
    /// parsing on.
    func cut(after kind: BlockKind, lastLine: LineInfo) -> (offset: Int, kind: CutKind)? {
        switch kind {
        case .heading, .thematicBreak, .fencedCode, .frontMatter:
            return (lastLine.end, .independent)
        case .paragraph, .table, .blockQuote, .htmlBlock:
            // These end at a blank line (an HTML block that ends before the end of its
            // input ended at its end condition or a blank line).
            guard let next = line(at: lastLine.end) else { return (lastLine.end, .independent) }
            return next.isBlank ? (next.end, .independent) : nil
        case .list, .indentedCode, .footnoteDefinition:
            // These run on over blank lines; a line after a blank one that starts in
            // column 0 with no list marker ends them (and cannot be a lazy line).
            var sawBlank = lastLine.isBlank
            var position = lastLine.end
            while let next = line(at: position) {
                if next.isBlank {
                    sawBlank = true
                    position = next.end
                    continue
                }
                return sawBlank && Self.closesRunOnBlock(next.firstByte) ? (next.start, .closingLine) : nil
            }
            return (position, .independent)
        case .unclosedFencedCode, .openHTMLBlock, .other:
            return nil
        }
    }

    /// Whether a line starting with `byte` (after a blank line) closes a list, indented
    /// code or footnote definition before it, whatever comes after.
    func closesRunOnBlock(at offset: Int) -> Bool {
        guard let line = line(at: offset), !line.isBlank else { return false }
        return Self.closesRunOnBlock(line.firstByte)
    }

    private static func closesRunOnBlock(_ byte: UInt8?) -> Bool {
        guard let byte else { return false }
        return !(byte == 0x20 || byte == 0x09 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "*") || (0x30 ... 0x39).contains(byte))
    }
}
