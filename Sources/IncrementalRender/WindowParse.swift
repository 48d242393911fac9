import DocumentModel
import MarkdownRenderer

/// One top-level block's place in the text, beside its HTML.
struct BlockRecord: Sendable {
    var key: BlockKey
    var kind: BlockKind
    /// Whether the boundary before the block is a cut.
    var cut: CutKind
    /// What the block's region may hold that reaches beyond it.
    var flags: RegionFlags
    /// Where the block's region starts (a line start, UTF-8 offset); regions tile the
    /// text, each from its cut (or the end of the block before) to the next.
    var regionStart: Int
    /// The line `regionStart` is on.
    var regionStartLine: Int
    /// The lines of the block itself.
    var lines: ClosedRange<Int>
    /// Whether its HTML has headings whose ids the document assigns (`github` profile).
    var hasHeadings = false
}

/// What link reference definitions and footnotes ask of a window parse (none: the
/// window parses on its own).
struct ReferenceHazard: OptionSet {
    let rawValue: UInt8

    /// The window may use definitions made outside it: parse it with them.
    static let needsDefinitions = ReferenceHazard(rawValue: 1)
    /// The window may make definitions that blocks outside it use: the update holds only
    /// if they come out the same (``DefinitionProbe``).
    static let keepsDefinitions = ReferenceHazard(rawValue: 2)
    /// Footnote numbering or the footnote section may change: only a full parse is exact.
    static let footnotes = ReferenceHazard(rawValue: 4)
}

/// What re-parsing one window came to.
enum WindowOutcome {
    /// The window was spliced in.
    case patch(BlockPatch)
    /// The window's last block may run on past it: try a wider one.
    case widen
    /// Only a full parse is exact.
    case fullParse(FullParseReason)
}

extension IncrementalDocument {
    /// Parses the new text of the blocks `window` (the whole text when that is every
    /// block), from the window's region start to `windowEnd`, and splices the result in
    /// when the parse provably equals the full parse's.
    mutating func parseWindow<Source: UTF8Source, Failure: Error>(
        _ window: Range<Int>, text: Source, end windowEnd: Int, version newVersion: UInt64,
        parse: (UnsafeBufferPointer<UInt8>) throws(Failure) -> BlockParse
    ) throws(Failure) -> WindowOutcome {
        let isWhole = window == 0 ..< records.count
        let start = isWhole ? 0 : records[window.lowerBound].regionStart
        let end = isWhole ? text.utf8Count : windowEnd
        var bytes: [UInt8] = text.withUTF8(in: start ..< end) { Array($0) }
        // The github profile's front matter is a block of its own, not Markdown: the
        // parse sees its bytes as spaces (same offsets and lines).
        var frontMatter: FrontMatter?
        if options.profile == .github && start == 0, let found = Self.frontMatter(of: text) {
            guard found.byteCount <= end else { return .widen }
            frontMatter = found
            found.mask(&bytes)
        }
        var oldCounts = FlagCounts()
        var oldFlags: RegionFlags = []
        for index in window {
            oldCounts.add(records[index].flags)
            oldFlags.formUnion(records[index].flags)
        }
        var definitions: DefinitionContext?
        var hazard: ReferenceHazard = []
        if !isWhole {
            var newFlags = bytes.withUnsafeBufferPointer(RegionFlags.scan)
            // A label still open at the window's end may close in the text after it.
            if newFlags.contains(.unclosedLabel) && window.upperBound < records.count { return .widen }
            newFlags = newFlags.closed
            hazard = Self.referenceHazard(old: oldFlags, new: newFlags, outside: (totals - oldCounts).present)
            if hazard.contains(.footnotes) { return .fullParse(.footnotes) }
            if hazard.contains(.needsDefinitions) {
                guard let context = definitionContext(around: window, windowBytes: bytes, text: text) else { return .fullParse(.references) }
                definitions = context
            }
        }
        let input = definitions?.input ?? bytes
        var parsed = try input.withUnsafeBufferPointer { buffer in
            Result { () throws(Failure) -> BlockParse in try parse(buffer) }
        }.get()
        let lines = bytes.withUnsafeBufferPointer(LineStarts.init)
        if let definitions {
            switch definitions.windowBlocks(of: parsed, windowLines: lines.lineSpan) {
            case .blocks(let blocks): parsed = BlockParse(blocks: blocks, footnotes: parsed.footnotes)
            case .widen: return .widen
            case .fullParse: return .fullParse(.references)
            }
        }
        if let frontMatter {
            parsed.blocks.insert(ParsedBlock(kind: .frontMatter, lines: 0 ... frontMatter.lineCount - 1, html: frontMatter.html), at: 0)
        }
        // A footnote section means a footnote was referenced and defined in the window
        // (the hazard check above sends those to a full parse; this guards it) or in
        // the definition segments parsed with it: only a full parse numbers them right.
        if !isWhole && !parsed.footnotes.isEmpty { return .fullParse(.footnotes) }
        let keepsDefinitions = hazard.contains(.keepsDefinitions)
        let oldSources = keepsDefinitions ? definitionSources(of: window) : nil
        return try bytes.withUnsafeBufferPointer { buffer throws(Failure) in
            try splice(
                parsed, into: window, isWhole: isWhole, window: buffer, lines: lines, at: start, text: text, version: newVersion, oldCounts: oldCounts,
                frontMatter: start == 0 ? .some(frontMatter?.byteCount) : nil
            ) { newSources throws(Failure) in
                // The definitions other blocks may use must come out the same.
                guard keepsDefinitions else { return true }
                guard let oldSources else { return false }
                // Probing parses both texts: past half the document, a full parse is cheaper.
                let probed = (oldSources + newSources).reduce(0) { $0 + $1.count }
                guard probed <= text.utf8Count / 2 else { return false }
                return try DefinitionProbe.sameDefinitions(old: oldSources, new: newSources, parse: parse)
            }
        }
    }

