import Foundation
import Hummingbird

/// KaTeX's files from Debian's `libjs-katex` and `fonts-katex`: the script, its style
/// sheet and its fonts, nothing else of the folder.
struct KaTeXAssets {
    /// The folder holding `katex.min.js`, `katex.min.css` and `fonts/`.
    let folder: String

    /// Whether the script is there.
    var isAvailable: Bool { FileManager.default.fileExists(atPath: folder + "/katex.min.js") }

    /// The bytes and content type of `path` (relative to the folder), or nil for any
    /// path other than the script, the style sheet or a font file name under `fonts/`.
    func file(_ path: String) -> (data: Data, contentType: String)? {
        let type: String
        switch path {
        case "katex.min.js": type = MediaType.textJavascript.utf8
        case "katex.min.css": type = MediaType.textCss.utf8
        default:
            let name = path.dropFirst("fonts/".count)
            guard path.hasPrefix("fonts/"), !name.isEmpty, !name.hasPrefix("."),
                  name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == ".") })
            else { return nil }
            guard let font = name.split(separator: ".").last.flatMap({ MediaType.getMediaType(forExtension: String($0)) }), font.type == .font
            else { return nil }
            type = font.description
        }
        guard let data = FileManager.default.contents(atPath: folder + "/" + path) else { return nil }
        return (data, type)
    }
}
