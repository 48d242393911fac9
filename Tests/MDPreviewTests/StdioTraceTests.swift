import DocumentModel
import EditTraces
import Foundation
import TestSupport
import Testing

/// The raw bytes of a trace file, gunzipped when needed.
func traceBytes(_ url: URL) throws -> Data {
    if url.pathExtension == "gz" {
        let result = try Subprocess.run(URL(fileURLWithPath: "/bin/sh"), ["-c", "gzip -dc \"$0\"", url.path])
        guard result.status == 0 else { throw TraceError.unreadable(path: url.path, reason: result.stderrText) }
        return result.stdout
    }
    return try Data(contentsOf: url)
}

@Suite("mdpreview stdio: real traces")
struct StdioTraceTests {
    /// Transactions fed per trace: `PREVIEWENGINE_STDIO_TRACE_TRANSACTIONS`, default 3,000;
    /// 0 feeds whole traces (about 1,040,000 transactions in all, minutes in a debug
    /// build). Every transaction of every trace is replayed through the document model by
    /// `TraceReplayTests` and checked render by render by `replay run --verify-every-edit`.
    static let transactionsPerTrace = ProcessInfo.processInfo.environment["PREVIEWENGINE_STDIO_TRACE_TRANSACTIONS"].flatMap(Int.init) ?? 3_000

    static let traces: [String] = (try? SharedData.files(in: "traces", suffixes: [".ndjson", ".ndjson.gz"]).map(\.lastPathComponent)) ?? []

    @Test("the traces are present (required under CI)", .enabled(if: SharedData.runsTests(needing: "traces"), "needs ../shared/traces"))
    func tracesPresent() throws {
        let files = try SharedData.files(in: "traces", suffixes: [".ndjson", ".ndjson.gz"])
        if SharedData.isCI { #expect(files.count >= 8) }
    }

    /// Opens the trace's start content, then pipes the lines of its first transactions in
    /// exactly as they are written (no op, no doc: the only open document is meant). At
    /// end of input the last render must be the full render of the text, and the
    /// autosaved file must be the text the document model makes of the same transactions
    /// (for a whole trace: hash to the header's sha256).
    @Test("feeding a trace line by line yields the right final render and saved file", .enabled(if: SharedData.runsTests(needing: "traces"), "needs ../shared/traces"), arguments: traces)
    func replayTrace(name: String) throws {
        guard let folder = try SharedData.folder("traces") else { return }
        let url = folder.appendingPathComponent(name)
        let reader = try TraceReader(contentsOf: url)
        let header = reader.header
        var expected = TextDocument(header.startContent)
        var transactions = 0, lines = 0
        while Self.transactionsPerTrace == 0 || transactions < Self.transactionsPerTrace, let transaction = try reader.nextTransaction() {
            try expected.apply(transaction: transaction.edits.map { .replace(offset: $0.position, length: $0.deleteCount, with: $0.insertedText) })
            transactions += 1
            lines += transaction.edits.count
        }
        let whole = try reader.nextTransaction() == nil
        let bytes = try traceBytes(url)
        guard let firstNewline = bytes.firstIndex(of: 0x0A) else { Issue.record("no header line"); return }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("stdio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let savePath = directory.appendingPathComponent("doc.md").path

        let session = try StdioSession(inProcess: [])
        session.send(["op": "open", "doc": header.name, "text": header.startContent, "autosave": savePath])
        var body = bytes[(firstNewline + 1)...]
        if !whole {
            var seen = 0
            let end = body.firstIndex { byte in
                if byte == 0x0A { seen += 1 }
                return seen == lines
            }
            body = body[..<(end.map { body.index(after: $0) } ?? body.endIndex)]
        }
        var offset = body.startIndex
        while offset < body.endIndex {
            let end = body.index(offset, offsetBy: 1 << 20, limitedBy: body.endIndex) ?? body.endIndex
            session.sendRaw(Data(body[offset..<end]))
            offset = end
        }
        session.closeInput()
        #expect(session.waitForExit(timeout: 600) == 0, "stderr: \(session.stderrText)")

        let snapshot = session.snapshot
        #expect(snapshot.badLines.isEmpty, "non-JSON output: \(snapshot.badLines.prefix(3))")
        #expect(session.events(named: "error").isEmpty, "errors: \(session.events(named: "error").prefix(3))")
        #expect(session.events(named: "bye").count == 1)
        let saved = try Data(contentsOf: URL(fileURLWithPath: savePath))
        #expect(saved == Data(expected.text.utf8), "the saved file is the text of those \(transactions) transactions")
        if whole { #expect(ContentDigest.sha256Hex(of: saved) == header.endContentSha256, "saved file hash") }
        let reference = try Subprocess.run(try Subprocess.builtProduct("mdpreview"), ["render", savePath])
        let last = try #require(snapshot.lastRender[header.name])
        // One version per transaction; a continuation line that was not in the input
        // buffer yet when its transaction was applied makes a version of its own.
        let version = try #require(last["version"] as? Int)
        #expect(version >= transactions && version <= lines, "final version \(version)")
        #expect((last["html"] as? String).map { Data($0.utf8) } == reference.stdout, "final render differs from mdpreview render")
        let savedEvents = session.events(named: "saved")
        #expect(savedEvents.last?["version"] as? Int == last["version"] as? Int)
        print("stdio \(name): \(snapshot.lineCount) output lines, \(snapshot.renderCount) renders, final version \(last["version"] ?? "?")")
    }
}
