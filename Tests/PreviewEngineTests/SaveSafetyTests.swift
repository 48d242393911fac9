import Primitives
import Dispatch
import DocumentModel
import Foundation
@testable import PreviewEngine
import Synchronization
import Testing
import Saving
#if canImport(Glibc)
import Glibc
#endif

/// A writer whose first write blocks inside the writer until the test opens the gate:
/// a save that overlaps it does so by construction, not by luck of timing.
final class GatedWriter: AutosaveWriter {
    private let real = AtomicFileWriter()
    let first = FirstCallGate()

    func write(_ bytes: UnsafeRawBufferPointer, to path: String, progress: (Double) -> Void) throws(AutosaveError) {
        first.pass()
        try real.write(bytes, to: path, progress: progress)
    }

    func removeLeftovers(of path: String) { real.removeLeftovers(of: path) }
}

/// Waits (up to 10 s of wall-clock time) until `condition` holds; returns whether it did.
func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<10_000 {
        if condition() { return true }
        usleep(1_000)
    }
    return condition()
}

@Suite("engine: saving never loses or reverts text")
struct SaveSafetyTests {
    @Test("an explicit save while an autosave of an older version is writing: the file ends with the newer version")
    func explicitSaveDuringAutosave() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("doc.md")
        let writer = GatedWriter()
        let harness = EngineHarness(autosaveDelay: .milliseconds(300), writer: writer)
        try harness.engine.open("a", text: "", autosavePath: path)
        for index in 0..<7 { try harness.engine.edit("a", .insert("o", at: index)) }
        // The autosave of version 7 starts and blocks inside the writer.
        harness.clock.advance(by: .milliseconds(300))
        writer.first.entered.wait()
        try harness.engine.replaceText("a", with: "newer text")
        try harness.engine.edit("a", .insert("!", at: 10))
        #expect(try harness.engine.snapshot(of: "a").version == 9)

        let saveReturned = Atomic(false)
        let saving = DispatchGroup()
        DispatchQueue.global().async(group: saving) {
            try? harness.engine.save("a", to: path)
            saveReturned.store(true, ordering: .sequentiallyConsistent)
        }
        // Either the save waits its turn behind the autosave's write (serialised), or it
        // wrote while the older write was still under way (the defect).
        #expect(eventually { harness.engine.autosaver.waitingWriteCount == 1 || saveReturned.load(ordering: .sequentiallyConsistent) })
        writer.first.gate.signal()
        saving.wait()
        harness.settle()

