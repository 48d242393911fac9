/// A document's front matter: a YAML block between `---` lines (closed by `---` or
/// `...`), or a TOML block between `+++` lines, starting on the first line. The
/// `github` profile shows it as GitHub does, as a table of its top-level keys, never as
/// Markdown; one it cannot read is shown as written, in a code block, with a notice.
///
/// Only top-level keys are read (`key: value` for YAML, `key = value` and `[table]`
/// for TOML), by a line scanner of our own rather than a YAML library: that is all the
/// table shows, it runs in linear time on any input (no aliases to expand, no nesting
/// to recurse into), and so it is safe in the process that serves the page. A nested
/// or multi-line value is shown as its lines, as written.
public struct FrontMatter: Sendable, Hashable {
    /// The syntax of a front matter block.
    public enum Format: String, Sendable, Hashable {
        /// `---` … `---` (or `...`).
        case yaml
        /// `+++` … `+++`.
        case toml
    }

    /// One top-level key and its value as shown.
    public struct Entry: Sendable, Hashable {
        /// The key.
        public let key: String
        /// The value: a scalar without its quotes, or the lines of a nested value.
        public let value: String
        /// Whether the value spans lines (shown preformatted).
        public let isBlock: Bool
    }

    /// The syntax.
    public let format: Format
    /// The UTF-8 bytes from the start of the text to the end of the closing line.
    public let byteCount: Int
    /// The lines it spans, the opening and closing lines included.
    public let lineCount: Int
    /// The body between the delimiter lines, as written.
    public let body: String
    /// The top-level entries, or nil when the body could not be read.
    public let entries: [Entry]?
    /// Why the body could not be read (with its line, counted from 1 in the document).
    public let problem: String?

    /// The longest front matter looked for: a closing line further in is not one.
    public static let maximumByteCount = 2 << 20

    /// The `title` entry's value, if it is a one-line value.
    public var title: String? {
        entries?.first { $0.key == "title" && !$0.isBlock && !$0.value.isEmpty }?.value
    }

    /// The front matter at the start of `text`, or nil when it has none (no opening
    /// line, or no closing line within ``maximumByteCount``). O(its size).
    public static func detect(in text: UnsafeBufferPointer<UInt8>) -> FrontMatter? {
        var lines = LineCursor(text: text, limit: min(text.count, maximumByteCount))
        guard let first = lines.next() else { return nil }
        let opening = first.content.trimmingTrailingBlanks
        let format: Format
        if opening.elementsEqual("---".utf8) { format = .yaml } else if opening.elementsEqual("+++".utf8) { format = .toml } else { return nil }
        guard first.hasTerminator else { return nil }
        var lineCount = 1
        let bodyStart = first.end
        while let line = lines.next() {
            lineCount += 1
            let content = line.content.trimmingTrailingBlanks
            let closes = format == .yaml ? content.elementsEqual("---".utf8) || content.elementsEqual("...".utf8) : content.elementsEqual("+++".utf8)
            guard closes else { continue }
            let body = String(decoding: text[bodyStart ..< line.start], as: UTF8.self)
            let read = format == .yaml ? EntryReader.yaml(body) : EntryReader.toml(body)
            return FrontMatter(format: format, byteCount: line.end, lineCount: lineCount, body: body, entries: read.entries, problem: read.problem)
        }
        return nil
    }

    /// Replaces the front matter's bytes at the start of `text`, terminators excepted,
    /// by spaces: the same size and lines, and nothing for the Markdown parser to render
    /// there.
    public func mask(_ text: inout [UInt8]) {
        for index in 0 ..< min(byteCount, text.count) where text[index] != 0x0A && text[index] != 0x0D { text[index] = 0x20 }
    }

    /// The HTML the page shows: a table of the entries (nothing for an empty block), or
    /// the body in a code block with a notice when it could not be read.
    public var html: String {
        let format = format.rawValue
        guard let entries else {
            return #"<div class="front-matter front-matter-invalid" data-front-matter="\#(format)">"# + "\n"
                + #"<p class="front-matter-notice">This front matter could not be read (\#(HTMLEscaping.escape(problem ?? "")));"#
                + " it is shown as written.</p>\n"
                + #"<pre><code class="language-\#(format)">"# + HTMLEscaping.escape(body) + "</code></pre>\n</div>\n"
        }
        guard !entries.isEmpty else { return "" }
        let titleAttribute = title.map { #" data-title="\#(HTMLEscaping.escape($0))""# } ?? ""
        var html = #"<table class="front-matter" data-front-matter="\#(format)"\#(titleAttribute)>"# + "\n<thead>\n<tr>\n"
        for entry in entries { html += "<th>" + HTMLEscaping.escape(entry.key) + "</th>\n" }
        html += "</tr>\n</thead>\n<tbody>\n<tr>\n"
        for entry in entries {
            let value = HTMLEscaping.escape(entry.value)
            html += entry.isBlock ? "<td><pre>" + value + "</pre></td>\n" : "<td>" + value + "</td>\n"
        }
        return html + "</tr>\n</tbody>\n</table>\n"
    }
}

/// Lines of a byte buffer up to a limit.
private struct LineCursor {
    struct Line {
        let start: Int
        let end: Int
        let content: Slice<UnsafeBufferPointer<UInt8>>
        let hasTerminator: Bool
    }

    let text: UnsafeBufferPointer<UInt8>
    let limit: Int
    var position = 0

    mutating func next() -> Line? {
        guard position < limit else { return nil }
        let start = position
        var index = start
        while index < text.count, text[index] != 0x0A, text[index] != 0x0D { index += 1 }
        let content = text[start ..< index]
        guard index < text.count else { position = index; return Line(start: start, end: index, content: content, hasTerminator: false) }
        index += text[index] == 0x0D && index + 1 < text.count && text[index + 1] == 0x0A ? 2 : 1
        position = index
        return Line(start: start, end: index, content: content, hasTerminator: true)
    }
}

private extension Slice<UnsafeBufferPointer<UInt8>> {
    var trimmingTrailingBlanks: Slice<UnsafeBufferPointer<UInt8>> {
        var slice = self
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }
}
