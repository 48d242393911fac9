/// The unit in which an offset, a length or a line's character position counts text.
public enum TextUnit: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Unicode scalar values (code points). The default for offsets, and the unit of
    /// the edit traces.
    case unicodeScalars
    /// UTF-16 code units: the default unit of the Language Server Protocol. An astral
    /// scalar (outside the BMP) counts 2; an offset between its two surrogates is invalid.
    case utf16
    /// UTF-8 code units (bytes). An offset inside a multi-byte sequence is invalid.
    case utf8

    /// `"unicode scalars"`, `"UTF-16 code units"` or `"UTF-8 bytes"`.
    public var description: String {
        switch self {
        case .unicodeScalars: "unicode scalars"
        case .utf16: "UTF-16 code units"
        case .utf8: "UTF-8 bytes"
        }
    }
}

/// An LSP-style position: a 0-based line and a 0-based character offset within that
/// line, counted in a `TextUnit` chosen by the edit that uses it.
///
/// Lines end at `"\n"`, `"\r\n"` or a lone `"\r"` (the terminators of LSP). The
/// character offset may be at most the length of the line without its terminator, so a
/// position never points inside or after a line break.
public struct LinePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The 0-based line number.
    public var line: Int
    /// The 0-based offset within the line, in the unit of the edit.
    public var character: Int

    /// A position at `character` within `line` (both 0-based).
    public init(line: Int, character: Int) {
        self.line = line
        self.character = character
    }

    /// Orders by line, then by character.
    public static func < (lhs: LinePosition, rhs: LinePosition) -> Bool {
        (lhs.line, lhs.character) < (rhs.line, rhs.character)
    }

    /// `"line:character"`, both 0-based.
    public var description: String { "\(line):\(character)" }
}
