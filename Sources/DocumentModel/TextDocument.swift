import _RopeModule

/// The text of one document being edited, with a version that counts applied edits.
///
/// `TextDocument` is a value type. Its text lives in a `BigString` (a B-tree of small
/// UTF-8 chunks), next to a B-tree of line lengths; both are copy-on-write, so copying a
/// document is O(1) and the first edit of a copy copies only the O(log n) tree nodes it
/// touches. It is `Sendable` but not synchronized: an owner shared between threads wraps
/// it in a lock, and keeps only O(log n) work inside the lock (take the `snapshot`
/// there; build the render input, `snapshot.text`, outside it).
///
/// Edits address the text by offsets in Unicode scalars (the default), UTF-16 code
/// units or UTF-8 bytes, or by LSP-style `LinePosition`s. Every successful call of a
/// mutating method increases `version` by exactly 1, whether it applies one patch, a
/// transaction of several, or `replaceAll(with:)`, and even if the text is unchanged
/// (say, an empty insert). A call that throws changes neither the text nor the version.
///
/// Typing is the common case, so Unicode-scalar edits that touch the previous one (the
/// next keystroke, a backspace, an overwrite) are collected in a small pending buffer of
/// at most `pendingLimit` scalars in front of the trees, and written to the trees as one
/// replacement when an edit lands elsewhere, when the buffer is full, or before an edit
/// in another unit. This is invisible in the API; it makes a keystroke at the end of
/// the run O(1) amortized (O(p) inside the run, O(log n) when it starts a new run)
/// instead of a B-tree update, and speeds up typing a lot in debug builds, where B-tree
/// updates cost ~100 µs.
///
/// Complexity, with n the size of the text, k the size of the inserted text and p ≤
/// `pendingLimit` the size of the pending buffer: an edit is O(log n + k + p) (plus
/// O(removed lines) when a deletion removes line breaks); the counts are O(1);
/// `snapshot`, `lineCount` and `utf8Offset(of:unit:)` are O(log n + p); `text` and
/// `replaceAll(with:)` are O(n).
public struct TextDocument: Sendable {
    /// The most scalars the pending buffer holds before it is written to the trees.
    public static let pendingLimit = 1024

    /// The number of applied edits and transactions, plus the initial version.
    public private(set) var version: UInt64
    /// The text before the pending replacement.
    private var base: FlatText
    /// A replacement of a range of `base` not yet written to its trees.
    private var pending: PendingReplacement?
    /// The version `changes` starts from, and what changed since.
    private var changesSince: UInt64
    private var changes: ChangedRange?

    /// A document holding `text`, at `version`. O(n).
    public init(_ text: String = "", version: UInt64 = 0) {
        self.version = version
        self.base = FlatText(text)
        changesSince = version
    }

    /// What changed since the last call (or since the document was made), and starts
    /// counting afresh from the current version. O(1). A renderer that re-parses only
    /// what changed takes this with each snapshot.
    public mutating func takeChanges() -> TextChanges {
        defer {
            changesSince = version
            changes = nil
        }
        return TextChanges(since: changesSince, range: changes)
    }

    /// Records that the UTF-8 bytes `replaced` became `insertedCount` bytes.
    private mutating func recordChange(replacing replaced: Range<Int>, insertedCount: Int) {
        if changes == nil {
            changes = ChangedRange(replacing: replaced, insertedCount: insertedCount)
        } else {
            changes!.include(replacing: replaced, insertedCount: insertedCount)
        }
    }

    /// The whole text as a native (contiguous UTF-8) `String`. O(n).
    public var text: String { String(flattenedStorage) }

    /// The current text and version, for a render. O(log n + p); it shares storage with
    /// the document, and later edits of the document do not change it.
    public var snapshot: TextSnapshot { TextSnapshot(version: version, content: flattenedStorage) }

    /// The length of the text in UTF-8 bytes. O(1).
    public var utf8Count: Int {
        base.utf8Count + (pending.map { $0.utf8 - ($0.upper.utf8Offset - $0.lower.utf8Offset) } ?? 0)
    }

    /// The length of the text in UTF-16 code units. O(1).
    public var utf16Count: Int {
        base.utf16Count + (pending.map { $0.utf16 - $0.replacedUTF16 } ?? 0)
    }

