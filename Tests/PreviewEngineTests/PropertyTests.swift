import EditTraces
import DocumentModel
import Foundation
@testable import PreviewEngine
import TestSupport
import Testing

/// Random edit sequences (seeded) over the corpus documents: after each settled point the
/// delivered HTML is exactly `MarkdownRenderer` on the document's text.
@Suite("engine: property test over the corpus")
struct PropertyTests {
    static let documents: [String] = (try? SharedData.files(in: "corpus", suffixes: [".md"]).map(\.lastPathComponent)) ?? []

    @Test("the corpus is present (required under CI)", .enabled(if: SharedData.runsTests(needing: "corpus"), "needs ../shared/corpus"))
    func corpusPresent() throws {
        let files = try SharedData.files(in: "corpus", suffixes: [".md"])
        if SharedData.isCI { #expect(!files.isEmpty) }
    }

    @Test("settled HTML equals a full render of the text", .enabled(if: SharedData.runsTests(needing: "corpus"), "needs ../shared/corpus"), arguments: documents)
    func settledRenderMatches(name: String) throws {
        guard let corpus = try SharedData.folder("corpus") else { return }
        let text = String(decoding: try Data(contentsOf: corpus.appendingPathComponent(name)), as: UTF8.self)
        var random = SplitMix64(seed: name.utf8.reduce(0) { ($0 &* 31) &+ UInt64($1) })
        let harness = EngineHarness(renderCost: .milliseconds(Int64(1 + text.utf8.count / 20_000)), workers: 2)
        try harness.engine.open(name, text: text)
        let snippets = ["x", " ", "\n", "\n\n", "**b**", "`c`", "| a | b |\n|---|---|\n", "- [ ] t\n", "https://e.com ", "é", "🎉", "[^1]\n\n[^1]: n\n", "> q\n", "```\n"]
        // Three settled rounds of 20 edits; above 128 KB fewer edits per round (every edit
        // costs the engine in proportion to the document's size) and above 700 KB fewer
        // rounds (each compares a whole reference render).
        let size = max(1, text.utf8.count)
        let rounds = max(1, min(3, (2 << 20) / size))
        let editsPerRound = max(5, min(20, 20 * (128 << 10) / size))
        for round in 0..<rounds {
            for _ in 0..<editsPerRound {
                let count = try harness.engine.snapshot(of: name).text.unicodeScalars.count
                let offset = Int(random.next() % UInt64(count + 1))
                switch random.next() % 10 {
                case 0..<6:
                    try harness.engine.edit(name, .insert(snippets[Int(random.next() % UInt64(snippets.count))], at: offset))
                case 6..<9:
                    let length = min(count - offset, Int(random.next() % 40))
                    try harness.engine.edit(name, .delete(offset: offset, length: length))
                default:
                    let second = Int(random.next() % UInt64(count + 1))
                    try harness.engine.edit(name, transaction: [.insert("A", at: offset), .insert("B", at: second)])
                }
                harness.advance(by: .milliseconds(Int64(random.next() % 400)))
            }
            harness.settle()
            let snapshot = try harness.engine.snapshot(of: name)
            let last = try #require(harness.log.renders(of: name).last)
            #expect(last.version == snapshot.version, "round \(round)")
            #expect(last.html == referenceRenderer.render(snapshot.text), "round \(round): delivered HTML differs")
        }
    }
}

@Suite("engine: statistics")
struct StatisticsTests {
    @Test("an IDLE task counts words, characters, lines and the heading outline after a render")
    func statisticsAfterRender() throws {
        let harness = EngineHarness(statistics: true)
        try harness.engine.open("a", text: "# One\n\nSome words here.\n")
        harness.settle()
        let first = try #require(harness.log.statistics.last)
        #expect(first.version == 0)
        #expect(first.words == 4)
        #expect(first.headings.map(\.text) == ["One"])
        try harness.engine.edit("a", .insert("Two\n===\n\n", at: 0))
        harness.settle()
        let second = try #require(harness.log.statistics.last)
        #expect(second.version == 1)
        #expect(second.headings.map(\.text) == ["Two", "One"])
        #expect(second.headings.map(\.level) == [1, 1])
        #expect(second.headings.map(\.line) == [1, 4])
    }

    @Test("counting rules: code fences hide headings; closing hashes; setext; words with apostrophes")
    func countingRules() {
        let text = """
        # Title ##
        ## Sub # not closing#

        ```
        # not a heading
        ```

        Setext two
        ----------
            # indented code
        don't count snake_case twice — 3 items, ünïcödé 🎉
        ####### seven is text
        """
        let statistics = DocumentStatistics.compute(documentID: "d", version: 3, text: text)
        #expect(statistics.headings.map(\.text) == ["Title", "Sub # not closing#", "Setext two"])
        #expect(statistics.headings.map(\.level) == [1, 2, 2])
        #expect(statistics.headings.map(\.line) == [1, 2, 8])
        #expect(statistics.lines == 12)
        #expect(statistics.characters == text.count)
        let empty = DocumentStatistics.compute(documentID: "d", version: 0, text: "")
        #expect(empty.words == 0 && empty.lines == 1 && empty.headings.isEmpty && empty.readingMinutes == 0)
        let words = DocumentStatistics.compute(documentID: "d", version: 0, text: "don't count snake_case — 3 items, ünïcödé 🎉")
        #expect(words.words == 6)
        #expect(abs(words.readingMinutes - 6 / DocumentStatistics.wordsPerMinute) < 1e-9)
    }
}
