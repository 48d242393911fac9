/// The part of a text that edits changed: the bytes before `lowerBound` and the bytes
/// from `upperBound` on (in the new text) are the old text's, unchanged. Offsets count
/// UTF-8 bytes.
public struct ChangedRange: Sendable, Hashable {
    /// Where the first change starts (the same offset in the old and the new text).
    public private(set) var lowerBound: Int
    /// Where the changed part ends in the new text.
    public private(set) var upperBound: Int
    /// The new text's size less the old text's.
    public private(set) var utf8Delta: Int

    /// Where the changed part ends in the old text.
    public var oldUpperBound: Int { upperBound - utf8Delta }

    /// The change that replaces the old bytes `replaced` with `insertedCount` new ones.
    public init(replacing replaced: Range<Int>, insertedCount: Int) {
        lowerBound = replaced.lowerBound
        upperBound = replaced.lowerBound + insertedCount
        utf8Delta = insertedCount - replaced.count
    }

    /// Adds a later edit, which replaced `replaced` (offsets in the text this range
    /// describes as new) with `insertedCount` bytes. O(1).
    public mutating func include(replacing replaced: Range<Int>, insertedCount: Int) {
        let growth = insertedCount - replaced.count
        upperBound = max(upperBound, replaced.upperBound) + growth
        lowerBound = min(lowerBound, replaced.lowerBound)
        utf8Delta += growth
    }
}

/// What changed in a document since a version (see `TextDocument.takeChanges()`).
public struct TextChanges: Sendable, Hashable {
    /// The version the changes start from.
    public let since: UInt64
    /// The changed part of the text, or nil when the text is as it was.
    public let range: ChangedRange?
}