    /// The length of the text in Unicode scalars. O(1).
    public var unicodeScalarCount: Int {
        base.unicodeScalarCount + (pending.map { $0.scalars.count - $0.replacedScalars } ?? 0)
    }

    /// The number of lines: 1 plus the number of line terminators (`"\n"`, `"\r\n"`, or a
    /// lone `"\r"`). An empty text has 1 line; a text ending in a terminator ends with an
    /// empty line. O(log n + p).
    public var lineCount: Int { flattened.lines.lineCount }

    /// Applies one patch and increases `version` by 1. O(log n + k + p).
    ///
    /// - Throws: `EditError` when the patch's range is invalid for the current text
    ///   (then nothing changes).
    public mutating func apply(_ patch: TextPatch) throws(EditError) {
        try applyWithoutVersion(patch)
        version += 1
    }

    /// Applies `patches` in order as one atomic transaction and increases `version` by 1.
    ///
    /// Each patch's range is resolved against the text left by the patches before it
    /// (as in the edit traces). If any patch is invalid, the text is restored to what it
    /// was before the first patch and the error is thrown, wrapped in
    /// `EditError.inTransaction(patchIndex:underlying:)`. An empty transaction changes
    /// nothing but the version. O(sum of the patches' costs); the copy kept for the
    /// rollback costs O(1), plus O(p) when the pending buffer changes.
    public mutating func apply(transaction patches: some Collection<TextPatch>) throws(EditError) {
        let savedBase = base
        let savedPending = pending
        let savedChanges = changes
        for (patchIndex, patch) in patches.enumerated() {
            do {
                try applyWithoutVersion(patch)
            } catch {
                base = savedBase
                pending = savedPending
                changes = savedChanges
                throw .inTransaction(patchIndex: patchIndex, underlying: error)
            }
        }
        version += 1
    }

    /// Replaces the whole text (an LSP full-document change) and increases `version` by 1.
    /// O(n).
    public mutating func replaceAll(with text: String) {
        // Only the part between the common prefix and suffix is recorded as changed, so
        // a whole-text replacement that changes a line re-renders around that line.
        let (prefix, suffix) = Self.commonEnds(of: flattenedStorage.utf8, and: text.utf8)
        recordChange(replacing: prefix ..< (utf8Count - suffix), insertedCount: text.utf8.count - prefix - suffix)
        pending = nil
        base = FlatText(text)
        version += 1
    }

    /// The lengths in bytes of the longest common prefix and suffix of two UTF-8
    /// texts, both ending on scalar boundaries and not overlapping in either. O(n).
    static func commonEnds(of old: some BidirectionalCollection<UInt8>, and new: some BidirectionalCollection<UInt8>) -> (prefix: Int, suffix: Int) {
        func isContinuation(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }
        var prefix = 0
        var lastBoundary = 0
        for (a, b) in zip(old, new) {
            guard a == b else { break }
            prefix += 1
            if !isContinuation(a) { lastBoundary = prefix - 1 }
        }
        let oldCount = old.count, newCount = new.count
        // A prefix ending inside a scalar is cut back to that scalar's start.
        func continues(_ text: some BidirectionalCollection<UInt8>, _ count: Int) -> Bool {
            prefix < count && isContinuation(text[text.index(text.startIndex, offsetBy: prefix)])
        }
        if continues(old, oldCount) || continues(new, newCount) { prefix = lastBoundary }
        var suffix = 0
        let limit = min(oldCount, newCount) - prefix
        for (a, b) in zip(old.reversed(), new.reversed()) {
            guard suffix < limit, a == b else { break }
            suffix += 1
        }
        // A suffix starting inside a scalar is cut forward to the next scalar start.
        while suffix > 0 {
            let first = old[old.index(old.endIndex, offsetBy: -suffix)]
            guard isContinuation(first) else { break }
            suffix -= 1
        }
        return (prefix, suffix)
    }

    /// The UTF-8 offset of an LSP-style position whose character counts `unit`s.
    /// O(log n + p).
    ///
    /// - Throws: `EditError.lineOutOfRange`, `.characterOutOfRange` or
    ///   `.positionSplitsScalar`, exactly as an edit at that position would.
    public func utf8Offset(of position: LinePosition, unit: TextUnit = .utf16) throws(EditError) -> Int {
        try flattened.utf8Offset(of: position, unit: unit)
    }

