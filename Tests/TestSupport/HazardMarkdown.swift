public import EditTraces

/// Our own fixtures for the hazards of re-parsing part of a Markdown document: for each
/// class, a seeded document built around it and the snippets that seeded edits insert,
/// so that the edits keep creating and breaking that construct.
public enum HazardMarkdown {
    /// A class of constructs whose parse reaches beyond one block.
    public enum Hazard: String, CaseIterable, Sendable {
        case linkReferences, footnotes, listLooseness, lazyContinuation, fencedCode, unclosedBlocks
        case setextHeadings, tables, indentedCode, htmlBlocks, lineEndings, oneHugeBlock
        /// The github profile's: duplicate headings, front matter, alerts, math.
        case headingIDs, frontMatter, alertsAndMath
        /// The github profile's raw HTML: elements opened in one block, closed blocks later.
        case rawHTMLGroups
    }

    /// Text every class's documents mix in.
    static let common = [
        "# Heading\n", "Some *emphasis* and `code` here.\n", "\n", "\n", "Plain paragraph line\n",
        "- item\n", "> quoted\n", "---\n", "1. first\n", "A [link](http://x.org) in text.\n",
    ]

    /// The blocks a document of `hazard` is made of, and the snippets its edits insert.
    static func material(for hazard: Hazard) -> (blocks: [String], snippets: [String]) {
        switch hazard {
        case .linkReferences:
            return (["[foo]: /url\n", "See [foo] and [bar][].\n", "[bar]: /other \"title\"\n", "[Foo]\n", "[baz]:\n  /multi\n  'line title'\n"],
                    ["[foo]: /changed\n", "[", "]", "]: /x\n", "[bar]", "[baz]", ":", "\n\n", "[foo]\n", "\\["])
        case .footnotes:
            return (["Text[^1] more[^2].\n", "[^1]: First note.\n", "[^2]: Second\n\n    continued note.\n", "Again[^1].\n", "[^3]: unused\n"],
                    ["[^1]", "[^2]", "[^3]", "[^1]: ", "[^new]: note\n", "^", "]", "\n\n", "    "])
        case .listLooseness:
            return (["- a\n- b\n", "- c\n\n- d\n", "  continued\n", "* star\n", "+ plus\n", "1. one\n2. two\n", "- \n"],
                    ["\n", "\n\n", "- ", "  ", "* ", "1. ", "2) ", "x"])
        case .lazyContinuation:
            return (["> quote\nlazy line\n", "- item\nlazy\n", "para\ncontinues\n", "> > nested\n"],
                    ["\n", "> ", "lazy ", "\n\n", "- ", "    "])
        case .fencedCode:
            return (["```\ncode\n\nmore\n```\n", "~~~ lang\nx\n~~~\n", "````\n```\n````\n", "  ```\n  indented\n  ```\n"],
                    ["```", "~~~", "\n", "\n\n", "````", "`", " "])
        case .unclosedBlocks:
            return (["<pre>\nkeep\n\n</pre>\n", "<!-- comment\n\n-->\n", "```\nbody\n```\n", "<script>\nx\n</script>\n", "<?php\n\n?>\n"],
                    ["<pre>", "</pre>", "<!--", "-->", "```", "<script>", "\n\n", "?>"])
        case .setextHeadings:
            return (["Title\n=====\n", "Sub\n---\n", "para\n", "===\n", "text\n"],
                    ["===\n", "---\n", "=", "-", "\n", "\n\n"])
        case .tables:
            return (["| a | b |\n|---|:-:|\n| 1 | 2 |\n", "a | b\n-- | --\nc | d\n", "| x |\n", "just text\n"],
                    ["|---|---|\n", "| ", " |", "-", "\n", "\n\n", ":"])
        case .indentedCode:
            return (["    code\n\n\n    more code\n", "para\n    not code\n", "\tTabbed\n", "- item\n\n      code in item\n"],
                    ["    ", "\t", "\n", "\n\n", "x"])
        case .htmlBlocks:
            return (["<div>\ncontent\n</div>\n", "<table><tr><td>\n\n**md**\n\n</td></tr></table>\n", "<span>inline</span> text\n", "<details>\n<summary>s</summary>\n\nbody\n</details>\n"],
                    ["<div>", "</div>", "\n\n", "<p>", "<!-- x -->", "\n"])
        case .lineEndings:
            return (["crlf line\r\n", "cr line\r", "\r\n", "nul \u{0} byte\n", "# h\r\n===\r\n", "- a\r\n\r\n- b\r\n", "bad \u{FFFD} byte\n"],
                    ["\r\n", "\r", "\n", "\u{0}", "\r\n\r\n", "\u{FFFD}", "é"])
        case .headingIDs:
            return (["# Intro\n", "## Intro\n", "Intro\n---\n", "### Intro-1\n", "- item\n  # Intro\n", "> ## Quoted intro\n", "# C++ & *you*\n", "# 見出し 🎉\n"],
                    ["# Intro\n", "# ", "Intro", "-1", "\n", "\n\n", "=\n", "#"])
        case .frontMatter:
            return (["title: Post\n", "---\n", "+++\n", "tags: [a, b]\n", "# Heading\n", "date = 2024\n", "  nested: x\n"],
                    ["---\n", "+++\n", "...\n", "title: ", ":", " = ", "\n", "- "])
        case .alertsAndMath:
            return (["> [!NOTE]\n> Useful.\n", "> [!WARNING]\n> Careful\n", "Cost $a_b_c$ and $x^2$.\n", "$$\n\\sum_i x\n$$\n", "```math\n\\frac12\n```\n", "Price \\$5 and $5.\n"],
                    ["$", "$$", "\\$", "> [!TIP]\n", "[!", "]", "\n", "\n\n", "`"])
        case .rawHTMLGroups:
            return (["<details>\n<summary>More</summary>\n", "</details>\n", "<div align=\"center\">\n", "</div>\n", "## Inside\n",
                     "Press <kbd>K</kbd> <img src=x onerror=alert(1)>\n", "<a name=\"top\"></a>\n", "<details open>\n\n*md*\n\n</details>\n", "<!-- note -->\n"],
                    ["<details>\n", "</details>\n", "<div>", "</div>", "\n\n", "<summary>", "<kbd>", "</", "<", ">", "\n"])
        case .oneHugeBlock:
            return (["- item\n  more\n", "  - nested\n", "- x\n\n  y\n"],
                    ["\n", "- ", "  ", "x", "\n\n", "# "])
        }
    }

