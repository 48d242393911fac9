#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a whole file so that a reader (or a crash) only ever sees the old complete
/// file or the new complete file.
public protocol AutosaveWriter: Sendable {
    /// Replaces the file at `path` with `bytes`; `progress` receives the fraction written.
    func write(_ bytes: UnsafeRawBufferPointer, to path: String, progress: (Double) -> Void) throws(AutosaveError)
}

/// A failed write, with the system's reason.
public struct AutosaveError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the writer was doing (`open`, `write`, `fsync`, `rename`).
    public let operation: String
    /// The file involved.
    public let path: String
    /// `errno`.
    public let code: Int32

    /// An error for `operation` on `path` with `errno` `code`.
    public init(operation: String, path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    public var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}

/// The production writer: write a temporary file in the same directory, `fsync` it,
/// `rename` it over the target (atomic on POSIX file systems), then `fsync` the
/// directory so the rename itself is durable. The temporary file is removed on failure;
/// the target is never opened for writing, so it stays intact whatever fails.
public struct AtomicFileWriter: AutosaveWriter {
    /// Bytes written per `write(2)` call (and per progress report).
    public var chunkSize: Int

    /// A writer that writes `chunkSize` bytes at a time.
    public init(chunkSize: Int = 1 << 20) {
        self.chunkSize = max(1, chunkSize)
    }

    public func write(_ bytes: UnsafeRawBufferPointer, to path: String, progress: (Double) -> Void) throws(AutosaveError) {
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        let temporary = "\(directory.isEmpty ? "" : directory)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"

        var mode: mode_t = 0o644
        var existing = stat()
        if stat(path, &existing) == 0 { mode = existing.st_mode & 0o7777 }

        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw AutosaveError(operation: "open", path: temporary, code: errno) }
        var failure: AutosaveError?
        var offset = 0
        while offset < bytes.count, failure == nil {
            let length = min(chunkSize, bytes.count - offset)
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, length)
            if written < 0 {
                if errno == EINTR { continue }
                failure = AutosaveError(operation: "write", path: temporary, code: errno)
            } else {
                offset += written
                progress(Double(offset) / Double(bytes.count))
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = AutosaveError(operation: "fsync", path: temporary, code: errno) }
        if close(descriptor) != 0, failure == nil { failure = AutosaveError(operation: "close", path: temporary, code: errno) }
        if failure == nil, rename(temporary, path) != 0 { failure = AutosaveError(operation: "rename", path: path, code: errno) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        let directoryDescriptor = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        if bytes.isEmpty { progress(1) }
    }
}
