import Primitives
import Foundation
import DocumentModel
@testable import PreviewEngine
import Synchronization
import Testing
import Saving
#if canImport(Glibc)
import Glibc
#endif

/// A writer that fails with `errno` for its first `failures` calls (a full disk, say),
/// then writes for real.
final class FlakyWriter: AutosaveWriter {
    private let remainingFailures: Locked<Int>
    let code: Int32
    private let real = AtomicFileWriter()
    private let calls = Locked(0)

    init(failures: Int, code: Int32 = ENOSPC) {
        remainingFailures = Locked(failures)
        self.code = code
    }

    var callCount: Int { calls.withLock { $0 } }

    func setFailures(_ count: Int) { remainingFailures.withLock { $0 = count } }

    func write(_ bytes: UnsafeRawBufferPointer, to path: String, progress: (Double) -> Void) throws(AutosaveError) {
        calls.withLock { $0 += 1 }
        let fail = remainingFailures.withLock { remaining -> Bool in
            guard remaining > 0 else { return false }
            remaining -= 1
            return true
        }
        if fail { throw AutosaveError(operation: "write", path: path, code: code) }
        try real.write(bytes, to: path, progress: progress)
    }
}

func contents(_ path: String) -> String? {
    FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
}

@Suite("engine: autosave")
struct AutosaveTests {
    @Test("edits are autosaved after the delay, not on every keystroke; the file holds the latest text")
    func debouncedAutosave() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("note.md")
        let harness = EngineHarness(autosaveDelay: .seconds(1))
        try harness.engine.open("a", text: "", autosavePath: path)
        for index in 0..<20 {
            try harness.engine.edit("a", .insert("k", at: index))
            harness.advance(by: .milliseconds(30))
        }
        #expect(harness.log.saves.isEmpty)
        #expect(contents(path) == nil)
        harness.advance(by: .seconds(1))
        #expect(harness.log.saves.count == 1)
        #expect(harness.log.saves.last?.version == 20)
        #expect(contents(path) == String(repeating: "k", count: 20))
        harness.settle()
        #expect(harness.log.saves.count == 1, "nothing new to save")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0 != "note.md" }
        #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers)")
    }

    @Test("a full disk: errors reported with exponential back-off, text kept, rendering unaffected, then recovery")
    func backoffAndRecovery() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("doc.md")
        try Data("old complete text\n".utf8).write(to: URL(fileURLWithPath: path))
        let writer = FlakyWriter(failures: 4)
        let harness = EngineHarness(autosaveDelay: .milliseconds(100), writer: writer)
        try harness.engine.open("a", text: "new ", autosavePath: path)
        harness.engine.waitUntilIdle()   // the first render reads version 0, not a later one
        try harness.engine.edit("a", .insert("text", at: 4))
        harness.advance(by: .milliseconds(100))
        var failures = harness.log.saveFailures
        try #require(failures.count == 1)
        #expect(failures[0].consecutiveFailures == 1)
        #expect(failures[0].message.contains("No space left on device"))
        #expect(contents(path) == "old complete text\n", "the file on disk stays intact")

        // Rendering goes on while saving fails (the debouncer's trailing delay, well
        // before the first retry).
        try harness.engine.edit("a", .insert("!", at: 8))
        harness.advance(by: .milliseconds(100))
        #expect(harness.log.renders(of: "a").last?.html == "<p>new text!</p>\n")

        // Retries at 0.5 s, 1 s, 2 s after each failure; the fifth attempt succeeds.
        var previousRetry = try #require(failures[0].retryAt)
        var expectedDelay = Duration.milliseconds(500)
        for attempt in 2...5 {
            harness.clock.advance(to: previousRetry) { harness.engine.waitUntilIdle() }
            failures = harness.log.saveFailures
            if attempt <= 4 {
                try #require(failures.count == attempt)
                let retry = try #require(failures.last?.retryAt)
                #expect(failures.last?.consecutiveFailures == attempt)
                expectedDelay = expectedDelay * 2
                #expect(previousRetry.duration(to: retry) == expectedDelay, "attempt \(attempt)")
                previousRetry = retry
                #expect(contents(path) == "old complete text\n")
            }
        }
        #expect(writer.callCount == 5)
        #expect(harness.log.saves.last?.version == 2)
        #expect(contents(path) == "new text!")
        // Back to normal: the next edit is saved after the normal delay.
        try harness.engine.edit("a", .insert("?", at: 9))
        harness.advance(by: .milliseconds(100))
        #expect(harness.log.saves.last?.version == 3)
        #expect(contents(path) == "new text!?")
    }

    @Test("close flushes the last version at once; a failing final save keeps the document open")
    func flushOnClose() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("c.md")
        let writer = FlakyWriter(failures: 0)
        let harness = EngineHarness(autosaveDelay: .seconds(60), writer: writer)
        try harness.engine.open("a", text: "abc", autosavePath: path)
        try harness.engine.edit("a", .delete(offset: 0, length: 1))
        writer.setFailures(1)
        #expect(throws: EngineError.self) { try harness.engine.close("a") }
        #expect(try harness.engine.snapshot(of: "a").text == "bc", "still open, nothing lost")
        try harness.engine.edit("a", .insert("!", at: 2))
        try harness.engine.close("a")
        #expect(contents(path) == "bc!")
        harness.engine.waitUntilIdle()
        guard case .closed("a") = harness.log.all.last else {
            Issue.record("the last event is not closed: \(String(describing: harness.log.all.last))")
            return
        }
        #expect(throws: EngineError.unknownDocument("a")) { try harness.engine.edit("a", .insert("x", at: 0)) }
    }

    @Test("shutdown renders each document's final version and flushes autosaves")
    func shutdownFlushes() throws {
        let directory = try TemporaryDirectory()
        let harness = EngineHarness(renderCost: .milliseconds(300), autosaveDelay: .seconds(60))
        try harness.engine.open("a", text: "", autosavePath: directory.file("a.md"))
        try harness.engine.open("b", text: "b", autosavePath: directory.file("b.md"))
        harness.advance(by: .seconds(2))
        for index in 0..<5 {
            try harness.engine.edit("a", .insert("*", at: index))
            harness.advance(by: .milliseconds(20))
        }
        harness.engine.shutdown()
        #expect(harness.log.renders(of: "a").last?.version == 5)
        #expect(harness.log.renders(of: "a").last?.html == referenceRenderer.render("*****"))
        #expect(contents(directory.file("a.md")) == "*****")
        #expect(contents(directory.file("b.md")) == "b")
        #expect(throws: EngineError.shutDown) { try harness.engine.edit("a", .insert("x", at: 0)) }
        #expect(throws: EngineError.shutDown) { try harness.engine.open("c", text: "") }
    }

    @Test("the file on disk is always a complete version, whatever a reader sees meanwhile")
    func atomicity() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("atomic.md")
        let harness = EngineHarness(autosaveDelay: .zero)
        // Versions of very different lengths, so a torn write would show.
        let versions = (0..<40).map { index in String(repeating: "line \(index) ", count: (index % 7 + 1) * 3_000) }
        try harness.engine.open("a", text: versions[0], autosavePath: path)
        harness.engine.waitUntilIdle()
        try harness.engine.save("a")
        let valid = Set(versions)
        let stop = Atomic(false)
        let torn = Atomic(0)
        let reads = Atomic(0)
        let reader = Thread {
            while !stop.load(ordering: .acquiring) {
                if let text = contents(path) {
                    reads.add(1, ordering: .relaxed)
                    if !valid.contains(text) { torn.add(1, ordering: .relaxed) }
                }
            }
        }
        reader.start()
        for version in versions.dropFirst() {
            try harness.engine.replaceText("a", with: version)
            harness.advance(by: .milliseconds(1))
        }
        harness.settle()
        stop.store(true, ordering: .releasing)
        while !reader.isFinished { usleep(1_000) }
        #expect(torn.load(ordering: .relaxed) == 0)
        #expect(reads.load(ordering: .relaxed) > 0)
        #expect(contents(path) == versions.last)
    }

    @Test("AtomicFileWriter leaves the target intact when it cannot write")
    func writerFailureKeepsTarget() throws {
        let directory = try TemporaryDirectory()
        // A path whose directory is a file: open(2) fails with ENOTDIR.
        try Data("x".utf8).write(to: URL(fileURLWithPath: directory.file("file")))
        let badPath = directory.file("file") + "/child.md"
        #expect(throws: AutosaveError.self) { try writeText("text", to: badPath) }
        // A missing directory: ENOENT.
        #expect(throws: AutosaveError.self) { try writeText("text", to: directory.file("missing/x.md")) }
        // Progress reaches 1 and the mode of an existing file is kept.
        let target = directory.file("kept.md")
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        chmod(target, 0o600)
        var fractions: [Double] = []
        try writeText("text", to: target, writer: AtomicFileWriter(chunkSize: 1)) { fractions.append($0) }
        #expect(fractions == [0.25, 0.5, 0.75, 1])
        #expect(contents(target) == "text")
        let attributes = try FileManager.default.attributesOfItem(atPath: target)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }
}

