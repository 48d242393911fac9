import _RopeModule

/// The byte values of the two line terminator characters.
private let lineFeed: UInt8 = 0x0A
private let carriageReturn: UInt8 = 0x0D

/// The lengths of a document's lines, in UTF-8 bytes, kept in a B-tree
/// (`_RopeModule.Rope`) so that every query and update is O(log n).
///
/// Line terminators are those of LSP: `"\n"`, `"\r\n"` and a lone `"\r"`. Each entry is
/// the length of one line *including* its terminator, so the entries add up to the
/// document's UTF-8 count; the last line has no terminator and may be empty. A line
/// starts at UTF-8 offset `p > 0` exactly when byte `p - 1` is `\n`, or is `\r` and byte
/// `p` is not `\n` (or `p` is the end of the text). That rule looks at two bytes only,
/// which is what lets `replace(utf8Range:with:before:after:)` update the index by
/// re-examining only the edited bytes plus one byte on each side.
struct LineIndex: Sendable {
    private var rope: Rope<LineChunk>

    /// Builds the index of `text`. O(n).
    init(_ text: String) {
        var text = text
        let lengths = text.withUTF8 { Self.lineLengths(of: $0) }
        rope = Rope(LineChunk.chunks(of: lengths))
    }

    /// The number of lines; at least 1 (an empty text has one empty line).
    var lineCount: Int { rope.summary.lines }

    /// The total UTF-8 count of the indexed text.
    var utf8Count: Int { rope.summary.utf8 }

    /// Where a line starts and how long it is, in UTF-8 bytes (terminator included).
    struct Line: Equatable {
        var number: Int
        var start: Int
        var length: Int
    }

    /// The line with the given 0-based number. O(log n).
    /// - Precondition: `0 <= number < lineCount`.
    func line(_ number: Int) -> Line {
        precondition(number >= 0 && number < lineCount, "line number out of range")
        let (ropeIndex, entry) = rope.find(at: number, in: LinesMetric(), preferEnd: false)
        let chunk = rope[ropeIndex]
        var start = rope.offset(of: ropeIndex, in: UTF8Metric())
        for k in 0..<entry { start += chunk.lengths[k] }
        return Line(number: number, start: start, length: chunk.lengths[entry])
    }

    /// The line holding UTF-8 offset `offset`; the end offset belongs to the last line.
    /// O(log n).
    func line(containing offset: Int) -> Line {
        locate(offset).line
    }

    /// Replaces the bytes `range` of the indexed text with `inserted`.
    ///
    /// - Parameters:
    ///   - range: the replaced UTF-8 range of the text before the edit.
    ///   - inserted: the new bytes.
    ///   - before: the byte before `range` (unchanged by the edit), nil at the start.
    ///   - after: the byte at `range.upperBound` before the edit, nil at the end.
    ///
    /// O(log n + inserted.count + number of lines removed).
    mutating func replace(
        utf8Range range: Range<Int>,
        with inserted: UnsafeBufferPointer<UInt8>,
        before: UInt8?,
        after: UInt8?
    ) {
        let oldCount = utf8Count
        precondition(range.lowerBound >= 0 && range.upperBound <= oldCount, "range out of bounds")
        let a = range.lowerBound
        let m = inserted.count
        let delta = m - range.count
        let newCount = oldCount + delta

        // The first line whose extent can change is the one holding byte a - 1: whether
        // offset a starts a line is re-evaluated, so the line before it must be rebuilt.
        var first = locate(a > 0 ? a - 1 : 0)
        let last = line(containing: range.upperBound)
        // Old lines first.number ... last.number cover [segmentStart, segmentEnd).
        let segmentStart = first.line.start
        let newSegmentEnd = last.start + last.length + delta

        // Line starts in the new text at offsets a ... a + m (each decided by two bytes).
        func newByte(_ q: Int) -> UInt8? {
            if q == a - 1 { return before }
            if q == a + m { return after }
            return inserted[q - a]
        }
        var lengths: [Int] = []
        var previousStart = segmentStart
        var p = max(a, 1)
        while p <= a + m {
            let previous = newByte(p - 1)
            let startsLine: Bool
            if previous == lineFeed {
                startsLine = true
            } else if previous == carriageReturn {
                startsLine = p == newCount || newByte(p) != lineFeed
            } else {
                startsLine = false
            }
            if startsLine {
                lengths.append(p - previousStart)
                previousStart = p
            }
            p += 1
        }
        lengths.append(newSegmentEnd - previousStart)

        if first.line.number == last.number, lengths.count == 1 {
            // Common case (typing inside a line): one line changes length.
            let entry = first.entry
            rope.update(at: &first.ropeIndex) { chunk in
                chunk.utf8 += lengths[0] - chunk.lengths[entry]
                chunk.lengths[entry] = lengths[0]
            }
            return
        }
        rope.replaceSubrange(
            first.line.number..<(last.number + 1),
            in: LinesMetric(),
            with: LineChunk.chunks(of: lengths))
    }

