public import DocumentModel
public import MarkdownRenderer

/// The rendered HTML of one document as a sequence of keyed top-level blocks, updated
/// after an edit by re-parsing only a window of blocks around it whenever that provably
/// gives the full parse's HTML, and by a full parse otherwise. Each update returns a
/// ``BlockPatch`` against the version before. `Docs/INCREMENTAL.md` gives the algorithm
/// and why it is exact.
///
/// A value type, not synchronized: one owner updates it at a time.
///
/// Complexity, with b the number of blocks and w the bytes re-parsed: an update is
/// O(w) for the parse and scans plus O(b) to shift the blocks after the window (a few
/// machine words each), and O(log b) to find the window.
public struct IncrementalDocument: Sendable {
    /// The options every parse uses.
    public let options: RenderOptions
    /// The version of the text the blocks render, or nil before the first update.
    public internal(set) var version: UInt64?
    /// What the updates did.
    public private(set) var statistics = IncrementalStatistics()
    /// What the last update did.
    public private(set) var lastUpdate = UpdateKind.fullParse(.firstRender)

    var records: [BlockRecord] = []
    var htmls: [String] = []
    var footnotes = ""
    var totals = FlagCounts()
    var utf8Count = 0
    /// The number of line terminators in the text.
    var terminatorCount = 0
    var nextKey: UInt64 = 0
    /// The text of each segment (run of blocks from one cut to the next) that may define
    /// link references, under its first block's key: what an edit of it is compared
    /// with (``DefinitionProbe``).
    var definitionSources: [BlockKey: [UInt8]] = [:]
    /// The heading templates, slugs and ids of the blocks with headings (`github`).
    var headings = HeadingState()
    /// The size of the front matter block in UTF-8 bytes, or nil without one (`github`).
    var frontMatterByteCount: Int?

    /// An empty document; the first update parses the whole text.
    public init(options: RenderOptions = .default) {
        self.options = options
    }

    /// Brings the blocks to `text` at `version`. `changes` says what changed since the
    /// blocks' version (from `TextDocument.takeChanges()`); without it, or when it starts
    /// from another version, the whole text is parsed. `parse` parses a window of the
    /// text (in process, or in a worker process); when it throws, nothing changes.
    public mutating func update<Source: UTF8Source, Failure: Error>(
        to text: Source, version newVersion: UInt64, changes: TextChanges?,
        parse: (UnsafeBufferPointer<UInt8>) throws(Failure) -> BlockParse
    ) throws(Failure) -> BlockPatch {
        var reason = FullParseReason.firstRender
        if let version {
            if options.sourcePositions {
                reason = .sourcePositions
            } else if let changes, changes.since == version {
                guard let range = changes.range else { return unchanged(at: newVersion) }
                if options.profile == .github && frontMatterMayAppearOrVanish(text: text, editStart: range.lowerBound) {
                    return try fullParse(text: text, version: newVersion, reason: .frontMatter, parse: parse)
                }
                switch try updateWindow(text: text, range: range, version: newVersion, parse: parse) {
                case .patched(let patch): return patch
                case .needsFullParse(let why): reason = why
                }
            } else {
                reason = .noChangeHistory
            }
        }
        return try fullParse(text: text, version: newVersion, reason: reason, parse: parse)
    }

    private mutating func fullParse<Source: UTF8Source, Failure: Error>(
        text: Source, version newVersion: UInt64, reason: FullParseReason, parse: (UnsafeBufferPointer<UInt8>) throws(Failure) -> BlockParse
    ) throws(Failure) -> BlockPatch {
        let full = try parseWindow(0 ..< records.count, text: text, end: text.utf8Count, version: newVersion, parse: parse)
        guard case .patch(let patch) = full else { preconditionFailure("a full parse always succeeds") }
        statistics.countFullParse(reason)
        lastUpdate = .fullParse(reason)
        return patch
    }

    /// Whether an edit from `editStart` on may have made a front matter block appear or
    /// vanish (then blocks that were Markdown become front matter, or the reverse). An
    /// edit after a front matter's closing line cannot; otherwise the new text is
    /// looked at, which costs O(1) unless it starts with `---` or `+++`.
    private func frontMatterMayAppearOrVanish<Source: UTF8Source>(text: Source, editStart: Int) -> Bool {
        if let end = frontMatterByteCount, editStart >= end, end < utf8Count { return false }
        return (Self.frontMatter(of: text) == nil) != (frontMatterByteCount == nil)
    }

