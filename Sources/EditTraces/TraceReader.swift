public import Foundation

/// Why a trace could not be read.
public enum TraceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No file at `path`.
    case fileNotFound(path: String)
    /// The file (or the `gzip` process decompressing it) could not be read.
    case unreadable(path: String, reason: String)
    /// `gzip -dc` failed, e.g. on a corrupt or truncated `.gz` file.
    case decompressionFailed(path: String, reason: String)
    /// The file has no header line.
    case missingHeader(path: String)
    /// Line 1 is not a valid header object.
    case malformedHeader(path: String, reason: String)
    /// The header's `positionUnit` is not `"unicode-scalar"`.
    case unsupportedPositionUnit(path: String, unit: String)
    /// Line `line` (1-based, the header being line 1) is not a valid edit.
    case malformedLine(path: String, line: Int, reason: String)
    /// The file holds a different number of edits than its header's `edits`.
    case editCountMismatch(path: String, expected: Int, found: Int)

    /// A one-line explanation naming the file (and line).
    public var description: String {
        switch self {
        case let .fileNotFound(path): "\(path): no such trace file"
        case let .unreadable(path, reason): "\(path): cannot read: \(reason)"
        case let .decompressionFailed(path, reason): "\(path): gzip -dc failed: \(reason)"
        case let .missingHeader(path): "\(path): empty file, expected a header line"
        case let .malformedHeader(path, reason): "\(path):1: malformed header: \(reason)"
        case let .unsupportedPositionUnit(path, unit): "\(path): unsupported positionUnit \"\(unit)\" (expected \"unicode-scalar\")"
        case let .malformedLine(path, line, reason): "\(path):\(line): malformed edit: \(reason)"
        case let .editCountMismatch(path, expected, found): "\(path): header announces \(expected) edits, the file has \(found)"
        }
    }
}

/// Streams a trace file (`.ndjson`, or `.ndjson.gz` decompressed by a `gzip -dc`
/// child process) line by line: memory stays O(longest line), whatever the file size.
///
/// The header is read by the initializer. Then `nextEdit()` or `nextTransaction()`
/// return edits in order until nil; do not mix the two. At the end of the file the
/// reader checks that it saw `header.edits` edits. A reader is used from one thread at
/// a time; dropping it early stops its `gzip` process.
public final class TraceReader {
    /// The file being read.
    public let url: URL
    /// The trace's header (line 1).
    public let header: TraceHeader
    /// The number of the last line read (1-based; the header is line 1).
    public private(set) var lineNumber = 0
    /// The number of edits returned so far.
    public private(set) var editCount = 0

    private let lines: LineSource
    private var lookahead: TraceEdit?
    private var finished = false

    /// Opens `url` and reads its header.
    ///
    /// - Throws: `TraceError` when the file is missing, unreadable, or its header is
    ///   malformed or not in Unicode scalars.
    public init(contentsOf url: URL) throws(TraceError) {
        self.url = url
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw .fileNotFound(path: path) }
        lines = try LineSource(url: url)
        var header: TraceHeader?
        var lineNumber = 0
        while header == nil {
            let line = try lines.nextLine().map { Data(buffer: $0) }
            guard let line else { throw .missingHeader(path: path) }
            lineNumber += 1
            if line.isEmpty { continue }
            do {
                header = try JSONDecoder().decode(TraceHeader.self, from: line)
            } catch {
                throw .malformedHeader(path: path, reason: String(describing: error))
            }
        }
        self.header = header!
        self.lineNumber = lineNumber
        guard self.header.positionUnit == "unicode-scalar" else {
            throw .unsupportedPositionUnit(path: path, unit: self.header.positionUnit)
        }
    }

    /// The next edit, or nil at the end of the file. O(length of the line).
    ///
    /// - Throws: `TraceError.malformedLine` with the line number, a read or `gzip`
    ///   error, or `.editCountMismatch` at the end.
    public func nextEdit() throws(TraceError) -> TraceEdit? {
        if let edit = lookahead {
            lookahead = nil
            return edit
        }
        return try readEdit()
    }

    /// The next transaction: an edit and the edits after it marked `"c":1`; nil at the
    /// end of the file. An edit marked `"c":1` at the very start opens a transaction.
    public func nextTransaction() throws(TraceError) -> TraceTransaction? {
        guard let first = try nextEdit() else { return nil }
        var edits = [first]
        while let edit = try readEdit() {
            if edit.continuesTransaction {
                edits.append(edit)
            } else {
                lookahead = edit
                break
            }
        }
        return TraceTransaction(edits: edits)
    }

    private func readEdit() throws(TraceError) -> TraceEdit? {
        guard !finished else { return nil }
        while true {
            guard let line = try lines.nextLine() else {
                finished = true
                guard editCount == header.edits else {
                    throw .editCountMismatch(path: url.path, expected: header.edits, found: editCount)
                }
                return nil
            }
            lineNumber += 1
            if line.isEmpty { continue }
            do {
                let edit = try TraceLineDecoder.decode(line)
                editCount += 1
                return edit
            } catch {
                throw .malformedLine(path: url.path, line: lineNumber, reason: error.reason)
            }
        }
    }
}

