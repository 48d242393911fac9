import DocumentModel
import EditTraces
import Foundation
import IncrementalRender
import MarkdownRenderer
import TestSupport
import Testing

/// The shared traces and corpus: after every edit, the patched HTML is the full render.
/// CI runs a bounded subset: `PREVIEWENGINE_TRACE_EDITS` transactions per trace (default
/// 200; when the trace is typed after a corpus document, where every check renders the
/// whole document too, about 1 MB of checked renders, 10 to 50 transactions) and
/// `PREVIEWENGINE_CORPUS_EDITS` seeded edits per corpus document (default 20, fewer for
/// documents over 25 KB: about 512 KB of checked renders each, at least 3 edits); `replay run --all-traces --verify-every-edit` is the full run
/// (Docs/INCREMENTAL.md).
@Suite struct SharedDataEquivalenceTests {
    static let traceEdits = ProcessInfo.processInfo.environment["PREVIEWENGINE_TRACE_EDITS"].flatMap(Int.init)
    static let corpusEdits = ProcessInfo.processInfo.environment["PREVIEWENGINE_CORPUS_EDITS"].flatMap(Int.init)

    static func traceFiles() throws -> [URL] { try SharedData.files(in: "traces", suffixes: [".ndjson", ".ndjson.gz"]) }
    static func corpusFiles() throws -> [URL] { try SharedData.files(in: "corpus", suffixes: [".md"]) }

    /// Replays the first transactions of `url`, after `prefix` when given (positions
    /// shifted past it), checking every version.
    private func check(trace url: URL, after prefix: String = "", profile: RenderProfile) throws {
        let limit = Self.traceEdits ?? (prefix.isEmpty ? 200 : max(10, min(50, (1 << 20) / max(1, prefix.utf8.count))))
        let reader = try TraceReader(contentsOf: url)
        let shift = prefix.unicodeScalars.count
        var checker = IncrementalChecker(text: prefix + reader.header.startContent, options: RenderOptions(profile: profile))
        var transactions = 0
        while transactions < limit, let transaction = try reader.nextTransaction() {
            try checker.edit(transaction.edits.map { .replace(offset: $0.position + shift, length: $0.deleteCount, with: $0.insertedText) })
            transactions += 1
            if let mismatch = checker.mismatches.first {
                Issue.record("\(url.lastPathComponent), \(profile), after \(prefix.utf8.count) bytes: version \(mismatch.version) differs from the full render")
                return
            }
        }
        let statistics = checker.incremental.statistics
        print("\(url.lastPathComponent), \(profile) (padded \(prefix.utf8.count) B): \(transactions) transactions, 0 mismatches, fallbacks \(statistics.fallbacks) of \(statistics.updates)")
    }

    @Test(.enabled(if: SharedData.runsTests(needing: "traces")), arguments: try traceFiles(), RenderProfile.allCases)
    func traceUnpadded(url: URL, profile: RenderProfile) throws {
        try check(trace: url, profile: profile)
    }

    /// With the github profile only (the live page's, whose raw HTML groups and heading
    /// ids these documents exercise); `replay run --pad` covers cmark.
    @Test(.enabled(if: SharedData.runsTests(needing: "traces") && SharedData.runsTests(needing: "corpus")), arguments: try traceFiles())
    func tracePaddedIntoCorpusDocuments(url: URL) throws {
        let profile = RenderProfile.github
        guard let corpus = try SharedData.folder("corpus") else { return }
        for name in ["rust-book-ch04-01-what-is-ownership.md", "public-apis-README.md"] {
            let text = try String(contentsOf: corpus.appendingPathComponent(name), encoding: .utf8)
            try check(trace: url, after: text + "\n\n", profile: profile)
        }
    }

    @Test(.enabled(if: SharedData.runsTests(needing: "corpus")), arguments: try corpusFiles(), RenderProfile.allCases)
    func seededEditsOfCorpusDocument(url: URL, profile: RenderProfile) throws {
        var generator = SplitMix64(seed: UInt64(url.lastPathComponent.utf8.reduce(0) { $0 &* 31 &+ Int($1) }.magnitude))
        let text = try String(contentsOf: url, encoding: .utf8)
        let edits = Self.corpusEdits ?? max(3, min(20, (1 << 19) / max(1, text.utf8.count)))
        var checker = IncrementalChecker(text: text, options: RenderOptions(profile: profile))
        let hazards = HazardMarkdown.Hazard.allCases
        for index in 0 ..< edits {
            let edit = HazardMarkdown.edit(of: checker.document.text, for: hazards[index % hazards.count], using: &generator)
            try checker.edit([.replace(offset: edit.offset, length: edit.length, with: edit.text)])
            if let mismatch = checker.mismatches.first {
                Issue.record("\(url.lastPathComponent), \(profile): edit \(index) \(edit) gives version \(mismatch.version), which differs from the full render")
                return
            }
        }
        let statistics = checker.incremental.statistics
        print("\(url.lastPathComponent), \(profile): \(edits) seeded edits, 0 mismatches, fallbacks \(statistics.fallbacks) of \(statistics.updates)")
    }
}
