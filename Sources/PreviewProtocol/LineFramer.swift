/// One line cut from the input by `LineFramer`.
package enum FramedLine: Sendable, Hashable {
    /// A complete line: its 1-based number and its bytes, without `\n` or a final `\r`.
    case complete(number: Int, bytes: [UInt8])
    /// A line longer than the limit: its 1-based number and its first bytes (at most
    /// 4 KiB, enough to recover the request's `id` and `doc`). The rest was discarded.
    case tooLong(number: Int, prefix: [UInt8])

    /// The line's 1-based number in the input.
    package var number: Int {
        switch self {
        case let .complete(number, _), let .tooLong(number, _): number
        }
    }
}

/// Cuts a byte stream into lines, as chunks arrive (from `read(2)` on standard input,
/// say). Works on bytes only: a chunk may end anywhere, even inside a UTF-8 sequence.
///
/// - Lines end at `\n`; a `\r` before it is removed too (CRLF input).
/// - Lines are numbered from 1, counting every line, blank ones included.
/// - Blank lines (only spaces, tabs and `\r`) are skipped: they are never yielded.
/// - A UTF-8 byte order mark at the very start of the input is dropped.
/// - A line longer than `maxLineLength` bytes (not counting its `\r\n`) is yielded once,
///   as `.tooLong`, as soon as the limit is passed; its remaining bytes are dropped as
///   they arrive, up to the next `\n`, so memory stays bounded by the limit plus the
///   unconsumed complete lines.
/// - After `finish()`, a last line without `\n` is yielded too.
package struct LineFramer: Sendable {
    /// The longest line accepted, in bytes without its line break.
    package let maxLineLength: Int
    /// The number the line being read will have.
    private var currentNumber = 1
    /// The bytes of the line being read (not yet ended by `\n`).
    private var partial: [UInt8] = []
    /// Whether the line being read is over-long and its bytes are being dropped.
    private var discarding = false
    /// Complete lines not yet taken; `head` is the index of the next one.
    private var ready: [FramedLine] = []
    private var head = 0
    /// Whether the input has ended.
    package private(set) var isFinished = false

    /// A framer accepting lines up to `maxLineLength` bytes.
    package init(maxLineLength: Int = WireProtocol.defaultMaxLineLength) {
        precondition(maxLineLength > 0, "maxLineLength must be positive")
        self.maxLineLength = maxLineLength
    }

    /// Whether a line is ready to be taken with `next()`.
    package var hasLine: Bool { head < ready.count }

    /// The next line without taking it, or nil when no complete line is buffered yet.
    package func peek() -> FramedLine? {
        head < ready.count ? ready[head] : nil
    }

    /// Takes the next complete line, or returns nil when none is buffered yet.
    package mutating func next() -> FramedLine? {
        guard head < ready.count else { return nil }
        let line = ready[head]
        ready[head] = .complete(number: 0, bytes: [])
        head += 1
        if head == ready.count {
            ready.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= ready.count {
            ready.removeFirst(head)
            head = 0
        }
        return line
    }

    /// Bytes held by the framer: the partial line plus the complete lines not yet taken.
    package var bufferedByteCount: Int {
        var total = partial.count
        for index in head..<ready.count {
            switch ready[index] {
            case let .complete(_, bytes): total += bytes.count
            case let .tooLong(_, prefix): total += prefix.count
            }
        }
        return total
    }

    /// Adds a chunk of input.
    package mutating func append(_ chunk: [UInt8]) {
        chunk.withUnsafeBufferPointer { append($0) }
    }

    /// Adds a chunk of input from a buffer.
    package mutating func append(_ chunk: UnsafeBufferPointer<UInt8>) {
        precondition(!isFinished, "append after finish")
        var start = 0
        let count = chunk.count
        while start < count {
            let newline = Self.indexOfNewline(in: chunk, from: start)
            let end = newline ?? count
            if discarding {
                // Drop the rest of an over-long line.
            } else {
                let incoming = end - start
                if partial.count + incoming > maxLineLength + 1 {
                    // Past the limit even if the last byte turns out to be a '\r'.
                    let missing = max(0, RequestDecoder.recoveryPrefixLength - partial.count)
                    var prefix = Array(partial.prefix(RequestDecoder.recoveryPrefixLength))
                    prefix.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<min(end, start + missing)]))
                    if currentNumber == 1, prefix.starts(with: Self.byteOrderMark) { prefix.removeFirst(3) }
                    ready.append(.tooLong(number: currentNumber, prefix: prefix))
                    partial = []
                    discarding = true
                } else {
                    partial.append(contentsOf: UnsafeBufferPointer(rebasing: chunk[start..<end]))
                }
            }
            guard newline != nil else { break }
            endLine()
            start = end + 1
        }
    }

    /// Marks the end of the input: a last line without `\n` becomes available.
    package mutating func finish() {
        guard !isFinished else { return }
        if !partial.isEmpty || discarding { endLine() }
        isFinished = true
    }

    /// Ends the line being read at a `\n` (or at the end of input).
    private mutating func endLine() {
        if discarding {
            discarding = false
        } else {
            if partial.last == 0x0D { partial.removeLast() }
            if currentNumber == 1, partial.starts(with: Self.byteOrderMark) { partial.removeFirst(3) }
            if partial.count > maxLineLength {
                ready.append(.tooLong(number: currentNumber, prefix: Array(partial.prefix(RequestDecoder.recoveryPrefixLength))))
            } else if !partial.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
                ready.append(.complete(number: currentNumber, bytes: partial))
            }
            partial = []
        }
        currentNumber += 1
    }

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    private static func indexOfNewline(in chunk: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while index < chunk.count {
            if chunk[index] == 0x0A { return index }
            index += 1
        }
        return nil
    }
}
