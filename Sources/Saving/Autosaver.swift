import Primitives
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns every write to a file, whoever starts it (an autosave, an explicit save, a
/// close, the shutdown): one write at a time per file, and a file never goes back to an
/// older version of the document that wrote it. See `Docs/ENGINE.md`, "Saving".
///
/// Files are told apart by their resolved target: a symbolic link is followed to the
/// file it names (which is written, the link stays), and the directory is made absolute
/// with `realpath`, so two spellings of one file share one queue.
package final class Autosaver: Sendable {
    /// One version of one document to write.
    package struct Request: Sendable {
        /// The document's opening (``Session/generation``): versions of one opening are
        /// comparable, versions of different openings are not.
        package let generation: UInt64
        package let version: UInt64
        /// The path as the embedder gave it.
        package let path: String
        package let text: String

        /// A request to write `text` as `version` of opening `generation` to `path`.
        package init(generation: UInt64, version: UInt64, path: String, text: String) {
            self.generation = generation
            self.version = version
            self.path = path
            self.text = text
        }
    }

    /// What became of a request.
    package enum Outcome: Sendable, Equatable {
        /// The version was written.
        case written
        /// Nothing was written: this version or a newer one of the same opening was on
        /// disk already (a newer save overtook this one).
        case alreadyOnDisk(version: UInt64)
        case failed(AutosaveError)
    }

    private struct FileState: Sendable {
        var isWriting = false
        var waiting = 0
        var leftoversRemoved = false
        /// The opening and version written last, if this process wrote the file.
        var onDisk: (generation: UInt64, version: UInt64)?
    }

    private let writer: any AutosaveWriter
    private let files = Locked<[String: FileState]>([:])

    package init(writer: any AutosaveWriter) {
        self.writer = writer
    }

    /// Why `path` cannot be a document's file, or nil when it can: it is empty, holds a
    /// NUL (which would cut the path short in the system call), ends with `/`, or names
    /// a directory.
    package static func problem(with path: String) -> String? {
        if path.isEmpty { return "the path is empty" }
        if path.utf8.contains(0) { return "the path contains a NUL character" }
        if path.hasSuffix("/") { return "the path ends with '/', so it names a directory" }
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return "the path is a directory" }
        return nil
    }

    /// The file a write to `path` replaces: symbolic links followed (also dangling ones:
    /// the file they name is created), the directory made absolute where it exists.
    package static func target(of path: String) -> String {
        var current = path
        for _ in 0..<40 {
            var info = stat()
            guard lstat(current, &info) == 0, info.st_mode & S_IFMT == S_IFLNK else { break }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count > 0 else { break }
            let link = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : FilePath.split(current).directory + "/" + link
        }
        let (directory, name) = FilePath.split(current)
        guard let resolved = realpath(directory, nil) else { return current }
        defer { free(resolved) }
        let absolute = String(cString: resolved)
        return absolute == "/" ? "/" + name : absolute + "/" + name
    }

    /// Removes leftovers of killed writes to `path` (a document naming it opened). Takes
    /// the file's turn like a write, so no write of ours runs (and has a temporary file
    /// of this process beside the target) while the clean-up does.
    package func prepare(_ path: String) {
        let target = Self.target(of: path)
        _ = takeTurn(on: target) { file in
            file.leftoversRemoved = true
            return true
        }
        writer.removeLeftovers(of: target)
        endTurn(on: target) { _ in }
    }

    /// Writes `request` once every write to the same file started before it is done,
    /// unless the file already holds this version or a newer one of the same opening.
    /// Blocks the calling thread meanwhile; `progress` receives the fraction written.
    package func write(_ request: Request, progress: (Double) -> Void) -> Outcome {
        let target = Self.target(of: request.path)
        var onDiskAlready: UInt64?
        var cleansFirst = false
        _ = takeTurn(on: target) { file in
            if let onDisk = file.onDisk, onDisk.generation == request.generation, onDisk.version >= request.version {
                onDiskAlready = onDisk.version
                return false
            }
            cleansFirst = !file.leftoversRemoved
            file.leftoversRemoved = true
            return true
        }
        if let onDiskAlready { return .alreadyOnDisk(version: onDiskAlready) }
        if cleansFirst { writer.removeLeftovers(of: target) }

        var outcome = Outcome.written
        var text = request.text
        text.withUTF8 { bytes in
            do throws(AutosaveError) {
                try writer.write(UnsafeRawBufferPointer(bytes), to: target, progress: progress)
            } catch {
                outcome = .failed(error)
            }
        }
        endTurn(on: target) { file in
            if outcome == .written { file.onDisk = (request.generation, request.version) }
        }
        return outcome
    }

    /// Waits until no write or clean-up of `target` runs, then asks `decide` (with the
    /// lock held) whether to take the turn; returns its answer. A turn taken must be
    /// ended with ``endTurn(on:_:)``.
    private func takeTurn(on target: String, _ decide: (inout FileState) -> Bool) -> Bool {
        files.withLock { $0[target, default: FileState()].waiting += 1 }
        return files.withLock(waitingUntil: { $0[target]?.isWriting != true }) { files, _ in
            var file = files[target]!
            file.waiting -= 1
            defer { files[target] = file }
            guard decide(&file) else { return false }
            file.isWriting = true
            return true
        }
    }

    /// Ends a turn taken with ``takeTurn(on:_:)``, updating the file's state, and wakes
    /// the writes waiting for it.
    private func endTurn(on target: String, _ update: (inout FileState) -> Void) {
        files.withLock { files in
            files[target]!.isWriting = false
            update(&files[target]!)
        }
        files.broadcast()
    }

    /// How many writes wait for another write to the same file (for tests).
    package var waitingWriteCount: Int {
        files.withLock { $0.values.reduce(0) { $0 + $1.waiting } }
    }
}
