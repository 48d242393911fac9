import DocumentModel
import EditTraces
import Foundation
import TestSupport
import Testing

/// Applies a trace held in memory to a new document, one `apply` per transaction.
func replay(_ trace: EditTrace) throws -> TextDocument {
    var document = TextDocument(trace.header.startContent)
    var index = 0
    while index < trace.edits.count {
        var end = index + 1
        while end < trace.edits.count, trace.edits[end].continuesTransaction { end += 1 }
        if end - index == 1 {
            try document.apply(patch(trace.edits[index]))
        } else {
            try document.apply(transaction: trace.edits[index..<end].map(patch))
        }
        index = end
    }
    return document
}

@Suite("Synthetic traces")
struct SyntheticTraceTests {
    /// The configuration of `Fixtures/traces/synthetic-small.ndjson`.
    static let fixtureConfiguration = SyntheticTraceGenerator.Configuration(
        seed: 42, edits: 3000, startContentBytes: 4096, name: "synthetic-small")

    static var fixtureURL: URL {
        SharedData.fixtures.appendingPathComponent("traces/synthetic-small.ndjson")
    }

    @Test("The fixture is reproduced byte for byte from its seed")
    func fixtureIsReproducible() throws {
        let generated = Data(SyntheticTraceGenerator.generate(Self.fixtureConfiguration).ndjson.utf8)
        if ProcessInfo.processInfo.environment["PREVIEWENGINE_REGENERATE_FIXTURES"] == "1" {
            try generated.write(to: Self.fixtureURL)
        }
        let stored = try Data(contentsOf: Self.fixtureURL)
        #expect(stored == generated, "regenerate with PREVIEWENGINE_REGENERATE_FIXTURES=1 if the algorithm changed on purpose")
        #expect(stored.count < 300_000)
    }

    @Test("The fixture replays through TraceReader and TextDocument to its endContentSha256")
    func fixtureReplays() throws {
        let (document, header, transactions, _, _) = try replay(Self.fixtureURL)
        #expect(header.name == "synthetic-small")
        #expect(header.edits == 3000)
        #expect(transactions == header.txns)
        #expect(ContentDigest.sha256Hex(ofUTF8: document.text) == header.endContentSha256)
    }

    @Test("Different seeds give different traces; equal seeds equal ones")
    func seeds() {
        let a = SyntheticTraceGenerator.generate(.init(seed: 1, edits: 500))
        let b = SyntheticTraceGenerator.generate(.init(seed: 1, edits: 500))
        let c = SyntheticTraceGenerator.generate(.init(seed: 2, edits: 500))
        #expect(a == b)
        #expect(a.edits != c.edits)
        #expect(a.header.name == "synthetic-1-500-0")
        #expect(a.header.startContent.isEmpty)
    }

    @Test("Generated traces have the statistics of real typing")
    func statistics() throws {
        let trace = SyntheticTraceGenerator.generate(.init(seed: 7, edits: 20_000, startContentBytes: 2_000))
        let edits = trace.edits
        #expect(edits.count == 20_000)
        #expect(trace.header.edits == 20_000)
        #expect(trace.header.hasTimestamps && trace.header.timeResolutionMs == 1)
        #expect(trace.header.positionUnit == "unicode-scalar")
        #expect(trace.header.txns == edits.filter { !$0.continuesTransaction }.count)
        #expect(!edits[0].continuesTransaction)

        // Times start at 0, never decrease, and are shared within a transaction.
        #expect(edits[0].timeMs == 0)
        var intervals: [Int] = []
        for (previous, edit) in zip(edits, edits.dropFirst()) {
            let gap = edit.timeMs! - previous.timeMs!
            #expect(gap >= 0)
            if edit.continuesTransaction { #expect(gap == 0) } else { intervals.append(gap) }
        }
        intervals.sort()
        let median = intervals[intervals.count / 2]
        let p90 = intervals[intervals.count * 9 / 10]
        let p99 = intervals[intervals.count * 99 / 100]
        #expect((130...170).contains(median), "median inter-keystroke interval \(median) ms")
        #expect((550...1000).contains(p90), "p90 \(p90) ms")
        #expect((8_000...20_000).contains(p99), "p99 \(p99) ms")

        // Edit kinds, as fractions of the edits.
        func fraction(_ predicate: (TraceEdit) -> Bool) -> Double {
            Double(edits.filter(predicate).count) / Double(edits.count)
        }
        let insert1 = fraction { $0.deleteCount == 0 && $0.insertedText.unicodeScalars.count == 1 }
        let delete1 = fraction { $0.deleteCount == 1 && $0.insertedText.isEmpty }
        let deleteN = fraction { $0.deleteCount > 1 && $0.insertedText.isEmpty }
        let insertN = fraction { $0.deleteCount == 0 && $0.insertedText.unicodeScalars.count > 1 }
        let replace = fraction { $0.deleteCount > 0 && !$0.insertedText.isEmpty }
        #expect((0.89...0.93).contains(insert1), "1-scalar inserts \(insert1)")
        #expect((0.04...0.06).contains(delete1), "1-scalar deletes \(delete1)")
        #expect((0.01...0.02).contains(deleteN), "multi-scalar deletes \(deleteN)")
        #expect((0.01...0.02).contains(insertN), "pastes \(insertN)")
        #expect((0.006...0.014).contains(replace), "replaces \(replace)")
        #expect(edits.contains { $0.continuesTransaction })

        // Markdown-like text, a little non-ASCII (astral too), no carriage returns.
        let final = try replay(trace).text
        #expect(ContentDigest.sha256Hex(ofUTF8: final) == trace.header.endContentSha256)
        for marker in ["\n# ", "\n## ", "\n- ", "\n1. ", "```swift\n", "](https://example.com/", "**", "> ", "|---|"] {
            #expect(final.contains(marker) || trace.header.startContent.contains(marker), "no \(marker.debugDescription)")
        }
        let inserted = edits.map(\.insertedText).joined()
        #expect(inserted.unicodeScalars.contains { $0.value > 0xFFFF })
        #expect(inserted.unicodeScalars.contains { $0.value > 0x7F && $0.value <= 0xFFFF })
        #expect(!inserted.contains("\r") && !final.contains("\r"))
    }

    @Test("A large starting document is generated to size and replays correctly")
    func largeStart() throws {
        let clock = ContinuousClock()
        let began = clock.now
        let trace = SyntheticTraceGenerator.generate(.init(seed: 3, edits: 2_000, startContentBytes: 1_000_000))
        let generated = clock.now - began
        let size = trace.header.startContent.utf8.count
        #expect(size >= 1_000_000 && size < 1_002_000)
        let document = try replay(trace)
        #expect(ContentDigest.sha256Hex(ofUTF8: document.text) == trace.header.endContentSha256)
        print("generated a trace with a \(size)-byte start in \(generated)")
    }
}
