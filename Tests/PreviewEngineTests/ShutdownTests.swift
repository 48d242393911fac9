import Primitives
import Dispatch
import DocumentModel
import Foundation
@testable import PreviewEngine
import Testing
import Saving
#if canImport(Glibc)
import Glibc
#endif

/// Real time, except that the first render blocks until the test opens the gate: a
/// render that takes as long as the test wants.
final class GatedRenderClock: EngineClock {
    private let system = SystemEngineClock()
    let first = FirstCallGate()

    var now: MonotonicInstant { system.now }

    func schedule(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer {
        system.schedule(at: deadline, action)
    }

    func measureRender(_ work: () -> Void) -> Duration {
        first.pass()
        return system.measureRender(work)
    }

    func completeWork(after duration: Duration, _ completion: @escaping @Sendable () -> Void) {
        completion()
    }
}

/// Fails every write to a path that `refuses` (a read-only disk, say).
final class RefusingWriter: AutosaveWriter {
    private let real = AtomicFileWriter()
    let refuses: @Sendable (String) -> Bool

    init(refuses: @escaping @Sendable (String) -> Bool) {
        self.refuses = refuses
    }

    func write(_ bytes: UnsafeRawBufferPointer, to path: String, progress: (Double) -> Void) throws(AutosaveError) {
        if refuses(path) { throw AutosaveError(operation: "open", path: path, code: EROFS) }
        try real.write(bytes, to: path, progress: progress)
    }
}

@Suite("engine: shutdown")
struct ShutdownTests {
    @Test("a render stuck at shutdown: every document is saved first, nothing renders twice, shutdown returns in bounded time")
    func stuckRenderDoesNotHoldShutdown() throws {
        let directory = try TemporaryDirectory()
        let clock = GatedRenderClock()
        let engine = PreviewEngine(
            configuration: .init(policy: .everyKeystroke, autosaveDelay: .seconds(3600), statisticsDelay: nil),
            clock: clock
        )
        let log = EventLog()
        engine.subscribe { log.append($0) }
        try engine.open("slow", text: "# slow", autosavePath: directory.file("slow.md"))
        clock.first.entered.wait()   // its first render is under way and stuck
        for name in ["b", "c"] {
            try engine.open(name, text: "# \(name)", autosavePath: directory.file("\(name).md"))
            try engine.edit(name, .insert(" edited", at: 3))
        }
        try engine.edit("slow", .insert(" edited", at: 6))

        let report = Locked<ShutdownReport?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            // Long enough for the two small renders on a loaded machine (300 ms was not,
            // once, under the thread sanitizer in CI); the stuck render holds it to the end.
            let result = engine.shutdown(timeout: .seconds(2))
            report.withLock { $0 = result }
            done.signal()
        }
        let returned = done.wait(timeout: .now() + 20) == .success
        // What is on disk was written while the render was still stuck.
        #expect(contents(directory.file("slow.md")) == "# slow edited")
        #expect(contents(directory.file("b.md")) == "# b edited")
        #expect(contents(directory.file("c.md")) == "# c edited")
        clock.first.gate.signal()
        #expect(returned, "shutdown returned while a render was stuck")
        if !returned { done.wait() }
        let final = try #require(report.withLock { $0 })
        #expect(final.unsaved.isEmpty)
        #expect(final.undelivered == ["slow"])
        #expect(try engine.renderCounters(of: "slow").started == 1, "no second render of the stuck document")
        let delivered = Dictionary(log.renders.map { ($0.documentID, $0.version) }, uniquingKeysWith: max)
        #expect(delivered["b"] == 1 && delivered["c"] == 1, "the others' final versions were delivered: \(delivered)")
        #expect(engine.shutdown() == final, "idempotent")
    }

    @Test("a failed final save: the report names the document; its text goes to a new recovery file beside the target")
    func recoveryBesideTarget() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("doc.md")
        var configuration = PreviewEngine.Configuration(autosaveDelay: .seconds(3600), statisticsDelay: nil)
        configuration.autosaveWriter = RefusingWriter { $0.hasSuffix("/doc.md") }
        let engine = PreviewEngine(configuration: configuration)
        try engine.open("a", text: "precious words", autosavePath: path)
        try engine.edit("a", .insert(" more", at: 14))
        let earlier = Autosaver.target(of: path) + ".recovered"
        try Data("an earlier recovery".utf8).write(to: URL(fileURLWithPath: earlier))
        let report = engine.shutdown()
        let unsaved = try #require(report.unsaved.first)
        #expect(report.unsaved.count == 1)
        #expect(unsaved.failure.documentID == "a" && unsaved.failure.version == 1 && unsaved.failure.path == path)
        #expect(unsaved.failure.message.contains("Read-only file system"))
        #expect(unsaved.recovery == .written(path: earlier + "-2"))
        #expect(contents(earlier + "-2") == "precious words more")
        #expect(contents(earlier) == "an earlier recovery", "an existing recovery file is never replaced")
        #expect(contents(path) == nil)
    }

    @Test("when the target's folder refuses too, the recovery file goes to TMPDIR")
    func recoveryInTemporaryDirectory() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("doc.md")
        let folder = Autosaver.target(of: directory.path + "/x").dropLast(2)
        var configuration = PreviewEngine.Configuration(autosaveDelay: .seconds(3600), statisticsDelay: nil)
        configuration.autosaveWriter = RefusingWriter { $0.hasPrefix(String(folder)) }
        let engine = PreviewEngine(configuration: configuration)
        try engine.open("notes/a", text: "keep me", autosavePath: path)
        let report = engine.shutdown()
        guard case .written(let recovery) = try #require(report.unsaved.first?.recovery) else {
            Issue.record("no recovery file was written")
            return
        }
        defer { unlink(recovery) }
        #expect(recovery.hasSuffix("mdpreview-\(getpid())-notes_a.recovered"))
        #expect(contents(recovery) == "keep me")
    }

    @Test("a deadline that passes while documents are still being saved: saving completes, shutdown returns")
    func deadlinePassedDuringSaving() throws {
        let directory = try TemporaryDirectory()
        let engine = PreviewEngine(configuration: .init(autosaveDelay: .seconds(3600), statisticsDelay: nil))
        for name in ["a", "b", "c"] {
            try engine.open(name, text: "# \(name)", autosavePath: directory.file("\(name).md"))
        }
        let report = engine.shutdown(timeout: .zero)
        #expect(report.unsaved.isEmpty)
        for name in ["a", "b", "c"] { #expect(contents(directory.file("\(name).md")) == "# \(name)") }
    }
}
