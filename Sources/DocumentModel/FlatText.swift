import _RopeModule

/// A text with its line index and no pending edits: the part of `TextDocument` that
/// resolves ranges and applies replacements to the B-trees directly.
struct FlatText: Sendable {
    var storage: BigString
    var lines: LineIndex

    init(_ text: String) {
        storage = BigString(text)
        lines = LineIndex(text)
    }

    var utf8Count: Int { storage.utf8.count }
    var utf16Count: Int { storage.utf16.count }
    var unicodeScalarCount: Int { storage.unicodeScalars.count }

    /// The UTF-8 offset of a line position. O(log n).
    func utf8Offset(of position: LinePosition, unit: TextUnit) throws(EditError) -> Int {
        try index(of: position, unit: unit).utf8Offset
    }

    /// Resolves and applies one patch; returns the UTF-8 range it replaced. O(log n + k).
    @discardableResult
    mutating func apply(_ patch: TextPatch) throws(EditError) -> Range<Int> {
        let range = try resolve(patch.range)
        replace(range, with: patch.text)
        return range.lowerBound.utf8Offset ..< range.upperBound.utf8Offset
    }

    /// The storage range a patch range denotes in the current text.
    func resolve(_ range: TextPatch.Range) throws(EditError) -> Range<BigString.Index> {
        switch range {
        case let .offsets(offset, length, unit):
            let count = self.count(in: unit)
            guard offset >= 0, length >= 0, offset <= count, length <= count - offset else {
                throw .outOfRange(offset: offset, length: length, unit: unit, count: count)
            }
            let lower = try index(atOffset: offset, from: storage.startIndex, by: offset, unit: unit)
            let upper = length == 0
                ? lower
                : try index(atOffset: offset + length, from: lower, by: length, unit: unit)
            return lower..<upper
        case let .lines(start, end, unit):
            guard start <= end else { throw .invertedRange(start: start, end: end) }
            let lower = try index(of: start, unit: unit)
            let upper = start == end ? lower : try index(of: end, unit: unit)
            return lower..<upper
        }
    }

    /// The length of the text in `unit`.
    func count(in unit: TextUnit) -> Int {
        switch unit {
        case .unicodeScalars: storage.unicodeScalars.count
        case .utf16: storage.utf16.count
        case .utf8: storage.utf8.count
        }
    }

    /// The index `distance` units after `base` (whose offset plus `distance` is
    /// `offset`, for the error), which must be in bounds. O(log n).
    private func index(
        atOffset offset: Int, from base: BigString.Index, by distance: Int, unit: TextUnit
    ) throws(EditError) -> BigString.Index {
        let result = advance(base, by: distance, unit: unit)
        guard isScalarAligned(result) else { throw .splitsScalar(offset: offset, unit: unit) }
        return result
    }

    /// The index of an LSP-style position. O(log n).
    private func index(of position: LinePosition, unit: TextUnit) throws(EditError) -> BigString.Index {
        guard position.line >= 0, position.line < lines.lineCount else {
            throw .lineOutOfRange(line: position.line, lineCount: lines.lineCount)
        }
        let line = lines.line(position.line)
        let lineStart = storage.utf8.index(storage.startIndex, offsetBy: line.start)
        let contentEnd = storage.utf8.index(lineStart, offsetBy: line.length - terminatorLength(of: line))
        let lineLength = distance(from: lineStart, to: contentEnd, unit: unit)
        guard position.character >= 0, position.character <= lineLength else {
            throw .characterOutOfRange(position: position, unit: unit, lineLength: lineLength)
        }
        let result = advance(lineStart, by: position.character, unit: unit)
        guard isScalarAligned(result) else { throw .positionSplitsScalar(position: position, unit: unit) }
        return result
    }

    /// How many bytes of `line` are its terminator (0, 1 or 2). O(log n).
    private func terminatorLength(of line: LineIndex.Line) -> Int {
        guard line.number < lines.lineCount - 1 else { return 0 }
        let last = storage.utf8.index(storage.startIndex, offsetBy: line.start + line.length - 1)
        guard storage.utf8[last] == 0x0A, line.length >= 2 else { return 1 }
        return storage.utf8[storage.utf8.index(before: last)] == 0x0D ? 2 : 1
    }

    private func advance(_ index: BigString.Index, by distance: Int, unit: TextUnit) -> BigString.Index {
        switch unit {
        case .unicodeScalars: storage.unicodeScalars.index(index, offsetBy: distance)
        case .utf16: storage.utf16.index(index, offsetBy: distance)
        case .utf8: storage.utf8.index(index, offsetBy: distance)
        }
    }

    private func distance(from start: BigString.Index, to end: BigString.Index, unit: TextUnit) -> Int {
        switch unit {
        case .unicodeScalars: storage.unicodeScalars.distance(from: start, to: end)
        case .utf16: storage.utf16.distance(from: start, to: end)
        case .utf8: end.utf8Offset - start.utf8Offset
        }
    }

    /// Whether `index` is on a scalar boundary (not inside a UTF-8 sequence and not on
    /// the trailing surrogate of an astral scalar).
    private func isScalarAligned(_ index: BigString.Index) -> Bool {
        storage.unicodeScalars.index(roundingDown: index) == index
    }

    // MARK: Mutation

    /// Replaces a scalar-aligned range and keeps the line index in step. O(log n + k).
    mutating func replace(_ range: Range<BigString.Index>, with text: String) {
        let lower = range.lowerBound.utf8Offset
        let upper = range.upperBound.utf8Offset
        let before: UInt8? = lower > 0 ? storage.utf8[storage.utf8.index(before: range.lowerBound)] : nil
        let after: UInt8? = range.upperBound < storage.endIndex ? storage.utf8[range.upperBound] : nil
        storage.unicodeScalars.replaceSubrange(range, with: text.unicodeScalars)
        var text = text
        text.withUTF8 { bytes in
            lines.replace(utf8Range: lower..<upper, with: bytes, before: before, after: after)
        }
    }
}
