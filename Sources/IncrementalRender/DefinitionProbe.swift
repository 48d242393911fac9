import MarkdownRenderer

/// Whether two texts make the same link reference definitions, asked of the parser
/// itself (see `Docs/INCREMENTAL.md`, "Definitions that stay the same").
///
/// Each text is a list of segments (runs of blocks from one cut to the next). The probe
/// input is one paragraph `[L]` for every label L that may be defined in either text,
/// then the segments, each after the separator that returns the parser to a fresh
/// state. libcmark-gfm resolves links after every block is parsed, so each probe
/// renders as a link to the definition its label gets, or as plain text. The same
/// probes rendering alike in both texts means the same labels are defined, to the same
/// destinations and titles: a definition's label is always one of those probed.
enum DefinitionProbe {
    /// Whether `old` and `new` define the same labels the same way. False also when
    /// that cannot be told (a label spans lines or holds a character a probe could
    /// misread). Costs two parses of the segments, none when no line can define.
    static func sameDefinitions<Failure: Error>(
        old: [[UInt8]], new: [[UInt8]], parse: (UnsafeBufferPointer<UInt8>) throws(Failure) -> BlockParse
    ) throws(Failure) -> Bool {
        var labels: [ArraySlice<UInt8>] = []
        var seen: Set<ArraySlice<UInt8>> = []
        for segment in old + new {
            guard let ranges = segment.withUnsafeBufferPointer(RegionFlags.definitionLabels) else { return false }
            for range in ranges where seen.insert(segment[range]).inserted { labels.append(segment[range]) }
        }
        if labels.isEmpty { return true }
        guard let before = try probes(labels, in: old, parse: parse), let after = try probes(labels, in: new, parse: parse) else { return false }
        return before == after
    }

    /// The HTML of the probe paragraphs, in order, or nil when the parse did not give
    /// one paragraph on each probe's line.
    private static func probes<Failure: Error>(
        _ labels: [ArraySlice<UInt8>], in segments: [[UInt8]], parse: (UnsafeBufferPointer<UInt8>) throws(Failure) -> BlockParse
    ) throws(Failure) -> [String]? {
        var input: [UInt8] = []
        for label in labels {
            input.append(UInt8(ascii: "["))
            input += label
            input += Array("]\n\n".utf8)
        }
        for segment in segments {
            input += DefinitionContext.separator
            input += segment
        }
        let parsed = try input.withUnsafeBufferPointer { buffer in
            Result { () throws(Failure) -> BlockParse in try parse(buffer) }
        }.get()
        guard parsed.blocks.count >= labels.count else { return nil }
        var html: [String] = []
        html.reserveCapacity(labels.count)
        for (index, block) in parsed.blocks.prefix(labels.count).enumerated() {
            guard block.kind == .paragraph, block.lines == (2 * index) ... (2 * index) else { return nil }
            html.append(block.html)
        }
        return html
    }
}
