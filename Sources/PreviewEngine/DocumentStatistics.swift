/// Counts and outline of one version of a document, computed by an IDLE task.
public struct DocumentStatistics: Sendable, Hashable {
    /// A heading of the outline.
    public struct Heading: Sendable, Hashable {
        /// 1 to 6.
        public let level: Int
        /// The heading's text as written (inline markup kept).
        public let text: String
        /// 1-based line number.
        public let line: Int
    }

    /// The document.
    public let documentID: DocumentID
    /// The version counted.
    public let version: UInt64
    /// Words: runs of letters, digits, `'` and `_` (so `don't` and `snake_case` are one).
    public let words: Int
    /// User-perceived characters (grapheme clusters).
    public let characters: Int
    /// Lines (1 plus the number of line breaks; an empty text has 1 line).
    public let lines: Int
    /// ATX (`#`) and setext (`===`, `---` underline) headings outside code blocks.
    public let headings: [Heading]
    /// Reading time at ``wordsPerMinute``.
    public let readingMinutes: Double

    /// The reading speed the estimate assumes.
    static let wordsPerMinute = 230.0

    /// Counts `text`; `progress` is told the fraction done every few thousand lines.
    static func compute(
        documentID: DocumentID, version: UInt64, text: String,
        progress: (Double) -> Void = { _ in }
    ) -> DocumentStatistics {
        var words = 0
        var inWord = false
        var characters = 0
        for character in text {
            characters += 1
            let isWordCharacter = character.isLetter || character.isNumber || character == "'" || character == "_"
            if isWordCharacter && !inWord { words += 1 }
            inWord = isWordCharacter
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var headings: [Heading] = []
        var fence: Substring?
        var previousParagraphLine: (text: Substring, number: Int)?
        for (index, rawLine) in lines.enumerated() {
            if index % 4096 == 4095 { progress(Double(index) / Double(lines.count)) }
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let indent = line.prefix { $0 == " " }.count
            let body = line.dropFirst(indent)
            if let open = fence {
                if indent < 4, body.hasPrefix(open), body.drop(while: { $0 == open.first }).allSatisfy(\.isWhitespace) { fence = nil }
                continue
            }
            if indent < 4, let marker = body.first, marker == "`" || marker == "~" {
                let run = body.prefix { $0 == marker }
                if run.count >= 3 && (marker == "~" || !body.dropFirst(run.count).contains("`")) {
                    fence = run
                    previousParagraphLine = nil
                    continue
                }
            }
            if indent < 4, body.hasPrefix("#") {
                let hashes = body.prefix { $0 == "#" }.count
                let rest = body.dropFirst(hashes)
                if hashes <= 6, rest.isEmpty || rest.first == " " || rest.first == "\t" {
                    var title = rest.trimmingSpaces()
                    // A closing sequence of #s preceded by a space is not part of the text.
                    let closing = title.reversed().prefix { $0 == "#" }.count
                    if closing > 0 {
                        let beforeClosing = title.dropLast(closing)
                        if beforeClosing.isEmpty || beforeClosing.last == " " { title = beforeClosing.trimmingSpaces() }
                    }
                    headings.append(Heading(level: hashes, text: String(title), line: index + 1))
                    previousParagraphLine = nil
                    continue
                }
            }
            if indent < 4, let previous = previousParagraphLine, let marker = body.first, marker == "=" || marker == "-" {
                let trimmed = body.trimmingSpaces()
                if trimmed.allSatisfy({ $0 == marker }) {
                    headings.append(Heading(level: marker == "=" ? 1 : 2, text: String(previous.text.trimmingSpaces()), line: previous.number))
                    previousParagraphLine = nil
                    continue
                }
            }
            let isBlank = body.allSatisfy(\.isWhitespace)
            let startsBlock = body.hasPrefix(">") || body.hasPrefix("- ") || body.hasPrefix("* ") || body.hasPrefix("+ ") || body.hasPrefix("|")
            previousParagraphLine = isBlank || indent >= 4 || startsBlock ? nil : (body, index + 1)
        }
        progress(1)
        return DocumentStatistics(
            documentID: documentID, version: version, words: words, characters: characters,
            lines: lines.count, headings: headings, readingMinutes: Double(words) / wordsPerMinute
        )
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var trimmed = self
        while let first = trimmed.first, first == " " || first == "\t" { trimmed = trimmed.dropFirst() }
        while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
        return trimmed
    }
}
