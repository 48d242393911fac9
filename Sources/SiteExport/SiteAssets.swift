import Foundation
import MarkdownRenderer

/// What an exported page needs to look like the live page, offline: highlight.js (from
/// Debian's `libjs-highlight.js`) and KaTeX (`libjs-katex`, `fonts-katex`), copied into
/// the site's ``folderName`` folder with a small script that applies both. KaTeX's fonts
/// are inlined in its style sheet as `data:` URLs (only the WOFF2 ones), because a browser
/// refuses fonts from `file:` URLs: the site works opened from disk as well as served.
/// An asset that is not installed is left out, and pages do not refer to it.
public struct SiteAssets: Sendable, Hashable {
    /// The folder of `katex.min.js`, `katex.min.css` and `fonts/`.
    public var katexFolder: String
    /// highlight.js's script.
    public var highlightScriptPath: String
    /// The folder of highlight.js's styles (`atom-one-light.css`, `atom-one-dark.css`).
    public var highlightStylesFolder: String

    /// Debian's paths.
    public static let debian = SiteAssets(
        katexFolder: "/usr/share/javascript/katex",
        highlightScriptPath: "/usr/share/javascript/highlight.js/highlight.min.js",
        highlightStylesFolder: "/usr/share/javascript/highlight.js/styles"
    )

    /// Assets from these places.
    public init(katexFolder: String, highlightScriptPath: String, highlightStylesFolder: String) {
        self.katexFolder = katexFolder
        self.highlightScriptPath = highlightScriptPath
        self.highlightStylesFolder = highlightStylesFolder
    }

    /// The site folder the assets go in.
    public static let folderName = "_mdpreview"

    private var hasKaTeX: Bool { FileManager.default.fileExists(atPath: katexFolder + "/katex.min.js") }
    private var hasHighlight: Bool { FileManager.default.fileExists(atPath: highlightScriptPath) }

    /// How many folders below the site's root the page of the file at `relativePath` is.
    public static func depth(of relativePath: String) -> Int {
        max(0, relativePath.split(separator: "/").filter { $0 != "." }.count - 1)
    }

    /// The tags a page `depth` folders below the site's root puts in its head.
    public func head(depth: Int) -> String {
        let prefix = String(repeating: "../", count: max(0, depth)) + Self.folderName + "/"
        var head = ""
        if hasHighlight {
            head += "<link rel=\"stylesheet\" href=\"\(prefix)highlight.css\">\n<script defer src=\"\(prefix)highlight.min.js\"></script>\n"
        }
        if hasKaTeX {
            head += "<link rel=\"stylesheet\" href=\"\(prefix)katex/katex.min.css\">\n<script defer src=\"\(prefix)katex/katex.min.js\"></script>\n"
        }
        return head.isEmpty ? "" : head + "<script defer src=\"\(prefix)page.js\"></script>\n"
    }

    /// The files to write, by path under the site's root.
    func files() -> [(path: String, bytes: [UInt8])] {
        var files: [(String, [UInt8])] = []
        if hasHighlight, let script = FileManager.default.contents(atPath: highlightScriptPath), let css = HTMLPage.highlightStyleSheet(folder: highlightStylesFolder, read: Self.contents(of:)) {
            files.append((Self.folderName + "/highlight.min.js", Array(script)))
            files.append((Self.folderName + "/highlight.css", Array(css.utf8)))
        }
        if hasKaTeX, let script = FileManager.default.contents(atPath: katexFolder + "/katex.min.js"),
           let css = FileManager.default.contents(atPath: katexFolder + "/katex.min.css") {
            files.append((Self.folderName + "/katex/katex.min.js", Array(script)))
            files.append((Self.folderName + "/katex/katex.min.css", Array(inliningFonts(String(decoding: css, as: UTF8.self)).utf8)))
        }
        if !files.isEmpty { files.append((Self.folderName + "/page.js", Array(Self.pageScript.utf8))) }
        return files
    }

    /// The bytes of the file at `path`, or nil.
    static func contents(of path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map(Array.init)
    }

    /// `css` with each `src:url(fonts/NAME.woff2) format('woff2'),…` declaration replaced
    /// by the WOFF2 font as a `data:` URL (a font file that is missing keeps its URL).
    func inliningFonts(_ css: String) -> String {
        var result = ""
        var rest = css[...]
        while let start = rest.firstRange(of: "src:url(fonts/") {
            result += rest[..<start.lowerBound]
            let afterURL = rest[start.upperBound...]
            guard let close = afterURL.firstIndex(of: ")") else { break }
            let name = String(afterURL[..<close])
            let end = afterURL.firstIndex { $0 == ";" || $0 == "}" } ?? afterURL.endIndex
            if name.hasSuffix(".woff2"), !name.contains("/"), let font = FileManager.default.contents(atPath: katexFolder + "/fonts/" + name) {
                result += "src:url(data:font/woff2;base64," + font.base64EncodedString() + ") format('woff2')"
                rest = afterURL[end...]
            } else {
                result += rest[start]
                rest = afterURL
            }
        }
        return result + rest
    }

    /// Highlights code blocks and typesets math once the page is parsed, as the live
    /// page does (TeX errors in red, never a broken page).
    static let pageScript = """
    // mdpreview export: code highlighting and math, as on the live preview page.
    (function () {
      'use strict';
      if (window.hljs) {
        for (const code of document.querySelectorAll('pre code[class*="language-"]')) window.hljs.highlightBlock(code);
      }
      if (window.katex) {
        for (const math of document.querySelectorAll('.math')) {
          try {
            window.katex.render(math.textContent, math, { displayMode: math.classList.contains('math-display'), throwOnError: false });
          } catch (error) {
            math.classList.add('math-error');
          }
        }
      }
    })();

    """
}