/// Writes `text` with `writer`, rethrowing its error.
func writeText(_ text: String, to path: String, writer: AtomicFileWriter = AtomicFileWriter(), progress: (Double) -> Void = { _ in }) throws {
    var failure: AutosaveError?
    Array(text.utf8).withUnsafeBytes { buffer in
        do throws(AutosaveError) {
            try writer.write(buffer, to: path, progress: progress)
        } catch {
            failure = error
        }
    }
    if let failure { throw failure }
}

@Suite("engine: progress events")
struct ProgressEventTests {
    @Test("autosaving a large document reports progress from 0 to 1")
    func autosaveProgress() throws {
        let directory = try TemporaryDirectory()
        let harness = EngineHarness(autosaveDelay: .milliseconds(10), writer: FlakyWriter(failures: 0))
        let big = String(repeating: "0123456789abcdef\n", count: 200_000)   // 3.4 MB
        try harness.engine.open("big", text: big, autosavePath: directory.file("big.md"))
        try harness.engine.edit("big", .insert("#", at: 0))
        harness.advance(by: .milliseconds(10))
        let progress = harness.log.all.compactMap { event -> TaskProgressReport? in
            if case .progress(let report) = event, report.task == "autosave" { report } else { nil }
        }
        #expect(progress.count >= 3)
        #expect(progress.map(\.fraction) == progress.map(\.fraction).sorted())
        #expect(progress.last?.fraction == 1)
        #expect(harness.log.saves.last?.version == 1)
    }
}
