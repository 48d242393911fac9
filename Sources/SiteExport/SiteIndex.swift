import MarkdownRenderer

/// The index page of an exported site: every page by title, grouped by folder, and
/// the files that failed.
enum SiteIndex {
    /// A page of the site: its path (relative to the site) and its title.
    struct Entry {
        var path: String
        var title: String
    }

    /// Where the index goes: `index.html`, unless a page already has that name.
    static func fileName(avoiding pages: Set<String>) -> String {
        var name = "index.html"
        var number = 1
        while pages.contains(name) {
            name = number == 1 ? "site-index.html" : "site-index-\(number).html"
            number += 1
        }
        return name
    }

    /// The index page for `entries` (sorted by path) and `failures`, titled `title`.
    static func page(title: String, entries: [Entry], failures: [ExportReport.Failure]) -> String {
        var body = "<h1>\(HTMLPage.escape(title))</h1>\n"
        var folder: Substring? = nil
        var listOpen = false
        for entry in entries {
            let entryFolder = entry.path.lastIndex(of: "/").map { entry.path[..<$0] } ?? ""
            if entryFolder != folder || !listOpen {
                if listOpen { body += "</ul>\n" }
                if !entryFolder.isEmpty { body += "<h2>\(HTMLPage.escape(String(entryFolder)))</h2>\n" }
                body += "<ul>\n"
                listOpen = true
                folder = entryFolder
            }
            body += "<li><a href=\"\(HTMLPage.escape(percentEncoded(entry.path)))\">\(HTMLPage.escape(entry.title))</a></li>\n"
        }
        if listOpen { body += "</ul>\n" }
        if entries.isEmpty { body += "<p>No Markdown files were found.</p>\n" }
        if !failures.isEmpty {
            body += "<h2>Not exported</h2>\n<ul>\n"
            for failure in failures {
                body += "<li><code>\(HTMLPage.escape(failure.file))</code>: \(HTMLPage.escape(failure.error))</li>\n"
            }
            body += "</ul>\n"
        }
        return HTMLPage.wrap(body: body, title: title)
    }

    /// `path` with the bytes a URL path cannot hold percent-encoded (`/` kept).
    static func percentEncoded(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            let keep = (UInt8(ascii: "a") ... UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A") ... UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0") ... UInt8(ascii: "9")).contains(byte) || "/-._~".utf8.contains(byte)
            out += keep ? String(UnicodeScalar(byte)) : "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
        }
        return out
    }
}
