import DocumentModel
import EditTraces
import Foundation
import TestSupport
import Testing

/// Replays a trace file through `TextDocument`, one `apply` per transaction.
func replay(_ url: URL) throws -> (document: TextDocument, header: TraceHeader, transactions: Int) {
    let reader = try TraceReader(contentsOf: url)
    var document = TextDocument(reader.header.startContent)
    var transactions = 0
    while let transaction = try reader.nextTransaction() {
        if transaction.edits.count == 1 {
            try document.apply(patch(transaction.edits[0]))
        } else {
            try document.apply(transaction: transaction.edits.map(patch))
        }
        transactions += 1
    }
    return (document, reader.header, transactions)
}

func patch(_ edit: TraceEdit) -> TextPatch {
    .replace(offset: edit.position, length: edit.deleteCount, with: edit.insertedText)
}

/// The shared traces (`../shared/traces`); empty outside CI when the folder is missing.
func sharedTraceFiles() throws -> [URL] {
    try SharedData.files(in: "traces", suffixes: [".ndjson", ".ndjson.gz"])
}

@Suite("Replaying the shared edit traces")
struct TraceReplayTests {
    @Test("../shared/traces is there (under CI) and not empty", .enabled(if: SharedData.runsTests(needing: "traces"), "needs ../shared/traces"))
    func sharedTracesPresent() throws {
        // Missing outside CI: SharedData reports it on stderr and the replay has no cases.
        guard try SharedData.folder("traces") != nil else { return }
        let files = try sharedTraceFiles()
        #expect(!files.isEmpty)
        #expect(files.contains { $0.lastPathComponent.hasSuffix(".ndjson.gz") })
    }

    @Test("Every shared trace replays to its endContentSha256", .enabled(if: SharedData.runsTests(needing: "traces"), "needs ../shared/traces"), arguments: try sharedTraceFiles())
    func replayReproducesFinalText(url: URL) throws {
        let clock = ContinuousClock()
        let start = clock.now
        let (document, header, transactions) = try replay(url)
        let replayed = clock.now - start
        #expect(ContentDigest.sha256Hex(ofUTF8: document.text) == header.endContentSha256)
        #expect(document.version == UInt64(transactions))
        if let txns = header.txns { #expect(transactions == txns) }
        print("replayed \(header.name): \(header.edits) edits, \(transactions) transactions in \(replayed)")
    }
}