    /// The front matter at the start of `text`, if any. O(1) unless the text starts
    /// with `---` or `+++`, then O(the front matter's size).
    static func frontMatter<Source: UTF8Source>(of text: Source) -> FrontMatter? {
        let count = text.utf8Count
        let opens = text.withUTF8(in: 0 ..< min(count, 3)) { $0.elementsEqual("---".utf8) || $0.elementsEqual("+++".utf8) }
        guard opens else { return nil }
        return text.withUTF8(in: 0 ..< min(count, FrontMatter.maximumByteCount)) { FrontMatter.detect(in: $0) }
    }

    /// The current version's blocks, kept apart from later updates. O(1); the next
    /// update copies the block table (O(b)) if the content is still held then.
    public var content: RenderedContent {
        RenderedContent(version: version ?? 0, records: records, htmls: htmls, footnotes: footnotes)
    }

    /// The whole HTML of the current version. O(size of the HTML).
    public var html: String { content.html }

    /// The current blocks. O(b).
    public var blocks: [RenderedBlock] { content.blocks }

    /// The number of top-level blocks.
    public var blockCount: Int { records.count }

    /// Bytes kept: the block table, the HTML, the footnote section and the text of the
    /// segments that may define link references. O(b).
    public var memoryFootprint: (perBlock: Int, total: Int) {
        let perBlock = MemoryLayout<BlockRecord>.stride + MemoryLayout<String>.stride
        let sources = definitionSources.values.reduce(0) { $0 + $1.count + MemoryLayout<BlockKey>.stride + MemoryLayout<[UInt8]>.stride }
        return (perBlock, records.count * perBlock + htmls.reduce(footnotes.utf8.count) { $0 + $1.utf8.count } + sources + headings.byteCount)
    }

    // MARK: Updating

    private mutating func unchanged(at newVersion: UInt64) -> BlockPatch {
        defer { version = newVersion }
        statistics.countWindow(bytes: 0)
        lastUpdate = .window(bytes: 0)
        return BlockPatch(baseVersion: version, version: newVersion, start: records.count, removed: [], inserted: [], lineDelta: 0, footnotes: nil)
    }

    /// Re-parses the narrowest window of blocks around `range` that can be spliced in, or
    /// says why the whole text must be parsed.
    private mutating func updateWindow<Source: UTF8Source, Failure: Error>(
        text: Source, range: ChangedRange, version newVersion: UInt64,
        parse: (UnsafeBufferPointer<UInt8>) throws(Failure) -> BlockParse
    ) throws(Failure) -> WindowUpdate {
        let count = text.utf8Count
        guard !records.isEmpty, range.lowerBound > 0 || range.oldUpperBound < utf8Count else { return .needsFullParse(.wholeText) }
        let reader = LineReader(source: text, buffer: UnsafeBufferPointer(start: nil, count: 0), bufferStart: 0)
        // The window starts at the last cut at or before the change that still holds.
        var first = lastIndex { $0.regionStart <= range.lowerBound }
        while first > 0 && !isUsableStart(first, reader: reader) { first -= 1 }
        // ... and ends at the first cut after it.
        var end = firstIndex { $0.regionStart > range.oldUpperBound }
        while end < records.count && records[end].cut == .none { end += 1 }
        var step = 1
        while true {
            // A window of every block is the whole text: say so.
            if first == 0 && end == records.count { return .needsFullParse(.wideWindow) }
            let windowStart = records[first].regionStart
            let windowEnd = (end < records.count ? records[end].regionStart : utf8Count) + range.utf8Delta
            if count > 16384 && (windowEnd - windowStart) * 2 > count { return .needsFullParse(.wideWindow) }
            switch try parseWindow(first ..< end, text: text, end: windowEnd, version: newVersion, parse: parse) {
            case .patch(let patch):
                statistics.countWindow(bytes: windowEnd - windowStart)
                lastUpdate = .window(bytes: windowEnd - windowStart)
                return .patched(patch)
            case .fullParse(let reason):
                return .needsFullParse(reason)
            case .widen:
                for _ in 0 ..< step where end < records.count {
                    end += 1
                    while end < records.count && records[end].cut == .none { end += 1 }
                }
                step *= 2
            }
        }
    }