    /// The UTF-8 line lengths of the whole text `bytes`, each including its terminator.
    /// O(n).
    static func lineLengths(of bytes: UnsafeBufferPointer<UInt8>) -> [Int] {
        var lengths: [Int] = []
        var lineStart = 0
        var p = 0
        let n = bytes.count
        while p < n {
            let byte = bytes[p]
            p += 1
            if byte == lineFeed || (byte == carriageReturn && (p == n || bytes[p] != lineFeed)) {
                lengths.append(p - lineStart)
                lineStart = p
            }
        }
        lengths.append(n - lineStart)
        return lengths
    }

    /// The line holding `offset` and where it lives in the rope.
    private func locate(_ offset: Int) -> (line: Line, ropeIndex: Rope<LineChunk>.Index, entry: Int) {
        precondition(offset >= 0 && offset <= utf8Count, "offset out of range")
        if offset == utf8Count {
            let number = lineCount - 1
            let (ropeIndex, entry) = rope.find(at: number, in: LinesMetric(), preferEnd: false)
            let chunk = rope[ropeIndex]
            let length = chunk.lengths[entry]
            return (Line(number: number, start: offset - length, length: length), ropeIndex, entry)
        }
        let (ropeIndex, remaining) = rope.find(at: offset, in: UTF8Metric(), preferEnd: false)
        let chunk = rope[ropeIndex]
        var entry = 0
        var before = 0
        while before + chunk.lengths[entry] <= remaining {
            before += chunk.lengths[entry]
            entry += 1
        }
        let number = rope.offset(of: ropeIndex, in: LinesMetric()) + entry
        let line = Line(number: number, start: offset - remaining + before, length: chunk.lengths[entry])
        return (line, ropeIndex, entry)
    }
}

/// A run of consecutive line lengths: the element type of the line index's rope.
struct LineChunk: RopeElement, Sendable {
    /// Most entries a chunk holds.
    static let maxCount = 64
    /// Fewest entries a chunk holds unless it is the only one.
    static let minCount = 32

    /// The UTF-8 lengths of the lines, terminators included.
    var lengths: [Int]
    /// The sum of `lengths` (kept, because the rope asks for summaries often).
    var utf8: Int

    init(_ lengths: some Collection<Int>) {
        self.lengths = Array(lengths)
        self.utf8 = self.lengths.reduce(0, +)
    }

    /// Splits `lengths` into chunks of at most `maxCount` entries.
    static func chunks(of lengths: [Int]) -> [LineChunk] {
        stride(from: 0, to: lengths.count, by: maxCount).map { start in
            LineChunk(lengths[start..<min(start + maxCount, lengths.count)])
        }
    }

    var summary: LineSummary { LineSummary(lines: lengths.count, utf8: utf8) }
    var isEmpty: Bool { lengths.isEmpty }
    var isUndersized: Bool { lengths.count < Self.minCount }

    func invariantCheck() {
        precondition(utf8 == lengths.reduce(0, +), "LineChunk sum out of sync")
        precondition(lengths.count <= Self.maxCount, "LineChunk too large")
    }

    mutating func rebalance(nextNeighbor right: inout LineChunk) -> Bool {
        let total = lengths.count + right.lengths.count
        if total <= Self.maxCount {
            lengths.append(contentsOf: right.lengths)
            utf8 += right.utf8
            right = LineChunk([])
            return true
        }
        let target = total / 2
        if lengths.count < target {
            let moved = right.lengths.prefix(target - lengths.count)
            let sum = moved.reduce(0, +)
            lengths.append(contentsOf: moved)
            utf8 += sum
            right.lengths.removeFirst(moved.count)
            right.utf8 -= sum
        } else if lengths.count > target {
            let moved = lengths.suffix(lengths.count - target)
            let sum = moved.reduce(0, +)
            right.lengths.insert(contentsOf: moved, at: 0)
            right.utf8 += sum
            lengths.removeLast(moved.count)
            utf8 -= sum
        }
        return false
    }

    mutating func split(at index: Int) -> LineChunk {
        let tail = LineChunk(lengths[index...])
        lengths.removeSubrange(index...)
        utf8 -= tail.utf8
        return tail
    }
}

/// The rope summary of a run of lines: how many, and how many UTF-8 bytes.
struct LineSummary: RopeSummary {
    var lines: Int
    var utf8: Int

    static var maxNodeSize: Int { 15 }
    static var zero: LineSummary { LineSummary(lines: 0, utf8: 0) }
    var isZero: Bool { lines == 0 && utf8 == 0 }

    mutating func add(_ other: LineSummary) {
        lines += other.lines
        utf8 += other.utf8
    }

    mutating func subtract(_ other: LineSummary) {
        lines -= other.lines
        utf8 -= other.utf8
    }
}

/// Measures a line rope in lines.
struct LinesMetric: RopeMetric {
    typealias Element = LineChunk
    func size(of summary: LineSummary) -> Int { summary.lines }
    func index(at offset: Int, in element: LineChunk) -> Int { offset }
}

/// Measures a line rope in UTF-8 bytes. Its element index is the entry holding the
/// offset (lines are never split, so this metric is only used to find positions).
struct UTF8Metric: RopeMetric {
    typealias Element = LineChunk
    func size(of summary: LineSummary) -> Int { summary.utf8 }
    func index(at offset: Int, in element: LineChunk) -> Int {
        var remaining = offset
        for (entry, length) in element.lengths.enumerated() {
            if remaining < length { return entry }
            remaining -= length
        }
        return element.lengths.count
    }
}
