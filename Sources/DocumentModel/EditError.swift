/// Why an edit was rejected. A rejected edit (or transaction) leaves the document's text
/// and version exactly as they were.
public enum EditError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The offset or length is negative, or `offset + length` is past the end of the
    /// text, which holds `count` units.
    case outOfRange(offset: Int, length: Int, unit: TextUnit, count: Int)
    /// The boundary `offset` falls inside one Unicode scalar: between the two surrogates
    /// of an astral scalar (UTF-16) or inside a multi-byte sequence (UTF-8).
    case splitsScalar(offset: Int, unit: TextUnit)
    /// The line number is negative or not below the document's `lineCount`.
    case lineOutOfRange(line: Int, lineCount: Int)
    /// The character is negative or past the end of its line, which holds `lineLength`
    /// units before its terminator.
    case characterOutOfRange(position: LinePosition, unit: TextUnit, lineLength: Int)
    /// The line position falls inside one Unicode scalar (see `splitsScalar`).
    case positionSplitsScalar(position: LinePosition, unit: TextUnit)
    /// The range's end comes before its start.
    case invertedRange(start: LinePosition, end: LinePosition)
    /// Patch number `patchIndex` (0-based) of a transaction failed; the whole transaction
    /// was rolled back.
    indirect case inTransaction(patchIndex: Int, underlying: EditError)

    /// A one-line explanation naming the offending values.
    public var description: String {
        switch self {
        case let .outOfRange(offset, length, unit, count):
            "range at offset \(offset) with length \(length) (\(unit)) is outside the text of \(count) \(unit)"
        case let .splitsScalar(offset, unit):
            "offset \(offset) (\(unit)) falls inside a Unicode scalar"
        case let .lineOutOfRange(line, lineCount):
            "line \(line) does not exist (the text has \(lineCount) lines, numbered from 0)"
        case let .characterOutOfRange(position, unit, lineLength):
            "character \(position.character) is outside line \(position.line), which has \(lineLength) \(unit) before its terminator"
        case let .positionSplitsScalar(position, unit):
            "position \(position) (\(unit)) falls inside a Unicode scalar"
        case let .invertedRange(start, end):
            "range end \(end) comes before its start \(start)"
        case let .inTransaction(patchIndex, underlying):
            "patch \(patchIndex) of the transaction failed, nothing was applied: \(underlying)"
        }
    }
}
