/// Reads the top-level entries of a front matter body, line by line (see
/// ``FrontMatter``): linear in the body's size.
enum EntryReader {
    typealias Read = (entries: [FrontMatter.Entry]?, problem: String?)

    /// `key: value` lines; indented lines, `- item` lines and comments after a key
    /// belong to its value.
    static func yaml(_ body: String) -> Read {
        var builder = Builder()
        for (offset, line) in lines(of: body).enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if trimmed.isEmpty || (line.first == "#") { builder.continueBlock(line); continue }
            if line.first == " " || line.first == "\t" || line.hasPrefix("- ") || line == "-" {
                guard builder.continueBlock(line) else { return failure("line \(offset + 2): an indented line before any key") }
                continue
            }
            guard let (key, value) = split(line, separator: ":", requireSpace: true) else {
                return failure("line \(offset + 2): expected 'key: value'")
            }
            builder.start(key: unquoted(key), inlineValue: unquoted(withoutComment(value)))
        }
        return (builder.entriesWithLast, nil)
    }

    /// `key = value` lines; `[table]` and `[[array]]` headers start an entry whose value
    /// is the lines up to the next header; multi-line strings and arrays continue.
    static func toml(_ body: String) -> Read {
        var builder = Builder()
        var inTable = false
        var openUntil: Substring?   // the closer of a multi-line string or array still open
        for (offset, line) in lines(of: body).enumerated() {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if let closer = openUntil {
                builder.continueBlock(line)
                if closer == "]" ? trimmed.hasPrefix("]") || trimmed.hasSuffix("]") : line.contains(closer) { openUntil = nil }
                continue
            }
            if trimmed.isEmpty || trimmed.first == "#" { builder.continueBlock(line); continue }
            if trimmed.first == "[" {
                let name = trimmed.trimmingCharacters(in: "[] \t")
                guard !name.isEmpty, trimmed.hasSuffix("]") else { return failure("line \(offset + 2): expected '[table]'") }
                builder.start(key: unquoted(Substring(name)), inlineValue: "")
                inTable = true
                continue
            }
            if inTable { builder.continueBlock(line); continue }
            guard let (key, value) = split(line, separator: "=", requireSpace: false) else {
                return failure("line \(offset + 2): expected 'key = value'")
            }
            for closer in [#"""""#, "'''"] where value.hasPrefix(closer) && !value.dropFirst(3).contains(closer) { openUntil = Substring(closer) }
            if value.hasPrefix("[") && !value.contains("]") { openUntil = "]" }
            builder.start(key: unquoted(key), inlineValue: openUntil == nil ? unquoted(withoutComment(value)) : String(value))
        }
        return (builder.entriesWithLast, nil)
    }

    private static func failure(_ problem: String) -> Read { (nil, problem) }

    private static func lines(of body: String) -> [Substring] {
        var lines = body.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// `line` split at its first `separator` (for YAML, one followed by a space or the
    /// line's end), both sides trimmed; nil when there is none or the key is empty.
    private static func split(_ line: Substring, separator: Character, requireSpace: Bool) -> (Substring, Substring)? {
        var index = line.startIndex
        var quote: Character?
        while index < line.endIndex {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == separator {
                let after = line.index(after: index)
                if !requireSpace || after == line.endIndex || line[after] == " " || line[after] == "\t" {
                    let key = line[..<index].trimmed
                    guard !key.isEmpty else { return nil }
                    return (key, line[after...].trimmed)
                }
            }
            index = line.index(after: index)
        }
        return nil
    }

    private static func withoutComment(_ value: Substring) -> Substring {
        guard value.first != "\"", value.first != "'", let hash = value.firstRange(of: " #") else { return value }
        return value[..<hash.lowerBound].trimmed
    }

    private static func unquoted(_ value: Substring) -> String {
        for quote in ["\"", "'"] where value.count >= 2 && value.hasPrefix(quote) && value.hasSuffix(quote) {
            return String(value.dropFirst().dropLast())
        }
        return String(value)
    }

    /// Entries as they are read: the last one's block lines are gathered until the next.
    private struct Builder {
        private var entries: [FrontMatter.Entry] = []
        private var key: String?
        private var inlineValue = ""
        private var block: [Substring] = []

        mutating func start(key newKey: String, inlineValue value: String) {
            finish()
            key = newKey
            inlineValue = value
        }

        /// Adds a line to the current entry's value; false when there is no entry yet
        /// (a blank or comment line before any key is dropped).
        @discardableResult
        mutating func continueBlock(_ line: Substring) -> Bool {
            guard key != nil else { return line.trimmed.isEmpty || line.trimmed.first == "#" }
            block.append(line)
            return true
        }

        var entriesWithLast: [FrontMatter.Entry] {
            var copy = self
            copy.finish()
            return copy.entries
        }

        private mutating func finish() {
            guard let key else { return }
            while let last = block.last, last.trimmed.isEmpty { block.removeLast() }
            if block.isEmpty {
                entries.append(FrontMatter.Entry(key: key, value: inlineValue, isBlock: false))
            } else {
                let indent = block.filter { !$0.trimmed.isEmpty }.map { $0.prefix { $0 == " " || $0 == "\t" }.count }.min() ?? 0
                let lines = (inlineValue.isEmpty ? [] : [Substring(inlineValue)]) + block.map { $0.count >= indent ? $0.dropFirst(indent) : $0 }
                entries.append(FrontMatter.Entry(key: key, value: lines.joined(separator: "\n"), isBlock: true))
            }
            self.key = nil
            inlineValue = ""
            block = []
        }
    }
}

private extension Substring {
    var trimmed: Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }

    func trimmingCharacters(in set: String) -> Substring {
        var text = self
        while let first = text.first, set.contains(first) { text = text.dropFirst() }
        while let last = text.last, set.contains(last) { text = text.dropLast() }
        return text
    }
}
