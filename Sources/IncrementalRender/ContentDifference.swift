extension RenderedContent {
    /// A patch that brings `client` (the blocks of any earlier version of this document)
    /// to this version: one splice over what lies between the longest run of unchanged
    /// blocks at the start (same key, lines and HTML) and at the end (same key and HTML,
    /// lines all shifted by the same amount). A client with nothing gets a snapshot.
    ///
    /// This is how a subscriber that missed versions (its queue coalesced renders) still
    /// gets a small patch. O(b) comparisons of keys; HTML strings are compared only for
    /// blocks whose keys match, and equal strings usually share storage.
    public func patch(from client: RenderedDocument) -> BlockPatch {
        guard let base = client.version else { return snapshot() }
        let old = client.blocks
        var prefix = 0
        while prefix < old.count, prefix < records.count,
              old[prefix].key == records[prefix].key, old[prefix].lines == records[prefix].lines, old[prefix].html == htmls[prefix] {
            prefix += 1
        }
        var delta = 0
        if let lastOld = old.last, let lastNew = records.last { delta = lastNew.lines.lowerBound - lastOld.lines.lowerBound }
        var suffix = 0
        while suffix < old.count - prefix, suffix < records.count - prefix {
            let before = old[old.count - 1 - suffix], after = records.count - 1 - suffix
            guard before.key == records[after].key, records[after].lines.lowerBound - before.lines.lowerBound == delta,
                  records[after].lines.upperBound - before.lines.upperBound == delta, before.html == htmls[after]
            else { break }
            suffix += 1
        }
        return BlockPatch(
            baseVersion: base, version: version, start: prefix,
            removed: old[prefix ..< (old.count - suffix)].map(\.key),
            inserted: (prefix ..< (records.count - suffix)).map { RenderedBlock(key: records[$0].key, lines: records[$0].lines, html: htmls[$0]) },
            lineDelta: suffix == 0 ? 0 : delta,
            footnotes: footnotes == client.footnotes ? nil : footnotes
        )
    }
}
