/// What a stretch of Markdown may hold that reaches beyond its own blocks: links that
/// may use a reference defined elsewhere, and definitions that other blocks may use.
/// The scan over-approximates: a flag that is set may be a false alarm, a flag that is
/// clear never is.
struct RegionFlags: OptionSet, Sendable, Hashable {
    let rawValue: UInt8

    /// A `[`: a link, image or footnote reference may need a definition from elsewhere.
    static let bracket = RegionFlags(rawValue: 1)
    /// A line that may start a link reference definition or a footnote definition.
    static let definition = RegionFlags(rawValue: 2)
    /// A `[^`: a footnote reference or definition.
    static let caret = RegionFlags(rawValue: 4)
    /// A line that may start a footnote definition.
    static let footnoteDefinition = RegionFlags(rawValue: 8)
    /// A label at a line start that does not close before the end of the bytes scanned:
    /// more text may make it a definition.
    static let unclosedLabel = RegionFlags(rawValue: 16)

    static let all: [RegionFlags] = [.bracket, .definition, .caret, .footnoteDefinition, .unclosedLabel]

    /// The flags with an unclosed label counted as a definition (for a region whose end
    /// is a cut, where a paragraph, and so a label, cannot go on).
    var closed: RegionFlags {
        guard contains(.unclosedLabel) else { return self }
        var flags = self
        flags.remove(.unclosedLabel)
        flags.insert(.definition)
        if contains(.caret) { flags.insert(.footnoteDefinition) }
        return flags
    }

    /// The flags of `bytes`. O(n); lines with no `[` cost one `memchr`-like pass.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> RegionFlags {
        var flags: RegionFlags = []
        var index = 0
        while let open = bytes[index...].firstIndex(of: UInt8(ascii: "[")) {
            flags.insert(.bracket)
            let isCaret = open + 1 < bytes.count && bytes[open + 1] == UInt8(ascii: "^")
            if isCaret { flags.insert(.caret) }
            if startsLine(at: open, in: bytes) {
                switch label(at: open, in: bytes) {
                case .definition(closingAt: _):
                    flags.insert(.definition)
                    if isCaret { flags.insert(.footnoteDefinition) }
                case .unclosed:
                    flags.insert(.unclosedLabel)
                case .notDefinition:
                    break
                }
            }
            index = open + 1
        }
        return flags
    }

    /// Whether only indentation and container markers (`>`, list markers) come before
    /// `position` on its line: where a paragraph, and so a definition, can start.
    private static func startsLine(at position: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = position
        while index > 0 {
            let byte = bytes[index - 1]
            if byte == 0x0A || byte == 0x0D { return true }
            guard byte == 0x20 || byte == 0x09 || byte == UInt8(ascii: ">") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "*") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: ")") || (0x30 ... 0x39).contains(byte)
            else { return false }
            index -= 1
        }
        return true
    }

    /// The labels of the lines that may start a link reference definition in `bytes` (a
    /// text that ends where no paragraph can go on), in order: each one from after its
    /// `[` to before its `]`. Nil when one of them spans lines or holds `<`, `` ` `` or
    /// `\`, which a probe (see `DefinitionProbe`) could not be trusted to resolve.
    static func definitionLabels(_ bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>]? {
        var labels: [Range<Int>] = []
        var index = 0
        while let open = bytes[index...].firstIndex(of: UInt8(ascii: "[")) {
            index = open + 1
            guard startsLine(at: open, in: bytes), case .definition(let close) = label(at: open, in: bytes) else { continue }
            let label = (open + 1) ..< close
            guard !bytes[label].contains(where: { $0 == 0x0A || $0 == 0x0D || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "`") || $0 == UInt8(ascii: "\\") })
            else { return nil }
            labels.append(label)
        }
        return labels
    }

    private enum Label { case definition(closingAt: Int), notDefinition, unclosed }

    /// Whether the label opened at `open` can be a definition's: its first unescaped `]`
    /// is followed by `:`. A label has no unescaped `[` and, being in a paragraph, no
    /// blank line; one that runs to the end of `bytes` may close after it.
    private static func label(at open: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Label {
        var index = open + 1
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\\"): index += 2
            case UInt8(ascii: "]"):
                return index + 1 >= bytes.count ? .unclosed : bytes[index + 1] == UInt8(ascii: ":") ? .definition(closingAt: index) : .notDefinition
            case UInt8(ascii: "["): return .notDefinition
            case 0x0A, 0x0D:
                index += 1
                if bytes[index - 1] == 0x0D, index < bytes.count, bytes[index] == 0x0A { index += 1 }
                // A blank line ends the paragraph, and the label with it.
                var end = index
                while end < bytes.count, bytes[end] == 0x20 || bytes[end] == 0x09 { end += 1 }
                if end < bytes.count, bytes[end] == 0x0A || bytes[end] == 0x0D { return .notDefinition }
            default: index += 1
            }
        }
        return .unclosed
    }
}

/// How many blocks of a document have each flag.
struct FlagCounts: Sendable, Hashable {
    private var counts = [Int](repeating: 0, count: RegionFlags.all.count)

    mutating func add(_ flags: RegionFlags, _ sign: Int = 1) {
        for (index, flag) in RegionFlags.all.enumerated() where flags.contains(flag) { counts[index] += sign }
    }

    /// The flags at least one counted block has.
    var present: RegionFlags {
        var flags: RegionFlags = []
        for (index, flag) in RegionFlags.all.enumerated() where counts[index] > 0 { flags.insert(flag) }
        return flags
    }

    static func - (lhs: FlagCounts, rhs: FlagCounts) -> FlagCounts {
        var result = lhs
        for index in result.counts.indices { result.counts[index] -= rhs.counts[index] }
        return result
    }
}
