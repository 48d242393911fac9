import MarkdownRenderer

/// The name of a block: it stays the same while the block's content does, even when
/// lines are inserted or removed above it.
public struct BlockKey: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The key's number, unique within one document.
    public let rawValue: UInt64

    /// A key.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: BlockKey, rhs: BlockKey) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "b\(rawValue)" }
}

/// One top-level block of a rendered document.
public struct RenderedBlock: Sendable, Hashable {
    /// The block's key.
    public let key: BlockKey
    /// The source lines it spans, counted from 0.
    public let lines: ClosedRange<Int>
    /// Its HTML ("" for a footnote definition, which renders in the footnote section).
    public let html: String

    /// A block.
    public init(key: BlockKey, lines: ClosedRange<Int>, html: String) {
        self.key = key
        self.lines = lines
        self.html = html
    }
}

/// A block outside a patch's replaced run whose HTML changed in place: same key, same
/// lines (a heading renumbered because a same-named heading came or went above it).
public struct BlockUpdate: Sendable, Hashable {
    /// The block's index once the patch's run is replaced.
    public let index: Int
    /// The block's key (it does not change).
    public let key: BlockKey
    /// Its new HTML.
    public let html: String

    /// An update.
    public init(index: Int, key: BlockKey, html: String) {
        self.index = index
        self.key = key
        self.html = html
    }
}

/// How a rendered document changed from one version to the next: one run of blocks
/// replaced by another, the source lines of the blocks after it shifted, blocks
/// elsewhere whose HTML changed in place, and the footnote section if it changed.
public struct BlockPatch: Sendable, Hashable {
    /// The version the patch applies to, or nil for a patch that builds the document
    /// from nothing (a snapshot: `start` 0, nothing removed, every block inserted).
    public let baseVersion: UInt64?
    /// The version the patch produces.
    public let version: UInt64
    /// The index of the first block removed, or where the insertion goes.
    public let start: Int
    /// The keys of the blocks removed, in order, from `start` on.
    public let removed: [BlockKey]
    /// The blocks put in their place (a removed key that comes back is the same block
    /// with new content).
    public let inserted: [RenderedBlock]
    /// Added to the line numbers of every block after the inserted ones.
    public let lineDelta: Int
    /// The new footnote section, or nil when it did not change.
    public let footnotes: String?
    /// Blocks outside the replaced run whose HTML changed (in index order), applied
    /// after the run is replaced and the lines shifted.
    public let updated: [BlockUpdate]

    /// A patch.
    public init(
        baseVersion: UInt64?, version: UInt64, start: Int, removed: [BlockKey], inserted: [RenderedBlock], lineDelta: Int, footnotes: String?,
        updated: [BlockUpdate] = []
    ) {
        self.baseVersion = baseVersion
        self.version = version
        self.start = start
        self.removed = removed
        self.inserted = inserted
        self.lineDelta = lineDelta
        self.footnotes = footnotes
        self.updated = updated
    }

    /// The bytes of HTML the patch carries.
    public var htmlByteCount: Int {
        inserted.reduce(updated.reduce(footnotes?.utf8.count ?? 0) { $0 + $1.html.utf8.count }) { $0 + $1.html.utf8.count }
    }
}

/// A patch that does not fit the document it is applied to.
public enum PatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The patch applies to another version.
    case versionMismatch(expected: UInt64?, found: UInt64?)
    /// The blocks it removes are not there.
    case blocksMismatch(start: Int)
    /// A block it updates in place is not there.
    case updateMismatch(index: Int)

    public var description: String {
        switch self {
        case .versionMismatch(let expected, let found):
            "the patch applies to version \(expected.map(String.init) ?? "none"), the document is at \(found.map(String.init) ?? "none")"
        case .blocksMismatch(let start): "the blocks the patch removes at index \(start) are not there"
        case .updateMismatch(let index): "the block the patch updates at index \(index) is not there"
        }
    }
}

/// A rendered document kept up to date by applying patches: what a client of the
/// preview keeps.
public struct RenderedDocument: Sendable, Hashable {
    /// The version of the last patch applied.
    public private(set) var version: UInt64?
    /// The blocks, in document order.
    public private(set) var blocks: [RenderedBlock] = []
    /// The footnote section, or "".
    public private(set) var footnotes = ""

    /// An empty document: apply a snapshot patch first.
    public init() {}

    /// Applies `patch`; throws, changing nothing, when it does not fit. O(blocks after
    /// the patch's start + HTML inserted).
    public mutating func apply(_ patch: BlockPatch) throws(PatchError) {
        if patch.baseVersion == nil {
            blocks = []
            footnotes = ""
        } else if patch.baseVersion != version {
            throw .versionMismatch(expected: patch.baseVersion, found: version)
        }
        let end = patch.start + patch.removed.count
        guard patch.start >= 0, end <= blocks.count, blocks[patch.start ..< end].map(\.key) == patch.removed else {
            throw .blocksMismatch(start: patch.start)
        }
        let newCount = blocks.count - patch.removed.count + patch.inserted.count
        for update in patch.updated {
            let index = update.index < patch.start ? update.index
                : update.index >= patch.start + patch.inserted.count ? update.index - patch.inserted.count + patch.removed.count : -1
            guard update.index < newCount, index >= 0, blocks[index].key == update.key else { throw .updateMismatch(index: update.index) }
        }
        blocks.replaceSubrange(patch.start ..< end, with: patch.inserted)
        if patch.lineDelta != 0 {
            for index in (patch.start + patch.inserted.count) ..< blocks.count {
                let block = blocks[index]
                blocks[index] = RenderedBlock(key: block.key, lines: (block.lines.lowerBound + patch.lineDelta) ... (block.lines.upperBound + patch.lineDelta), html: block.html)
            }
        }
        for update in patch.updated {
            let block = blocks[update.index]
            blocks[update.index] = RenderedBlock(key: block.key, lines: block.lines, html: update.html)
        }
        if let newFootnotes = patch.footnotes { footnotes = newFootnotes }
        version = patch.version
    }

    /// The whole HTML: the blocks', then the footnote section. O(size of the HTML).
    public var html: String { BlockParse.joined(blocks.lazy.map(\.html), footnotes: footnotes) }
}
