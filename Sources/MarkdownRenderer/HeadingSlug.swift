/// GitHub's heading slugs: the base slug of a heading's text, and the ids a document's
/// headings get once duplicates are numbered.
public enum HeadingSlug {
    /// The base slug of `text` (a heading's text content): lowercased; every character
    /// that is not a letter, a mark, a number, `-` or `_` removed; each space replaced
    /// by `-`. `"Task lists"` → `task-lists`, `"C++ & you?"` → `c--you`,
    /// `"日本語の見出し"` → `日本語の見出し`, `"🎉 Party"` → `-party`. O(length).
    public static func base(of text: String) -> String {
        var slug = String.UnicodeScalarView()
        for scalar in text.lowercased().unicodeScalars {
            if scalar == " " {
                slug.append("-")
            } else if scalar == "-" || scalar == "_" || isKept(scalar) {
                slug.append(scalar)
            }
        }
        return String(slug)
    }

    private static func isKept(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber, .connectorPunctuation:
            return true
        default:
            return false
        }
    }
}

/// Numbers duplicate slugs in document order as GitHub does (github-slugger): the
/// first `intro` is `intro`, the next `intro-1`, then `intro-2`; a number already
/// taken by a heading of that name is skipped. Amortized O(1) per heading.
public struct HeadingIDAssigner: Sendable {
    private var occurrences: [String: Int] = [:]

    /// An assigner that has seen no heading.
    public init() {}

    /// The id of the next heading, whose base slug is `slug`.
    public mutating func id(for slug: String) -> String {
        var id = slug
        if occurrences[slug] != nil {
            repeat {
                occurrences[slug, default: 0] += 1
                id = slug + "-" + String(occurrences[slug]!)
            } while occurrences[id] != nil
        }
        occurrences[id] = 0
        return id
    }
}
