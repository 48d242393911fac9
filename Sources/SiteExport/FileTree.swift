import RenderWorkers
#if canImport(Glibc)
import Glibc
#endif

/// The few file-system walks an export needs, over POSIX calls.
enum FileTree {
    /// A file found under the source: its path relative to the source, and whether it
    /// is Markdown.
    struct File: Sendable, Hashable {
        var relativePath: String
        var isMarkdown: Bool
    }

    /// The names in `folder` (without `.` and `..`), or nil if it cannot be read.
    static func entries(of folder: String) -> [String]? {
        guard let directory = opendir(folder) else { return nil }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The files under `root`, sorted by path: hidden names (a leading dot) are left
    /// out, and so are symbolic links that lead outside `root` or to folders (no loops).
    static func files(under root: String) -> [File] {
        var files: [File] = []
        var folders = [""]
        while let relative = folders.popLast() {
            let folder = relative.isEmpty ? root : root + "/" + relative
            for name in (entries(of: folder) ?? []).sorted() where !name.hasPrefix(".") {
                let path = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(root + "/" + path, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: folders.append(path)
                case S_IFREG: files.append(File(relativePath: path, isMarkdown: isMarkdown(name)))
                case S_IFLNK:
                    guard let target = ExportLocations.realPath(root + "/" + path), target.hasPrefix(root + "/"),
                          stat(target, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
                    files.append(File(relativePath: path, isMarkdown: isMarkdown(name)))
                default: continue
                }
            }
        }
        return files.sorted { $0.relativePath < $1.relativePath }
    }

    /// Whether a file name is Markdown: `.md`, `.markdown`, `.mdown`, `.mkd`, any case.
    static func isMarkdown(_ name: String) -> Bool {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
        return ["md", "markdown", "mdown", "mkd"].contains(name[name.index(after: dot)...].lowercased())
    }

    /// Removes `path` and everything under it (symbolic links are removed, not followed).
    static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            for name in entries(of: path) ?? [] { remove(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Creates the folders of `relativePath`'s parent under `root`.
    static func makeParents(of relativePath: String, under root: String) throws(SiteWriteError) {
        var path = root
        for component in relativePath.split(separator: "/").dropLast() {
            path += "/" + component
            if mkdir(path, 0o755) != 0 && errno != EEXIST { throw .cannotCreate(path, String(cString: strerror(errno))) }
        }
    }

    /// Writes `bytes` to a new file at `path`; a short write (a full disk) is an error.
    static func write(_ bytes: [UInt8], to path: String) throws(SiteWriteError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .cannotCreate(path, String(cString: strerror(errno))) }
        defer { close(descriptor) }
        guard writeAll(bytes, to: descriptor) else { throw .cannotCreate(path, String(cString: strerror(errno))) }
    }

    /// The bytes of the file at `path`, or why they cannot be read.
    static func read(_ path: String) -> Result<[UInt8], SiteWriteError> {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return .failure(.cannotRead(path, String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.cannotRead(path, String(cString: strerror(errno))))
            }
            if count == 0 { return .success(bytes) }
            bytes += chunk[..<count]
        }
    }
}
