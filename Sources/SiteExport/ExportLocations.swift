#if canImport(Glibc)
import Glibc
#endif

/// The source and destination folders of an export, checked and resolved (see
/// ``resolve(source:destination:roots:base:)``).
public struct ExportLocations: Sendable, Hashable {
    /// The source folder, its real path.
    public let source: String
    /// The destination folder: its parent's real path and its own plain name.
    public let destination: String
    /// The destination's parent (real path), where the temporary folder goes.
    public let parent: String
    /// The destination's name in its parent.
    public let name: String

    /// Checks and resolves a source and a destination, as given by a user (absolute, or
    /// relative to `base`). Both must lie inside one of `roots` (compared by real path,
    /// so `..` and symbolic links cannot lead out); the source must be an existing
    /// folder; the destination's parent must exist; the destination must be a new
    /// name, an empty folder or an earlier export's folder (it holds
    /// ``SiteFolder/markerName``), not a symbolic link, and neither folder may contain
    /// the other.
    public static func resolve(source: String, destination: String, roots: [String], base: String) throws(ExportPathError) -> ExportLocations {
        let rootPaths = roots.compactMap(realPath)
        let sourcePath = try absolute(source, base: base, what: "source")
        guard let realSource = realPath(sourcePath) else { throw .missing("source", source) }
        guard isDirectory(realSource) else { throw .notAFolder("source", source) }
        guard inside(realSource, rootPaths) else { throw .outsideRoots("source", source) }

        let destinationPath = try absolute(destination, base: base, what: "destination")
        let trimmed = destinationPath.count > 1 && destinationPath.hasSuffix("/") ? String(destinationPath.dropLast()) : destinationPath
        let slash = trimmed.lastIndex(of: "/")!
        let name = String(trimmed[trimmed.index(after: slash)...])
        guard !name.isEmpty, name != ".", name != "..", !name.hasPrefix(".") else { throw .badName(destination) }
        let parentPath = trimmed[..<slash].isEmpty ? "/" : String(trimmed[..<slash])
        guard let parent = realPath(parentPath), isDirectory(parent) else { throw .missing("destination's folder", parentPath) }
        let resolved = (parent == "/" ? "" : parent) + "/" + name
        guard inside(resolved, rootPaths) else { throw .outsideRoots("destination", destination) }
        if resolved == realSource || resolved.hasPrefix(realSource + "/") { throw .destinationInsideSource(destination) }
        if realSource.hasPrefix(resolved + "/") { throw .sourceInsideDestination(source) }
        if let problem = SiteFolder.replaceProblem(resolved) { throw .notReplaceable(destination, problem) }
        return ExportLocations(source: realSource, destination: resolved, parent: parent, name: name)
    }

    private static func absolute(_ path: String, base: String, what: String) throws(ExportPathError) -> String {
        guard !path.isEmpty, !path.utf8.contains(0) else { throw .invalid(what) }
        return path.hasPrefix("/") ? path : (base.hasSuffix("/") ? base : base + "/") + path
    }

    private static func inside(_ path: String, _ roots: [String]) -> Bool {
        roots.contains { root in root == "/" || path == root || path.hasPrefix(root + "/") }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}

/// Why an export's folders were refused.
public enum ExportPathError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Empty, or with a NUL byte.
    case invalid(String)
    /// Does not exist.
    case missing(String, String)
    /// Not a folder.
    case notAFolder(String, String)
    /// Outside every folder the exports may use.
    case outsideRoots(String, String)
    /// The destination's last component is not a plain name.
    case badName(String)
    /// The destination is the source or inside it.
    case destinationInsideSource(String)
    /// The source is inside the destination (replacing it would remove the source).
    case sourceInsideDestination(String)
    /// The destination exists and is not an export's folder.
    case notReplaceable(String, String)

    /// Whether the error is about confinement (an HTTP 403) rather than a bad request.
    public var isForbidden: Bool {
        if case .outsideRoots = self { true } else { false }
    }

    /// A sentence for people.
    public var description: String {
        switch self {
        case .invalid(let what): "the \(what) path is empty or holds a NUL byte"
        case .missing(let what, let path): "the \(what) \(path) does not exist"
        case .notAFolder(let what, let path): "the \(what) \(path) is not a folder"
        case .outsideRoots(let what, let path): "the \(what) \(path) is outside the folders exports may use"
        case .badName(let path): "the destination \(path) must end in a plain folder name (not '.', '..' or hidden)"
        case .destinationInsideSource(let path): "the destination \(path) is inside the source"
        case .sourceInsideDestination(let path): "the source \(path) is inside the destination"
        case .notReplaceable(let path, let why): "the destination \(path) \(why)"
        }
    }
}
