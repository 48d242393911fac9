import DocumentModel
import EditTraces
import Foundation
import TestSupport
import Testing

/// Replays at most `limit` transactions of a trace file through `TextDocument`, one
/// `apply` per transaction; with `reference`, the same edits also go to a plain array of
/// scalars (the obvious implementation, to compare against when the trace is cut short).
func replay(_ url: URL, limit: Int = .max, reference: Bool = false)
    throws -> (document: TextDocument, header: TraceHeader, transactions: Int, complete: Bool, reference: String?) {
    let reader = try TraceReader(contentsOf: url)
    var document = TextDocument(reader.header.startContent)
    var scalars = reference ? Array(reader.header.startContent.unicodeScalars) : []
    var transactions = 0
    var complete = true
    while true {
        guard transactions < limit else {
            complete = try reader.nextTransaction() == nil
            break
        }
        guard let transaction = try reader.nextTransaction() else { break }
        if transaction.edits.count == 1 {
            try document.apply(patch(transaction.edits[0]))
        } else {
            try document.apply(transaction: transaction.edits.map(patch))
        }
        if reference {
            for edit in transaction.edits {
                scalars.replaceSubrange(edit.position ..< edit.position + edit.deleteCount, with: edit.insertedText.unicodeScalars)
            }
        }
        transactions += 1
    }
    var text: String?
    if reference {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        text = String(view)
    }
    return (document, reader.header, transactions, complete, text)
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

    /// Transactions replayed per trace (`PREVIEWENGINE_TRACE_REPLAY_TRANSACTIONS`, 0 for
    /// whole traces; default 20,000). A trace within the budget must end at its
    /// `endContentSha256`; a longer one is compared with the plain-array replay of the
    /// same prefix. `replay run --all-traces --verify-every-edit` replays every trace whole
    /// (Docs/BENCHMARKS.md).
    static let transactionBudget: Int = {
        let value = ProcessInfo.processInfo.environment["PREVIEWENGINE_TRACE_REPLAY_TRANSACTIONS"].flatMap(Int.init) ?? 20_000
        return value <= 0 ? .max : value
    }()

    @Test("Every shared trace replays to its endContentSha256 (or, past the budget, to the plain replay of its prefix)",
          .enabled(if: SharedData.runsTests(needing: "traces"), "needs ../shared/traces"), arguments: try sharedTraceFiles())
    func replayReproducesFinalText(url: URL) throws {
        let budget = Self.transactionBudget
        let (document, header, transactions, complete, reference) = try replay(url, limit: budget, reference: budget != .max)
        #expect(document.version == UInt64(transactions))
        if complete {
            #expect(ContentDigest.sha256Hex(ofUTF8: document.text) == header.endContentSha256)
            if let txns = header.txns { #expect(transactions == txns) }
        } else {
            #expect(transactions == budget)
        }
        if let reference { #expect(document.text == reference) }
        print("replayed \(header.name): \(transactions) transactions\(complete ? ", the whole trace" : " of \(header.txns.map(String.init) ?? "more")")")
    }
}
