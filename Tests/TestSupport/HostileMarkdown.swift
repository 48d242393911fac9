public import EditTraces

/// Markdown that Debian's libcmark-gfm 0.29.0.gfm.6 parses in polynomial time or memory,
/// and seeded mixtures of it with ordinary text: our own inputs for the render-limit
/// tests and the fuzz run.
public enum HostileMarkdown {
    /// `![[]()` repeated: quadratic inline parsing (0.48 s at 100 KB, 75 s at 1 MB).
    public static func quadraticInlines(repetitions: Int) -> String {
        String(repeating: "![[]()", count: repetitions)
    }

    /// A table with `columns` header cells and as many one-cell rows: the extension pads
    /// every row to the header, so time and memory grow with the square of the input
    /// (10 KB: 3 s and 727 MB; 20 KB: 2.8 GB).
    public static func tableBomb(columns: Int) -> String {
        "|" + String(repeating: "a|", count: columns) + "\n|" + String(repeating: "-|", count: columns) + "\n"
            + String(repeating: "|x|\n", count: columns)
    }

    /// A document of about `size` bytes built by `generator` from ordinary blocks (headings,
    /// paragraphs with emphasis, links and code, lists, fences, tables, quotes, HTML,
    /// footnotes, invalid bytes spelled as U+FFFD) and, with probability `hostileShare`
    /// per block, a hostile run: nested brackets and emphasis, `![[]()` runs, wide
    /// tables, deep block quotes and lists, long backtick runs; one hostile run in eight
    /// is twenty times longer.
    public static func mixture(size: Int, hostileShare: Double, using generator: inout SplitMix64) -> String {
        var text = ""
        while text.utf8.count < size {
            if generator.unit() < hostileShare {
                text += hostileBlock(using: &generator)
            } else {
                text += ordinaryBlock(using: &generator)
            }
            text += "\n"
        }
        return text
    }

    private static func pick<T>(_ items: [T], using generator: inout SplitMix64) -> T {
        items[Int(generator.next() % UInt64(items.count))]
    }

    private static func count(_ range: ClosedRange<Int>, using generator: inout SplitMix64) -> Int {
        range.lowerBound + Int(generator.next() % UInt64(range.count))
    }

    private static func ordinaryBlock(using generator: inout SplitMix64) -> String {
        let words = ["preview", "*fast*", "**bold**", "`code`", "[link](https://example.com)", "www.example.org",
                     "~~gone~~", "é", "日本", "😀", "\u{FFFD}", "<span>", "&amp;", "[^1]", "\\*", "_x_"]
        let sentence = (0..<count(3...20, using: &generator)).map { _ in pick(words, using: &generator) }.joined(separator: " ")
        switch generator.next() % 9 {
        case 0: return String(repeating: "#", count: count(1...6, using: &generator)) + " " + sentence + "\n"
        case 1: return "- " + sentence + "\n  - [ ] " + sentence + "\n"
        case 2: return "```swift\nlet x = 1\n\n" + sentence + "\n```\n"
        case 3: return "| a | b |\n|---|:-:|\n| " + sentence + " | 2 |\n"
        case 4: return "> " + sentence + "\n"
        case 5: return "<div>\n" + sentence + "\n</div>\n"
        case 6: return "[^1]: " + sentence + "\n"
        case 7: return sentence + "\n===\n"
        default: return sentence + "\n"
        }
    }

    /// A hostile run; one in eight is large enough to take seconds or gigabytes.
    private static func hostileBlock(using generator: inout SplitMix64) -> String {
        let large = generator.next() % 8 == 0
        let n = count(50...2_000, using: &generator) * (large ? 20 : 1)
        switch generator.next() % 7 {
        case 0: return quadraticInlines(repetitions: n)
        case 1: return String(repeating: "[", count: n) + "a" + String(repeating: "]", count: n) + "\n"
        case 2: return String(repeating: "*a ", count: n) + String(repeating: "_", count: n) + "\n"
        case 3: return tableBomb(columns: min(n, large ? 4_000 : 400))
        case 4: return String(repeating: "> ", count: min(n, 500)) + "deep\n"
        case 5: return String(repeating: "`", count: n) + " x " + String(repeating: "`", count: n - 1) + "\n"
        default: return (0..<min(n, 300)).map { String(repeating: "  ", count: $0) + "- item\n" }.joined()
        }
    }
}
