import MarkdownRenderer

/// Heading ids under incremental updates (the `github` profile). A heading's id
/// depends on the headings before it (duplicates are numbered in document order), so
/// after a window is spliced in:
///
/// - when the window's headings have the same base slugs, in the same order, as the
///   blocks it replaced, every id in the document is unchanged and the window's new
///   blocks take the old ids in order: O(window);
/// - otherwise every id is assigned again, O(blocks) to find the headings and O(1) per
///   heading, and each block outside the patch's run whose ids changed is sent as a
///   ``BlockUpdate``.
///
/// Each block with headings keeps its parse output (``HeadingTemplate``), its base
/// slugs and its ids under its key; `htmls` holds the final HTML.
extension IncrementalDocument {
    /// The HTML a parse gave block `index` (its template when it has headings): what a
    /// re-parse of the same text gives again.
    func parsedHTML(at index: Int) -> String {
        records[index].hasHeadings ? headings.templates[records[index].key] ?? htmls[index] : htmls[index]
    }

    /// Finalizes the headings of the blocks `window` (just spliced in, their `htmls`
    /// the parse's output), which replaced the blocks `oldKeys`; `changed` are the
    /// indices the patch inserts. Returns the blocks outside `changed` whose HTML
    /// changed.
    mutating func finalizeHeadings(window: Range<Int>, replacing oldKeys: [BlockKey], changed: Range<Int>) -> [BlockUpdate] {
        var oldSlugs: [String] = []
        var oldIDs: [String] = []
        var previousIDs: [BlockKey: [String]] = [:]
        for key in oldKeys {
            oldSlugs += headings.slugs.removeValue(forKey: key) ?? []
            if let ids = headings.ids.removeValue(forKey: key) {
                oldIDs += ids
                previousIDs[key] = ids
            }
            headings.templates[key] = nil
        }
        var newSlugs: [String] = []
        for index in window {
            let html = htmls[index]
            records[index].hasHeadings = HeadingTemplate.hasHeadings(html)
            guard records[index].hasHeadings else { continue }
            let key = records[index].key
            let slugs = HeadingTemplate.slugs(in: html)
            headings.templates[key] = html
            headings.slugs[key] = slugs
            newSlugs += slugs
        }

        if newSlugs == oldSlugs {
            var next = 0
            for index in window where records[index].hasHeadings {
                let key = records[index].key
                let count = headings.slugs[key]?.count ?? 0
                let ids = Array(oldIDs[next ..< next + count])
                next += count
                headings.ids[key] = ids
                htmls[index] = HeadingTemplate.finalize(htmls[index], ids: ids)
            }
            return []
        }

        var updates: [BlockUpdate] = []
        var assigner = HeadingIDAssigner()
        for index in records.indices where records[index].hasHeadings {
            let key = records[index].key
            let ids = (headings.slugs[key] ?? []).map { assigner.id(for: $0) }
            let inWindow = window.contains(index)
            let before = inWindow ? previousIDs[key] : headings.ids[key]
            guard inWindow || ids != before else { continue }
            htmls[index] = HeadingTemplate.finalize(headings.templates[key] ?? htmls[index], ids: ids)
            headings.ids[key] = ids
            if !changed.contains(index) && ids != before {
                updates.append(BlockUpdate(index: index, key: key, html: htmls[index]))
            }
        }
        return updates
    }
}

/// What the `github` profile keeps per block with headings.
struct HeadingState: Sendable {
    /// The parse's HTML, with heading markers.
    var templates: [BlockKey: String] = [:]
    /// The base slugs, in order.
    var slugs: [BlockKey: [String]] = [:]
    /// The ids, in order.
    var ids: [BlockKey: [String]] = [:]

    /// Bytes kept.
    var byteCount: Int { templates.values.reduce(0) { $0 + $1.utf8.count } }
}
