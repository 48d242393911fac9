#if canImport(Glibc)
import Glibc
#endif

/// The files under a document's folder that its page may load (images, linked files),
/// reached by a URL path relative to the folder.
///
/// A path is refused unless every segment, percent-decoded, is a plain name: no `..` or
/// `.`, no hidden (dot) names, no `/`, `\` or NUL inside a segment, no empty segment.
/// The joined path is then resolved with `realpath` (following symlinks) and must still
/// be a regular file inside the folder's real path, so a symlink out of the folder is
/// refused too.
package enum DocumentFiles {
    /// The real path of the file `relativePath` names under `folder` (itself a real
    /// path), or nil when it is refused or missing.
    static func resolve(_ relativePath: Substring, in folder: String) -> String? {
        var segments: [String] = []
        for raw in relativePath.split(separator: "/", omittingEmptySubsequences: false) {
            guard let segment = percentDecoded(raw), isPlainName(segment) else { return nil }
            segments.append(segment)
        }
        guard !segments.isEmpty else { return nil }
        let joined = folder + "/" + segments.joined(separator: "/")
        guard let real = realPath(of: joined), real.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/") else { return nil }
        var status = stat()
        guard stat(real, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
        return real
    }

    /// The canonical absolute path of `path`, symlinks resolved, or nil when it does
    /// not exist.
    package static func realPath(of path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func isPlainName(_ segment: String) -> Bool {
        !segment.isEmpty && !segment.hasPrefix(".") && !segment.utf8.contains(where: { $0 == 0x2F || $0 == 0x5C || $0 == 0 })
    }

    /// `%XX` sequences decoded; nil when one is malformed or the result is not UTF-8.
    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0") ... UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a") ... UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A") ... UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// The media type for a file name's extension (what a preview page loads);
    /// `application/octet-stream` otherwise.
    static func mediaType(of path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let ext = name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last!).lowercased() : ""
        switch ext {
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "avif": return "image/avif"
        case "svg": return "image/svg+xml"
        case "ico": return "image/x-icon"
        case "mp4": return "video/mp4"
        case "webm": return "video/webm"
        case "mp3": return "audio/mpeg"
        case "ogg": return "audio/ogg"
        case "pdf": return "application/pdf"
        case "md", "markdown", "txt": return "text/plain; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "json": return "application/json"
        default: return "application/octet-stream"
        }
    }
}
