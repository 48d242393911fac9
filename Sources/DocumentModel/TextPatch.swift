/// One replacement of a range of a `TextDocument` by new text; inserts and deletes are
/// replacements with an empty range or an empty text.
///
/// A patch only describes the change: `TextDocument.apply(_:)` checks it against the
/// document's current text.
public struct TextPatch: Sendable, Hashable {
    /// How a patch addresses the replaced range.
    public enum Range: Sendable, Hashable {
        /// `length` units starting `offset` units from the start of the text.
        case offsets(offset: Int, length: Int, unit: TextUnit)
        /// From `start` to `end` (LSP `Range`), with characters counted in `unit`.
        case lines(start: LinePosition, end: LinePosition, unit: TextUnit)
    }

    /// The replaced range, resolved against the text the patch is applied to.
    public var range: Range
    /// The text that replaces the range.
    public var text: String

    /// A patch replacing `range` with `text`.
    public init(range: Range, text: String) {
        self.range = range
        self.text = text
    }

    /// Inserts `text` at `offset`, counted in `unit`.
    public static func insert(_ text: String, at offset: Int, unit: TextUnit = .unicodeScalars) -> TextPatch {
        TextPatch(range: .offsets(offset: offset, length: 0, unit: unit), text: text)
    }

    /// Deletes `length` units starting at `offset`.
    public static func delete(offset: Int, length: Int, unit: TextUnit = .unicodeScalars) -> TextPatch {
        TextPatch(range: .offsets(offset: offset, length: length, unit: unit), text: "")
    }

    /// Replaces `length` units starting at `offset` with `text`; this is the shape of an
    /// edit-trace line (`pos`, `del`, `ins` in Unicode scalars).
    public static func replace(
        offset: Int, length: Int, with text: String, unit: TextUnit = .unicodeScalars
    ) -> TextPatch {
        TextPatch(range: .offsets(offset: offset, length: length, unit: unit), text: text)
    }

    /// Replaces the text from `start` to `end` with `text`, characters counted in `unit`
    /// (UTF-16 by default, as in LSP's `TextDocumentContentChangeEvent`).
    public static func replace(
        from start: LinePosition, to end: LinePosition, with text: String, unit: TextUnit = .utf16
    ) -> TextPatch {
        TextPatch(range: .lines(start: start, end: end, unit: unit), text: text)
    }
}