    /// The UTF-8 offset of the scalar offset `offset` (in bounds). O(log n + p).
    private func utf8Offset(ofScalar offset: Int) -> Int {
        func inBase(_ offset: Int) -> Int {
            base.storage.unicodeScalars.index(base.storage.startIndex, offsetBy: offset).utf8Offset
        }
        guard let pending else { return inBase(offset) }
        if offset <= pending.offset { return inBase(offset) }
        let newEnd = pending.offset + pending.scalars.count
        if offset <= newEnd {
            return pending.lower.utf8Offset + pending.scalars[..<(offset - pending.offset)].reduce(0) { $0 + UTF8.width($1) }
        }
        let replacedUTF8 = pending.upper.utf8Offset - pending.lower.utf8Offset
        return inBase(offset - pending.scalars.count + pending.replacedScalars) + pending.utf8 - replacedUTF8
    }

    // MARK: Pending replacement

    /// The text with the pending replacement written to the trees (a copy when one is
    /// pending). O(log n + p).
    private var flattened: FlatText {
        guard let pending else { return base }
        var text = base
        pending.write(to: &text)
        return text
    }

    /// The text with the pending replacement applied (a copy when one is pending),
    /// without the line index. O(log n + p).
    private var flattenedStorage: BigString {
        guard let pending else { return base.storage }
        var storage = base.storage
        storage.unicodeScalars.replaceSubrange(pending.lower..<pending.upper, with: pending.text.unicodeScalars)
        return storage
    }

    /// Writes the pending replacement to the trees. O(log n + p).
    private mutating func flush() {
        guard let replacement = pending else { return }
        pending = nil
        replacement.write(to: &base)
    }

    /// Applies one patch, leaving the version to the caller.
    private mutating func applyWithoutVersion(_ patch: TextPatch) throws(EditError) {
        if case let .offsets(offset, length, .unicodeScalars) = patch.range {
            try applyPending(offset: offset, length: length, text: patch.text)
        } else {
            flush()
            let replaced = try base.apply(patch)
            recordChange(replacing: replaced, insertedCount: patch.text.utf8.count)
        }
    }

    /// Applies a Unicode-scalar edit through the pending buffer.
    private mutating func applyPending(offset: Int, length: Int, text: String) throws(EditError) {
        let total = unicodeScalarCount
        guard offset >= 0, length >= 0, offset <= total, length <= total - offset else {
            throw .outOfRange(offset: offset, length: length, unit: .unicodeScalars, count: total)
        }
        let inserted = Array(text.unicodeScalars)
        let lowerUTF8 = utf8Offset(ofScalar: offset)
        recordChange(replacing: lowerUTF8 ..< (length == 0 ? lowerUTF8 : utf8Offset(ofScalar: offset + length)), insertedCount: text.utf8.count)
        if var replacement = pending {
            pending = nil
            if replacement.merge(offset: offset, length: length, inserted: inserted, in: base.storage) {
                pending = replacement
                return
            }
            replacement.write(to: &base)
        }
        guard inserted.count <= Self.pendingLimit else {
            let lower = base.storage.unicodeScalars.index(base.storage.startIndex, offsetBy: offset)
            let upper = base.storage.unicodeScalars.index(lower, offsetBy: length)
            base.replace(lower..<upper, with: text)
            return
        }
        pending = PendingReplacement(offset: offset, length: length, inserted: inserted, in: base.storage)
    }
}

/// A replacement of the scalars `lower..<upper` of the base text by `scalars`, kept out
/// of the trees while typing continues around it.
private struct PendingReplacement: Sendable {
    /// The replaced range of the base text (scalar aligned).
    var lower: BigString.Index
    var upper: BigString.Index
    /// The scalar offset of `lower` (in the base text and in the document).
    var offset: Int
    /// The size of the replaced range in scalars and UTF-16 code units (UTF-8: from the
    /// indices).
    var replacedScalars: Int
    var replacedUTF16: Int
    /// The new text and its sizes.
    var scalars: [Unicode.Scalar]
    var utf8: Int
    var utf16: Int

