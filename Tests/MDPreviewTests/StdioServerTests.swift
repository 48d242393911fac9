import Foundation
import TestSupport
import Testing

/// The stdio server as a library, in this process: what a signal handler does
/// (`finish(reason:)` from another thread while `run()` waits for input).
@Suite("PreviewStdio: the server in process")
struct StdioServerTests {
    @Test("finish from another thread while run() waits for input: the document is saved, bye is written, both callers get status 0")
    func finishFromAnotherThread() throws {
        let directory = try TemporaryFolder()
        let file = directory.path + "/notes.md"
        let session = try StdioSession(inProcess: ["--in-process", "--autosave-delay-ms", "600000"])
        session.send(["op": "open", "doc": "notes", "text": "# One\n", "autosave": file, "id": 1])
        session.send(["op": "edit", "doc": "notes", "pos": 5, "del": 0, "ins": " two", "id": 2])
        #expect(session.waitForAck(2))
        let server = try #require(session.server)
        #expect(server.finish(reason: "test") == 0)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "# One two\n", "saved before bye")
        #expect(session.wait { $0.events.contains { $0["event"] as? String == "bye" } })
        #expect(server.finish(reason: "again") == 0, "a second caller gets the same status")
        session.send(["op": "edit", "doc": "notes", "pos": 0, "del": 0, "ins": "x", "id": 3])
        session.closeInput()
        #expect(session.waitForExit() == 0, "run() returns the status too")
        #expect(!session.events(named: "ack").contains { $0["id"] as? Int == 3 }, "nothing is applied after finishing")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "# One two\n")
        #expect(session.stderrText.contains("shutting down: test"))
    }
}