        #expect(contents(path) == "newer text!")
        #expect(harness.log.saves.map(\.version) == [7, 9])
        #expect(writer.first.callCount == 2)
    }

    @Test("an autosave queued behind a newer explicit save writes nothing")
    func olderAutosaveSkipped() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("doc.md")
        let autosaver = Autosaver(writer: AtomicFileWriter())
        #expect(autosaver.write(.init(generation: 1, version: 9, path: path, text: "nine"), progress: { _ in }) == .written)
        #expect(autosaver.write(.init(generation: 1, version: 7, path: path, text: "seven"), progress: { _ in }) == .alreadyOnDisk(version: 9))
        #expect(contents(path) == "nine")
        // Another opening's versions are not comparable: it writes.
        #expect(autosaver.write(.init(generation: 2, version: 1, path: path, text: "other"), progress: { _ in }) == .written)
        #expect(contents(path) == "other")
    }

    @Test("paths with a NUL, empty, ending in '/', or naming a directory are refused before anything is written",
          arguments: ["victim\u{0}.md", "", "sub/", "sub"])
    func badPathsRefused(name: String) throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("sub"), withIntermediateDirectories: true)
        let victim = directory.file("victim")
        try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
        let path = name.isEmpty ? "" : directory.file(name)
        let harness = EngineHarness()
        #expect(throws: EngineError.self) { try harness.engine.open("a", text: "x", autosavePath: path) }
        try harness.engine.open("a", text: "x")
        #expect(throws: EngineError.self) { try harness.engine.save("a", to: path) }
        harness.settle()
        #expect(contents(victim) == "precious")
        #expect(harness.log.saves.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["sub", "victim"])
    }

    @Test("temporary files of killed saves are removed on the next open or save; a live process's are kept")
    func leftoversRemoved() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("doc.md")
        let other = directory.file("other.md")
        let dead = try deadProcessID()
        let stale = [".doc.md.\(dead).12345.tmp", ".doc.md.\(getpid()).7.tmp", ".other.md.\(dead).1.tmp"]
        let kept = [".doc.md.1.999.tmp", ".doc.md.notapid.tmp", "doc.md.\(dead).1.tmp"]
        for name in stale + kept { try Data("partial".utf8).write(to: URL(fileURLWithPath: directory.file(name))) }

        let harness = EngineHarness()
        try harness.engine.open("a", text: "text", autosavePath: path)
        var names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(!names.contains(stale[0]) && !names.contains(stale[1]), "left: \(names)")
        #expect(names.contains(stale[2]), "another file's leftovers wait for that file")
        try harness.engine.save("a", to: other)
        names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(Set(names) == Set(kept + ["other.md"]), "left: \(names)")
        #expect(contents(other) == "text")
    }

    @Test("saving through a symbolic link writes its target and keeps the link; mode and owner are kept")
    func symlinkModeOwner() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory.file("real"), withIntermediateDirectories: true)
        let target = directory.file("real/notes.md")
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        #expect(chmod(target, 0o600) == 0)
        let isRoot = geteuid() == 0
        if isRoot { #expect(chown(target, 4242, 4343) == 0) }
        let link = directory.file("link.md")
        #expect(symlink("real/notes.md", link) == 0)

        let harness = EngineHarness()
        try harness.engine.open("a", text: "new text", autosavePath: link)
        try harness.engine.save("a")
        var info = stat()
        #expect(lstat(link, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK, "the link is still a link")
        #expect(contents(target) == "new text")
        #expect(stat(target, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o600)
        if isRoot { #expect(info.st_uid == 4242 && info.st_gid == 4343) }
        harness.engine.waitUntilIdle()
        #expect(harness.log.saves.last?.path == link, "events name the path the embedder gave")

        // A dangling link: the file it names is created.
        let dangling = directory.file("dangling.md")
        #expect(symlink("real/created.md", dangling) == 0)
        try harness.engine.save("a", to: dangling)
        #expect(contents(directory.file("real/created.md")) == "new text")
        #expect(lstat(dangling, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
    }

    @Test("a hard-linked file is replaced atomically: its path gets the new text, other links keep the old (documented)")
    func hardLinks() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("doc.md")
        let second = directory.file("second-name.md")
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        #expect(link(path, second) == 0)
        let harness = EngineHarness()
        try harness.engine.open("a", text: "new", autosavePath: path)
        try harness.engine.save("a")
        #expect(contents(path) == "new")
        #expect(contents(second) == "old")
    }

    private func deadProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }
}

/// A writer whose first clean-up of leftovers blocks until the test opens the gate, and
/// which records whether a write ever ran while a clean-up did.
final class GatedCleanUpWriter: AutosaveWriter {
    private let real = AtomicFileWriter()
    let first = FirstCallGate()
    private let cleaning = Locked(false)
    private let overlapped = Locked(false)
    private let writes = Locked(0)

    var writeOverlappedCleanUp: Bool { overlapped.withLock { $0 } }
    var writeCount: Int { writes.withLock { $0 } }

    func write(_ bytes: UnsafeRawBufferPointer, to path: String, progress: (Double) -> Void) throws(AutosaveError) {
        writes.withLock { $0 += 1 }
        if cleaning.withLock({ $0 }) { overlapped.withLock { $0 = true } }
        try real.write(bytes, to: path, progress: progress)
    }

    func removeLeftovers(of path: String) {
        cleaning.withLock { $0 = true }
        first.pass()
        real.removeLeftovers(of: path)
        cleaning.withLock { $0 = false }
    }
}

@Suite("engine: leftovers are cleaned up with the file's turn")
struct CleanUpTurnTests {
    @Test("a save to a file whose leftovers are being removed waits for the clean-up")
    func saveWaitsForCleanUp() throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("shared.md")
        let writer = GatedCleanUpWriter()
        let harness = EngineHarness(autosaveDelay: .seconds(3600), writer: writer)
        try harness.engine.open("b", text: "from b")
        let opening = DispatchGroup()
        DispatchQueue.global().async(group: opening) {
            try? harness.engine.open("a", text: "from a", autosavePath: path)   // cleans up, held by the gate
        }
        writer.first.entered.wait()
        let saving = DispatchGroup()
        let saved = Atomic(false)
        DispatchQueue.global().async(group: saving) {
            try? harness.engine.save("b", to: path)
            saved.store(true, ordering: .sequentiallyConsistent)
        }
        // Either the save waits its turn behind the clean-up, or it wrote meanwhile.
        #expect(eventually { harness.engine.autosaver.waitingWriteCount == 1 || writer.writeCount > 0 })
        writer.first.gate.signal()
        opening.wait()
        saving.wait()
        let didSave = saved.load(ordering: .sequentiallyConsistent)
        #expect(didSave)
        #expect(!writer.writeOverlappedCleanUp, "a write ran while leftovers were being removed")
        #expect(contents(path) == "from b")
    }
}