    /// A replacement of `length` scalars at `offset` (in bounds) by `inserted`.
    /// O(log n + k).
    init(offset: Int, length: Int, inserted: [Unicode.Scalar], in storage: BigString) {
        lower = storage.unicodeScalars.index(storage.startIndex, offsetBy: offset)
        upper = storage.unicodeScalars.index(lower, offsetBy: length)
        self.offset = offset
        replacedScalars = length
        replacedUTF16 = storage.utf16.distance(from: lower, to: upper)
        scalars = inserted
        utf8 = inserted.reduce(0) { $0 + UTF8.width($1) }
        utf16 = inserted.reduce(0) { $0 + UTF16.width($1) }
    }

    /// Folds an edit of the document (in bounds) that overlaps or touches the new text
    /// into this replacement, growing the replaced range when the edit deletes base text
    /// next to it. Returns false, changing nothing, when the edit is elsewhere or the
    /// result would exceed `TextDocument.pendingLimit`. O(log n + k + p).
    mutating func merge(offset editOffset: Int, length: Int, inserted: [Unicode.Scalar], in storage: BigString) -> Bool {
        let start = offset
        let end = offset + scalars.count
        let editEnd = editOffset + length
        guard editOffset <= end, editEnd >= start else { return false }
        // The part of the new text the edit removes.
        let from = max(editOffset, start) - start
        let to = min(editEnd, end) - start
        guard scalars.count - (to - from) + inserted.count <= TextDocument.pendingLimit else { return false }
        if editOffset < start {
            let newLower = storage.unicodeScalars.index(lower, offsetBy: editOffset - start)
            replacedScalars += start - editOffset
            replacedUTF16 += storage.utf16.distance(from: newLower, to: lower)
            lower = newLower
            offset = editOffset
        }
        if editEnd > end {
            let newUpper = storage.unicodeScalars.index(upper, offsetBy: editEnd - end)
            replacedScalars += editEnd - end
            replacedUTF16 += storage.utf16.distance(from: upper, to: newUpper)
            upper = newUpper
        }
        for scalar in scalars[from..<to] {
            utf8 -= UTF8.width(scalar)
            utf16 -= UTF16.width(scalar)
        }
        for scalar in inserted {
            utf8 += UTF8.width(scalar)
            utf16 += UTF16.width(scalar)
        }
        scalars.replaceSubrange(from..<to, with: inserted)
        return true
    }

    /// Writes the replacement to `text`'s trees (whose storage it was made for).
    /// O(log n + p).
    func write(to text: inout FlatText) {
        text.replace(lower..<upper, with: self.text)
    }

    /// The new text as a `String`. O(p).
    var text: String { String(String.UnicodeScalarView(scalars)) }
}

/// The text of a document at one version, for rendering. `TextDocument.snapshot` makes
/// one in O(log n + p) (it shares the document's trees); it never changes, and it is
/// `Sendable`, so a render task can carry it to another thread and convert it to a
/// `String` there.
public struct TextSnapshot: Sendable {
    /// The document version this text belongs to.
    public let version: UInt64
    /// The text, sharing storage with the document it came from (a swift-collections
    /// rope, kept out of the public API).
    let content: BigString

    /// A snapshot of `content` at `version`.
    init(version: UInt64, content: BigString) {
        self.version = version
        self.content = content
    }

    /// The text as a native (contiguous UTF-8) `String`, as a renderer wants it. O(n).
    public var text: String { String(content) }

    /// The length of the text in UTF-8 bytes. O(1).
    public var utf8Count: Int { content.utf8.count }

    /// Calls `body` with the UTF-8 bytes `range` (offsets in bounds; cut anywhere, even
    /// inside a scalar). O(log n + k) for k bytes: only that part is copied.
    public func withUTF8<Result>(in range: Range<Int>, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        let lower = content.utf8.index(content.startIndex, offsetBy: range.lowerBound)
        let upper = content.utf8.index(lower, offsetBy: range.count)
        // Whole characters around the range (a substring's bounds), copied chunk by
        // chunk, then cut to the bytes.
        let characterLower = content.index(roundingDown: lower)
        let characterUpper = content.index(roundingUp: upper)
        var text = String(content[characterLower ..< characterUpper])
        let skip = lower.utf8Offset - characterLower.utf8Offset
        return text.withUTF8 { body(UnsafeBufferPointer(rebasing: $0[skip ..< skip + range.count])) }
    }
}
