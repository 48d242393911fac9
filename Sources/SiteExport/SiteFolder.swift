import CProcessControl
#if canImport(Glibc)
import Glibc
#endif

/// The temporary folder an export writes into, beside its destination, and the one
/// step that puts it in place.
///
/// The temporary folder is `.NAME.mdpreview-PID-RANDOM` in the destination's parent.
/// ``replace(_:)`` swaps it with the destination atomically (`renameat2` with
/// `RENAME_EXCHANGE`; a plain `rename` when the destination is new), so the
/// destination is always either the old site or the new one. Folders of exports whose
/// process is gone (a SIGKILL) are removed by the next export to the same destination.
struct SiteFolder {
    /// The file that marks a folder as an export's, so that a later export may replace it.
    static let markerName = ".mdpreview-export"

    let path: String
    let destination: String

    /// Creates the temporary folder for `locations`, after removing the ones dead
    /// exports left there.
    init(for locations: ExportLocations) throws(SiteWriteError) {
        Self.removeAbandoned(in: locations.parent, name: locations.name)
        destination = locations.destination
        let suffix = String(UInt32.random(in: 0 ... .max), radix: 16)
        path = locations.parent + "/" + Self.prefix(locations.name) + "\(getpid())-\(suffix)"
        guard mkdir(path, 0o755) == 0 else { throw .cannotCreate(path, String(cString: strerror(errno))) }
    }

    /// Why `destination` cannot be replaced by an export, or nil if it can: it does not
    /// exist, is an empty folder, or holds the marker of an earlier export.
    static func replaceProblem(_ destination: String) -> String? {
        var info = stat()
        guard lstat(destination, &info) == 0 else { return nil }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { return "exists and is not a folder" }
        if access(destination + "/" + markerName, F_OK) == 0 { return nil }
        guard let entries = FileTree.entries(of: destination) else { return "cannot be read" }
        return entries.isEmpty ? nil : "is a folder that an export did not write (it has no \(markerName)); choose a new or empty folder"
    }

    /// Puts the folder in place of the destination; the old destination, if any, is
    /// removed after the swap.
    func replace() throws(SiteWriteError) {
        if let problem = Self.replaceProblem(destination) { throw .cannotReplace(destination, problem) }
        var info = stat()
        if lstat(destination, &info) != 0 {
            guard rename(path, destination) != 0 else { return }
            if errno != EEXIST && errno != ENOTEMPTY { throw .cannotReplace(destination, String(cString: strerror(errno))) }
        }
        if process_control_exchange_paths(path, destination) == 0 {
            FileTree.remove(path)   // now the old site
            return
        }
        // No atomic exchange on this file system: move the old site aside first.
        let aside = path + "-old"
        guard rename(destination, aside) == 0 else { throw .cannotReplace(destination, String(cString: strerror(errno))) }
        guard rename(path, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = rename(aside, destination)
            throw .cannotReplace(destination, reason)
        }
        FileTree.remove(aside)
    }

    /// Removes the temporary folder (after a failure or a cancel).
    func discard() {
        FileTree.remove(path)
    }

    private static func prefix(_ name: String) -> String { "." + name + ".mdpreview-" }

    /// Removes `.NAME.mdpreview-PID-…` folders in `parent` whose process no longer runs.
    private static func removeAbandoned(in parent: String, name: String) {
        let prefix = prefix(name)
        for entry in FileTree.entries(of: parent) ?? [] where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count).prefix { $0 != "-" }), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { FileTree.remove(parent + "/" + entry) }
        }
    }
}

/// Why writing the site failed.
public enum SiteWriteError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A folder or file could not be created or written.
    case cannotCreate(String, String)
    /// A source file could not be read.
    case cannotRead(String, String)
    /// The destination could not be replaced.
    case cannotReplace(String, String)
    /// A page failed to render and the export is strict.
    case pageFailed(String, String)

    /// A sentence for people.
    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason): "cannot write \(path): \(reason)"
        case .cannotRead(let path, let reason): "cannot read \(path): \(reason)"
        case .cannotReplace(let path, let reason): "cannot replace \(path): \(reason)"
        case .pageFailed(let file, let reason): "\(file): \(reason) (strict export: nothing was written)"
        }
    }
}
