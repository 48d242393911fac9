import EditTraces
import Foundation
import MarkdownRenderer
import TestSupport
import Testing

/// `mdpreview stdio` renders in worker processes, which end with it: a SIGKILLed server
/// leaves no worker behind. (One bad document among five is `BadDocumentIsolationTests`,
/// in the engine; killed renders leaking nothing is `RenderWorkerLeakTests`; the wire
/// events of failures are `StdioTranslationTests`.)
@Suite("mdpreview stdio: a bad document")
struct StdioBadDocumentTests {
    @Test("SIGKILL of the server during a render leaves no worker process behind")
    func serverKilled() throws {
        let session = try StdioSession(arguments: ["--render-workers", "2", "--render-timeout-ms", "60000"])
        let pid = session.process.processIdentifier
        session.send(["op": "open", "doc": "slow", "text": HostileMarkdown.quadraticInlines(repetitions: 100_000)])
        session.send(["op": "open", "doc": "fine", "text": "# fine\n"])
        #expect(session.wait(timeout: 30) { $0.lastRender["fine"] != nil })
        #expect(ProcessTable.eventually { ProcessTable.renderWorkers(startedBy: pid).count == 2 }, "both workers run")
        let workers = ProcessTable.renderWorkers(startedBy: pid)
        kill(pid, SIGKILL)
        _ = session.waitForExit()
        #expect(ProcessTable.eventually { ProcessTable.renderWorkers(startedBy: pid).isEmpty }, "workers \(workers) died with the server")
    }
}

/// The server keeps rendering when its executable is replaced or deleted while it runs
/// (an upgrade, `./dev install`): workers run the server's own binary.
@Suite("mdpreview stdio: its binary replaced while it runs")
struct StdioReplacedBinaryTests {
    @Test("the executable deleted after start: new workers still start and render")
    func deletedExecutable() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mdpreview-upgrade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("mdpreview")
        try FileManager.default.copyItem(at: try Subprocess.builtProduct("mdpreview"), to: copy)
        // One worker, killed by a deadline, so the next render needs a new one.
        let session = try StdioSession(executable: copy, arguments: ["--render-workers", "1", "--render-timeout-ms", "50", "--render-ms-per-kib", "0"])
        session.send(["op": "open", "doc": "a", "text": "# one\n"])
        #expect(session.wait(timeout: 30) { $0.lastRender["a"] != nil })
        try FileManager.default.removeItem(at: copy)
        session.send(["op": "open", "doc": "slow", "text": HostileMarkdown.quadraticInlines(repetitions: 100_000)])
        #expect(session.wait(timeout: 30) { $0.events.contains { $0["event"] as? String == "renderFailed" } })
        session.send(["op": "replace", "doc": "a", "text": "# two\n"])
        #expect(session.wait(timeout: 30) { $0.lastRender["a"]?["html"] as? String == "<h1>two</h1>\n" }, "\(session.events(named: "renderFailed"))")
        session.closeInput()
        #expect(session.waitForExit() == 0)
    }
}