    /// A document of about `size` bytes for `hazard`.
    public static func document(for hazard: Hazard, size: Int, using generator: inout SplitMix64) -> String {
        let (blocks, _) = material(for: hazard)
        var text = hazard == .frontMatter && generator.unit() < 0.8 ? ["---\ntitle: Post\n---\n", "+++\ntitle = \"P\"\n+++\n", "---\nbad line\n---\n"][Int(generator.next() % 3)] : ""
        while text.utf8.count < size {
            let pool = hazard == .oneHugeBlock || generator.unit() < 0.6 ? blocks : common
            text += pool[Int(generator.next() % UInt64(pool.count))]
            if generator.unit() < 0.4 { text += "\n" }
        }
        return text
    }

    /// A seeded edit of `text` (offsets in Unicode scalars): mostly the class's snippets
    /// inserted at line starts and ends, also deletions of a few scalars or a line, and
    /// ordinary typing. Returns (offset, deleted length, inserted text).
    public static func edit(of text: String, for hazard: Hazard, using generator: inout SplitMix64) -> (offset: Int, length: Int, text: String) {
        let scalars = Array(text.unicodeScalars)
        let count = scalars.count
        func position() -> Int {
            let random = count == 0 ? 0 : Int(generator.next() % UInt64(count + 1))
            guard generator.unit() < 0.6 else { return random }
            // Snap to a line start or end.
            var index = random
            let forward = generator.unit() < 0.5
            while index > 0, index < count, scalars[forward ? index : index - 1] != "\n" { index += forward ? 1 : -1 }
            return index
        }
        let (_, snippets) = material(for: hazard)
        let roll = generator.unit()
        let offset = position()
        if roll < 0.55 {
            return (offset, 0, snippets[Int(generator.next() % UInt64(snippets.count))])
        } else if roll < 0.8 {
            let length = min(count - offset, Int(generator.next() % 4) + 1)
            return (offset, max(0, length), "")
        } else if roll < 0.9 {
            var end = offset
            while end < count, scalars[end] != "\n" { end += 1 }
            return (offset, min(count, end + 1) - offset, "")
        } else {
            return (offset, 0, String(Character(Unicode.Scalar(UInt8(97 + generator.next() % 26)))))
        }
    }
}
