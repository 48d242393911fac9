import Dispatch
import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// Calls back when a file on disk is written, following editors that save by writing a
/// new file and renaming it over the old one: it watches the file's folder (inotify) for
/// a write that is closed, or a file moved or created under the file's name.
public final class FileWatcher: Sendable {
    /// What went wrong starting to watch.
    public struct WatchError: Error, CustomStringConvertible {
        /// The reason, from the system.
        public let description: String
    }

    private let inotify: Int32
    private let wake: (read: Int32, write: Int32)
    private let stopped = Locked(false)
    private let finished = DispatchSemaphore(value: 0)

    /// Watches `path`; `changed` is called on a queue of the watcher's own after each
    /// write of the file is complete (not for a delete: the last text stays shown).
    public init(path: String, changed: @escaping @Sendable () -> Void) throws(WatchError) {
        let folder = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let name = String(path.split(separator: "/").last ?? Substring(path))
        inotify = inotify_init1(Int32(IN_CLOEXEC))
        guard inotify >= 0 else { throw WatchError(description: "inotify: \(String(cString: strerror(errno)))") }
        let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_CREATE)
        guard inotify_add_watch(inotify, folder.isEmpty ? "/" : folder, mask) >= 0 else {
            let reason = String(cString: strerror(errno))
            close(inotify)
            throw WatchError(description: "cannot watch \(folder): \(reason)")
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            close(inotify)
            throw WatchError(description: "pipe: \(String(cString: strerror(errno)))")
        }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        wake = (fds[0], fds[1])
        let inotify = inotify, wakeRead = wake.read, finished = finished
        let thread = DispatchQueue(label: "mdpreview.watch")
        thread.async {
            Self.run(inotify: inotify, wake: wakeRead, name: name, changed: changed)
            finished.signal()
        }
    }

    /// Stops watching; no call of `changed` starts after it returns.
    public func stop() {
        let first = stopped.withLock { stopped in defer { stopped = true }; return !stopped }
        guard first else { return }
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
        finished.wait()
        close(inotify)
        close(wake.read)
        close(wake.write)
    }

    deinit { stop() }

    private static func run(inotify: Int32, wake: Int32, name: String, changed: @Sendable () -> Void) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, -1)
            if ready < 0 { if errno == EINTR { continue } else { return } }
            if fds[1].revents != 0 { return }
            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            if count <= 0 { if count < 0 && errno == EINTR { continue } else { return } }
            if names(in: buffer[..<count]).contains(name) { changed() }
        }
    }

    /// The file names of the inotify events in `bytes`.
    private static func names(in bytes: ArraySlice<UInt8>) -> [String] {
        var names: [String] = []
        var offset = bytes.startIndex
        let header = MemoryLayout<inotify_event>.size
        while offset + header <= bytes.endIndex {
            let length = bytes[(offset + 12) ..< (offset + 16)].reversed().reduce(0) { $0 << 8 | Int($1) }
            let nameBytes = bytes[(offset + header) ..< min(offset + header + length, bytes.endIndex)].prefix { $0 != 0 }
            names.append(String(decoding: nameBytes, as: UTF8.self))
            offset += header + length
        }
        return names
    }
}