/// Lines of a file or of `gzip -dc`'s output, without their `\n` (or `\r\n`).
private final class LineSource {
    private let path: String
    private let handle: FileHandle
    private let process: Process?
    private let errorPipe: Pipe?
    /// Bytes read and not yet returned are `storage[start..<end]`.
    private var storage: UnsafeMutablePointer<UInt8>
    private var capacity = 1 << 16
    private var start = 0
    private var end = 0
    /// Where to resume looking for a newline (no newline in `start..<scanned`).
    private var scanned = 0
    private var atEnd = false

    init(url: URL) throws(TraceError) {
        path = url.path
        storage = .allocate(capacity: capacity)
        if url.lastPathComponent.hasSuffix(".gz") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["gzip", "-dc", "--", path]
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            process.standardInput = FileHandle.nullDevice
            do {
                try process.run()
            } catch {
                storage.deallocate()
                throw .decompressionFailed(path: path, reason: "cannot start gzip: \(error)")
            }
            self.process = process
            self.errorPipe = errors
            handle = output.fileHandleForReading
        } else {
            do {
                handle = try FileHandle(forReadingFrom: url)
            } catch {
                storage.deallocate()
                throw .unreadable(path: path, reason: String(describing: error))
            }
            process = nil
            errorPipe = nil
        }
    }

    deinit {
        // Closing our end first makes a gzip blocked on a full pipe fail and exit; then
        // it is asked to stop and given a bounded time to go (Foundation's
        // `waitUntilExit` can hang in a deinit on Linux).
        try? handle.close()
        if let process, process.isRunning {
            process.terminate()
            for _ in 0..<200 where process.isRunning { usleep(5_000) }
        }
        storage.deallocate()
    }

    /// The next line, valid until the next call; nil at the end. O(line length)
    /// amortized.
    func nextLine() throws(TraceError) -> UnsafeBufferPointer<UInt8>? {
        while true {
            if let found = memchr(storage + scanned, 0x0A, end - scanned) {
                let newline = storage.distance(to: found.assumingMemoryBound(to: UInt8.self))
                var lineEnd = newline
                if lineEnd > start, storage[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = UnsafeBufferPointer(start: storage + start, count: lineEnd - start)
                start = newline + 1
                scanned = start
                return line
            }
            scanned = end
            if atEnd {
                guard start < end else { return nil }
                let line = UnsafeBufferPointer(start: storage + start, count: end - start)
                start = end
                return line
            }
            try fill()
        }
    }

    private func fill() throws(TraceError) {
        // Keep the unread bytes at the front; grow when they fill the buffer.
        if start > 0 {
            let unread = end - start
            memmove(storage, storage + start, unread)
            scanned -= start
            end = unread
            start = 0
        }
        if end == capacity {
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
            grown.initialize(from: storage, count: end)
            storage.deallocate()
            storage = grown
            capacity *= 2
        }
        let data: Data?
        do {
            data = try handle.read(upToCount: capacity - end)
        } catch {
            throw .unreadable(path: path, reason: String(describing: error))
        }
        if let data, !data.isEmpty {
            data.copyBytes(to: storage + end, count: data.count)
            end += data.count
            return
        }
        atEnd = true
        if let process {
            process.waitUntilExit()
            let message = (try? errorPipe?.fileHandleForReading.readToEnd()).flatMap { $0 }
                .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
            guard process.terminationReason == .exit, process.terminationStatus == 0 else {
                throw .decompressionFailed(
                    path: path,
                    reason: "exit status \(process.terminationStatus)\(message.isEmpty ? "" : ": " + message)")
            }
        }
    }
}
