import DocumentModel

/// A deliberately naive model of `TextDocument` (an array of scalars, every operation
/// O(n)), written independently from the LSP and edit-trace rules, to check the real
/// implementation against.
struct ReferenceText {
    var scalars: [Unicode.Scalar]

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    var string: String { String(String.UnicodeScalarView(scalars)) }

    static func width(_ scalar: Unicode.Scalar, _ unit: TextUnit) -> Int {
        switch unit {
        case .unicodeScalars: 1
        case .utf16: scalar.value > 0xFFFF ? 2 : 1
        case .utf8: scalar.value < 0x80 ? 1 : scalar.value < 0x800 ? 2 : scalar.value < 0x10000 ? 3 : 4
        }
    }

    func count(_ unit: TextUnit, in range: Range<Int>? = nil) -> Int {
        scalars[range ?? 0..<scalars.count].reduce(0) { $0 + Self.width($1, unit) }
    }

    /// The scalar index `offset` units after scalar index `start`, or nil when the offset
    /// falls inside a scalar or past `end`.
    func scalarIndex(units offset: Int, from start: Int = 0, end: Int? = nil, unit: TextUnit) -> Int? {
        var index = start
        var walked = 0
        while walked < offset {
            guard index < (end ?? scalars.count) else { return nil }
            walked += Self.width(scalars[index], unit)
            index += 1
        }
        return walked == offset ? index : nil
    }

    /// Scalar indices where lines start (LSP: after `\n`, after `\r\n`, after a lone `\r`).
    var lineStarts: [Int] {
        var starts = [0]
        for p in 1...max(1, scalars.count) where p <= scalars.count {
            let previous = scalars[p - 1]
            if previous == "\n" || (previous == "\r" && (p == scalars.count || scalars[p] != "\n")) {
                starts.append(p)
            }
        }
        return starts
    }

    /// The scalar range of line `line` without its terminator.
    func lineContent(_ line: Int, starts: [Int]? = nil) -> Range<Int> {
        let starts = starts ?? lineStarts
        let start = starts[line]
        guard line + 1 < starts.count else { return start..<scalars.count }
        let next = starts[line + 1]
        let terminator = next - start >= 2 && scalars[next - 2] == "\r" && scalars[next - 1] == "\n" ? 2 : 1
        return start..<(next - terminator)
    }

    func utf8Offset(ofScalarIndex index: Int) -> Int {
        count(.utf8, in: 0..<index)
    }

    /// The scalar index of a line position, or the error `TextDocument` must throw.
    func resolve(_ position: LinePosition, unit: TextUnit) -> Result<Int, EditError> {
        let lineCount = lineStarts.count
        guard position.line >= 0, position.line < lineCount else {
            return .failure(.lineOutOfRange(line: position.line, lineCount: lineCount))
        }
        let content = lineContent(position.line)
        let length = count(unit, in: content)
        guard position.character >= 0, position.character <= length else {
            return .failure(.characterOutOfRange(position: position, unit: unit, lineLength: length))
        }
        guard let index = scalarIndex(units: position.character, from: content.lowerBound, end: content.upperBound, unit: unit) else {
            return .failure(.positionSplitsScalar(position: position, unit: unit))
        }
        return .success(index)
    }

    /// The scalar range a patch denotes, or the error `TextDocument` must throw.
    func resolve(_ range: TextPatch.Range) -> Result<Range<Int>, EditError> {
        switch range {
        case let .offsets(offset, length, unit):
            let total = count(unit)
            guard offset >= 0, length >= 0, offset <= total, length <= total - offset else {
                return .failure(.outOfRange(offset: offset, length: length, unit: unit, count: total))
            }
            guard let lower = scalarIndex(units: offset, unit: unit) else {
                return .failure(.splitsScalar(offset: offset, unit: unit))
            }
            guard let upper = scalarIndex(units: length, from: lower, unit: unit) else {
                return .failure(.splitsScalar(offset: offset + length, unit: unit))
            }
            return .success(lower..<upper)
        case let .lines(start, end, unit):
            guard !(end < start) else { return .failure(.invertedRange(start: start, end: end)) }
            let lower: Int
            switch resolve(start, unit: unit) {
            case let .success(index): lower = index
            case let .failure(error): return .failure(error)
            }
            if start == end { return .success(lower..<lower) }
            switch resolve(end, unit: unit) {
            case let .success(upper): return .success(lower..<upper)
            case let .failure(error): return .failure(error)
            }
        }
    }

    /// Applies a patch; returns the error instead when it is invalid (then nothing changes).
    mutating func apply(_ patch: TextPatch) -> EditError? {
        switch resolve(patch.range) {
        case let .success(range):
            scalars.replaceSubrange(range, with: patch.text.unicodeScalars)
            return nil
        case let .failure(error):
            return error
        }
    }

    mutating func apply(transaction patches: [TextPatch]) -> EditError? {
        var copy = self
        for (index, patch) in patches.enumerated() {
            if let error = copy.apply(patch) { return .inTransaction(patchIndex: index, underlying: error) }
        }
        self = copy
        return nil
    }
}
