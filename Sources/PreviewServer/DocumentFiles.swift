#if canImport(Glibc)
import Glibc
#endif
import Hummingbird

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

    /// The media type of a file a preview page loads, from its name's extension by
    /// Hummingbird's table: images, audio, video, fonts, PDF, CSS, JSON and plain text
    /// (Markdown too) as such, with `charset=utf-8` for text; anything else, HTML and
    /// scripts included, as `application/octet-stream` (a file beside a document is
    /// never run as a page of this origin).
    static func mediaType(of path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let ext = name.split(separator: ".").count > 1 ? String(name.split(separator: ".").last!).lowercased() : ""
        let type = ext == "md" || ext == "markdown" ? MediaType.textPlain : MediaType.getMediaType(forExtension: ext)
        guard let type, servedTypes.contains(where: type.isType) else { return "application/octet-stream" }
        return type.type == .text ? type.utf8 : type.description
    }

    private static let servedTypes: [MediaType] = [
        .image, .audio, .video, .font, .applicationPdf, .applicationJson, .textCss, .textPlain,
    ]
}