    /// Whether re-parsing a window whose old and new text have `old` and `new` flags,
    /// in a document whose other blocks have `outside`, could differ from a full parse
    /// through link reference definitions or footnotes.
    static func referenceHazard(old: RegionFlags, new: RegionFlags, outside: RegionFlags) -> ReferenceHazard {
        let window = old.union(new)
        if window.contains(.caret) && outside.union(window).contains(.footnoteDefinition) { return .footnotes }
        var hazard: ReferenceHazard = []
        if window.contains(.definition) && outside.contains(.bracket) { hazard.insert(.keepsDefinitions) }
        if new.contains(.bracket) && outside.contains(.definition) { hazard.insert(.needsDefinitions) }
        return hazard
    }

    /// Splices `parsed` in when its blocks end at a cut and `holds` says yes to the
    /// sources of the new segments that may define link references.
    private mutating func splice<Source: UTF8Source, Failure: Error>(
        _ parsed: BlockParse, into window: Range<Int>, isWhole: Bool, window bytes: UnsafeBufferPointer<UInt8>,
        lines: LineStarts, at start: Int, text: Source, version newVersion: UInt64, oldCounts: FlagCounts,
        frontMatter: Int??, holds: (_ newSources: [[UInt8]]) throws(Failure) -> Bool
    ) throws(Failure) -> WindowOutcome {
        let reader = LineReader(source: text, buffer: bytes, bufferStart: start)
        let end = start + bytes.count
        let startLine = isWhole ? 0 : records[window.lowerBound].regionStartLine
        func lastLine(of block: ParsedBlock) -> LineInfo {
            let lineStart = start + lines.start(of: block.lines.upperBound)
            return reader.line(at: lineStart) ?? LineInfo(start: lineStart, end: lineStart, isBlank: true, firstByte: nil)
        }

        // Where each new block's region starts, and whether that is a cut.
        var cuts: [(offset: Int, kind: CutKind)] = []
        for (index, block) in parsed.blocks.enumerated() {
            if index == 0 {
                cuts.append((start, isWhole || window.lowerBound == 0 ? .independent : records[window.lowerBound].cut))
                continue
            }
            let previous = lastLine(of: parsed.blocks[index - 1])
            let blockStart = start + lines.start(of: block.lines.lowerBound)
            if let cut = reader.cut(after: parsed.blocks[index - 1].kind, lastLine: previous), cut.offset <= blockStart {
                cuts.append(cut)
            } else {
                cuts.append((min(previous.end, blockStart), .none))
            }
        }
        // The blocks after the window must start at a cut of the new text too.
        var endCut: (offset: Int, kind: CutKind)?
        if window.upperBound < records.count {
            guard let last = parsed.blocks.last,
                  let cut = reader.cut(after: last.kind, lastLine: lastLine(of: last)),
                  // A cut past the window's end would leave blank lines the window's last
                  // block takes in a full parse (an open fence in a list keeps them).
                  cut.offset <= end, reader.isLineStart(end), reader.onlyBlankLines(between: cut.offset, and: end)
            else { return .widen }
            endCut = cut
        }

        let oldEndLine = window.upperBound < records.count ? records[window.upperBound].regionStartLine : terminatorCount
        let newEndLine = startLine + lines.terminatorCount
        let lineDelta = newEndLine - oldEndLine
        let byteDelta = text.utf8Count - utf8Count

        var newRecords: [BlockRecord] = []
        var newCounts = FlagCounts()
        for (index, block) in parsed.blocks.enumerated() {
            let regionStart = cuts[index].offset
            let regionEnd = index + 1 < cuts.count ? cuts[index + 1].offset : min(endCut?.offset ?? end, end)
            let flags = RegionFlags.scan(UnsafeBufferPointer(rebasing: bytes[(regionStart - start) ..< max(regionStart, regionEnd) - start])).closed
            newCounts.add(flags)
            newRecords.append(BlockRecord(
                key: BlockKey(rawValue: 0), kind: block.kind, cut: cuts[index].kind, flags: flags,
                regionStart: regionStart, regionStartLine: startLine + lines.line(of: regionStart - start),
                lines: (startLine + block.lines.lowerBound) ... (startLine + block.lines.upperBound)
            ))
        }
        let sources = Self.definitionSegments(of: newRecords, in: bytes, at: start, end: min(endCut?.offset ?? end, end))
        guard try holds(sources.map(\.bytes)) else { return .fullParse(.references) }

        // Keys: unchanged blocks at either end of the window keep theirs; changed ones
        // take the keys of the old blocks in their place, in order; the rest are new.
        func isSame(_ oldIndex: Int, _ newIndex: Int, shift: Int) -> Bool {
            let old = records[oldIndex]
            let new = newRecords[newIndex]
            return old.kind == new.kind && old.lines.lowerBound + shift == new.lines.lowerBound
                && old.lines.upperBound + shift == new.lines.upperBound && parsedHTML(at: oldIndex) == parsed.blocks[newIndex].html
        }
        let newCount = newRecords.count
        var prefix = 0
        while prefix < window.count, prefix < newCount, isSame(window.lowerBound + prefix, prefix, shift: 0) { prefix += 1 }
        var suffix = 0
        while suffix < window.count - prefix, suffix < newCount - prefix,
              isSame(window.upperBound - 1 - suffix, newCount - 1 - suffix, shift: lineDelta) { suffix += 1 }
        let oldMiddle = (window.lowerBound + prefix) ..< (window.upperBound - suffix)
        for index in newRecords.indices {
            if index < prefix {
                newRecords[index].key = records[window.lowerBound + index].key
            } else if index >= newCount - suffix {
                newRecords[index].key = records[window.upperBound - (newCount - index)].key
            } else if index - prefix < oldMiddle.count {
                newRecords[index].key = records[oldMiddle.lowerBound + index - prefix].key
            } else {
                newRecords[index].key = BlockKey(rawValue: nextKey)
                nextKey += 1
            }
        }
        let removed = oldMiddle.map { records[$0].key }
        let oldKeys = window.map { records[$0].key }
        let newFootnotes: String? = version == nil || (isWhole && parsed.footnotes != footnotes) ? parsed.footnotes : nil

        // Commit.
        for index in window { definitionSources[records[index].key] = nil }
        for source in sources where source.bytes.count <= Self.definitionSourceLimit {
            definitionSources[newRecords[source.first].key] = source.bytes
        }
        records.replaceSubrange(window, with: newRecords)
        htmls.replaceSubrange(window, with: parsed.blocks.lazy.map(\.html))
        let after = window.lowerBound + newCount
        if byteDelta != 0 || lineDelta != 0 {
            for index in after ..< records.count {
                records[index].regionStart += byteDelta
                records[index].regionStartLine += lineDelta
                records[index].lines = (records[index].lines.lowerBound + lineDelta) ... (records[index].lines.upperBound + lineDelta)
            }
        }
        if let endCut, after < records.count {
            records[after].regionStart = endCut.offset
            records[after].cut = endCut.kind
            records[after].regionStartLine = endCut.offset <= end
                ? startLine + lines.line(of: endCut.offset - start)
                : newEndLine + reader.lineCount(from: end, to: endCut.offset)
        }
        let newWindow = window.lowerBound ..< after
        let changed = (window.lowerBound + prefix) ..< (after - suffix)
        let updated = options.profile == .github ? finalizeHeadings(window: newWindow, replacing: oldKeys, changed: changed) : []
        let inserted = changed.map { RenderedBlock(key: records[$0].key, lines: records[$0].lines, html: htmls[$0]) }
        if let frontMatter { frontMatterByteCount = frontMatter }
        totals = totals - oldCounts
        for record in newRecords { totals.add(record.flags) }
        if isWhole, newFootnotes != nil { footnotes = parsed.footnotes }
        let patch = BlockPatch(
            baseVersion: version, version: newVersion, start: window.lowerBound + prefix,
            removed: removed, inserted: inserted, lineDelta: lineDelta, footnotes: newFootnotes, updated: updated
        )
        utf8Count = text.utf8Count
        terminatorCount += lineDelta
        version = newVersion
        return .patch(patch)
    }
}

/// Where the lines of a window start, relative to the window.
struct LineStarts {
    private var starts: [Int] = [0]
    private(set) var terminatorCount = 0
    private let count: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        count = bytes.count
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            guard byte == 0x0A || byte == 0x0D else { continue }
            if byte == 0x0D, index < bytes.count, bytes[index] == 0x0A { index += 1 }
            terminatorCount += 1
            if index < bytes.count { starts.append(index) }
        }
    }

    /// The number of lines the window has (a last line without a terminator counts).
    var lineSpan: Int { count == 0 ? 0 : starts.count }

    /// Where line `line` starts (the last line's start for a line past it).
    func start(of line: Int) -> Int { starts[max(0, min(line, starts.count - 1))] }

    /// The line that starts at `offset`, or the line count for the window's end.
    func line(of offset: Int) -> Int {
        guard offset < count else { return terminatorCount }
        var low = 0, high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low
    }
}

extension LineReader {
    /// The number of lines from the line start `from` to the line start `to`.
    func lineCount(from: Int, to: Int) -> Int {
        var count = 0
        var position = from
        while position < to, let line = line(at: position) {
            count += 1
            position = line.end
        }
        return count
    }
}
