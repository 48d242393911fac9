#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a whole file so that a reader (or a crash) only ever sees the old complete
/// file or the new complete file.
package protocol AutosaveWriter: Sendable {
    /// Replaces the file at `path` with `bytes`; `progress` receives the fraction written.
    /// `path` is never a symbolic link: the engine resolves links first.
    func write(_ bytes: UnsafeRawBufferPointer, to path: String, progress: (Double) -> Void) throws(AutosaveError)

    /// Removes what earlier writes to `path` by dead processes left behind (temporary
    /// files of a write that was killed). Called before the first write to a path and
    /// when a document naming it opens, never while a write to it runs.
    func removeLeftovers(of path: String)
}

extension AutosaveWriter {
    /// Writers that leave nothing behind need no clean-up.
    package func removeLeftovers(of path: String) {}
}

/// A failed write, with the system's reason.
package struct AutosaveError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What the writer was doing (`open`, `write`, `fsync`, `rename`).
    package let operation: String
    /// The file involved.
    package let path: String
    /// `errno`.
    package let code: Int32

    /// An error for `operation` on `path` with `errno` `code`.
    package init(operation: String, path: String, code: Int32) {
        self.operation = operation
        self.path = path
        self.code = code
    }

    package var description: String { "\(operation) \(path): \(String(cString: strerror(code)))" }
}

/// The production writer: write a temporary file `.NAME.PID.RANDOM.tmp` in the same
/// directory, give it the old file's mode and (where permitted) owner and group, `fsync`
/// it, `rename` it over the target (atomic on POSIX file systems), then `fsync` the
/// directory so the rename itself is durable. The temporary file is removed on failure;
/// the target is never opened for writing, so it stays intact whatever fails. A new file
/// gets mode 0666 less the umask, as editors create files.
///
/// The rename gives the path a new inode: other hard links to the old file keep the old
/// contents (see `Docs/ENGINE.md`, "Saving").
package struct AtomicFileWriter: AutosaveWriter {
    /// Bytes written per `write(2)` call (and per progress report).
    package var chunkSize: Int

    /// A writer that writes `chunkSize` bytes at a time.
    package init(chunkSize: Int = 1 << 20) {
        self.chunkSize = max(1, chunkSize)
    }

    package func write(_ bytes: UnsafeRawBufferPointer, to path: String, progress: (Double) -> Void) throws(AutosaveError) {
        let (directory, name) = FilePath.split(path)
        let temporary = "\(directory)/.\(name).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"

        var existing = stat()
        let exists = stat(path, &existing) == 0
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw AutosaveError(operation: "open", path: temporary, code: errno) }
        var failure: AutosaveError?
        if exists {
            // The mode exactly (open's is masked by the umask); owner and group only where
            // permitted, as for anyone but root saving someone else's file they may not be.
            if fchmod(descriptor, existing.st_mode & 0o7777) != 0 {
                failure = AutosaveError(operation: "fchmod", path: temporary, code: errno)
            }
            if existing.st_uid != geteuid() || existing.st_gid != getegid() {
                _ = fchown(descriptor, existing.st_uid, existing.st_gid)
            }
        }
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
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
        if bytes.isEmpty { progress(1) }
    }

    /// Removes `.NAME.PID.RANDOM.tmp` files beside `path` whose process is gone (a save
    /// that was killed), and this process's own (a write of it is never running when
    /// this is called). Another live process's temporary files are left alone.
    package func removeLeftovers(of path: String) {
        let (directory, name) = FilePath.split(path)
        guard let stream = opendir(directory) else { return }
        defer { closedir(stream) }
        let prefix = ".\(name)."
        while let entry = readdir(stream) {
            let entryName = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard entryName.hasPrefix(prefix), entryName.hasSuffix(".tmp") else { continue }
            let middle = entryName.dropFirst(prefix.count).dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
            guard middle.count == 2, let pid = Int32(middle[0]), UInt32(middle[1]) != nil, pid > 0 else { continue }
            if pid == getpid() || (kill(pid, 0) != 0 && errno == ESRCH) {
                unlink("\(directory)/\(entryName)")
            }
        }
    }
}

/// Path helpers for the writers.
package enum FilePath {
    /// The directory (`.` for a bare name, `/` for the root) and the last component.
    package static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }
}