    /// Whether a parse may start afresh at the region of block `index` in the new text.
    private func isUsableStart<Source: UTF8Source>(_ index: Int, reader: LineReader<Source>) -> Bool {
        let record = records[index]
        guard reader.isLineStart(record.regionStart) else { return false }
        switch record.cut {
        case .none: return false
        case .independent: return true
        case .closingLine: return reader.closesRunOnBlock(at: record.regionStart)
        }
    }

    private func lastIndex(where isBefore: (BlockRecord) -> Bool) -> Int {
        var low = 0, high = records.count   // records[0] is always before
        while high - low > 1 {
            let middle = (low + high) / 2
            if isBefore(records[middle]) { low = middle } else { high = middle }
        }
        return low
    }

    private func firstIndex(where isAfter: (BlockRecord) -> Bool) -> Int {
        var low = 0, high = records.count
        while low < high {
            let middle = (low + high) / 2
            if isAfter(records[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

/// What an attempt to re-parse a window came to.
private enum WindowUpdate {
    case patched(BlockPatch)
    case needsFullParse(FullParseReason)
}

/// What one update parsed.
public enum UpdateKind: Sendable, Hashable {
    /// A window of this many bytes (0: the text was unchanged).
    case window(bytes: Int)
    /// The whole text, for this reason.
    case fullParse(FullParseReason)
}

/// One version's blocks, as an update left them: the whole HTML and a snapshot patch
/// on demand.
public struct RenderedContent: Sendable {
    /// The version.
    public let version: UInt64
    let records: [BlockRecord]
    let htmls: [String]
    let footnotes: String

    /// The whole HTML. O(size of the HTML).
    public var html: String { BlockParse.joined(htmls, footnotes: footnotes) }

    /// The size of the whole HTML in UTF-8 bytes. O(b).
    public var htmlByteCount: Int { htmls.reduce(footnotes.utf8.count) { $0 + $1.utf8.count } }

    /// The blocks. O(b).
    public var blocks: [RenderedBlock] {
        zip(records, htmls).map { RenderedBlock(key: $0.key, lines: $0.lines, html: $1) }
    }

    /// A patch that builds this version from nothing. O(b).
    public func snapshot() -> BlockPatch {
        BlockPatch(baseVersion: nil, version: version, start: 0, removed: [], inserted: blocks, lineDelta: 0, footnotes: footnotes)
    }
}

/// Why an update parsed the whole text.
public enum FullParseReason: String, Sendable, Hashable, CaseIterable {
    /// The first render of the document.
    case firstRender
    /// The update did not say what changed since the blocks' version (a render failed
    /// or was skipped in between).
    case noChangeHistory
    /// The whole text changed.
    case wholeText
    /// A link reference definition may have changed, or the window may use one defined
    /// outside it.
    case references
    /// Footnote numbering or the footnote section may have changed.
    case footnotes
    /// A front matter block may have appeared or vanished (`github` profile).
    case frontMatter
    /// Source positions are on: every block after an edit changes its line numbers.
    case sourcePositions
    /// The window grew to every block, or past half of a text over 16 KiB.
    case wideWindow
}

/// What a document's updates did.
public struct IncrementalStatistics: Sendable, Hashable {
    /// Updates that re-parsed a window (or nothing, for an unchanged text).
    public private(set) var windowUpdates = 0
    /// Bytes re-parsed by window updates.
    public private(set) var windowBytes = 0
    /// Full parses, by reason.
    public private(set) var fullParses: [FullParseReason: Int] = [:]

    /// Updates after the first render.
    public var updates: Int { windowUpdates + fallbacks }
    /// Full parses other than the first render's.
    public var fallbacks: Int { fullParses.filter { $0.key != .firstRender }.values.reduce(0, +) }

    mutating func countWindow(bytes: Int) {
        windowUpdates += 1
        windowBytes += bytes
    }

    mutating func countFullParse(_ reason: FullParseReason) {
        fullParses[reason, default: 0] += 1
    }
}
