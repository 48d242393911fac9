import Foundation
import MarkdownRenderer
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("mdpreview stdio: the user's text is never lost")
struct StdioDataSafetyTests {
    func temporaryDirectory() throws -> URL {
        try FileManager.default.makeTemporaryFolder(prefix: "safety")
    }

    func errors(_ session: StdioSession) -> [[String: Any]] { session.events(named: "error") }

    /// Opens "a" holding "abc", sends `lines` in one write (so the whole group is waiting
    /// when its first line is read), then ends the input and waits for exit 0.
    func runTransaction(_ lines: [String]) throws -> StdioSession {
        let session = try StdioSession(inProcess: [])
        session.send(#"{"op":"open","doc":"a","text":"abc","id":1}"#)
        #expect(session.waitForAck(1))
        session.sendRaw(Data(lines.map { $0 + "\n" }.joined().utf8))
        session.closeInput()
        #expect(session.waitForExit() == 0)
        return session
    }

    @Test("an autosave or save path with a NUL, ending in '/', or naming a directory is invalid_value; nothing is written")
    func badPaths() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let victim = directory.appendingPathComponent("victim").path
        try Data("precious".utf8).write(to: URL(fileURLWithPath: victim))
        let session = try StdioSession(inProcess: [])
        session.send(#"{"op":"open","doc":"a","text":"x","autosave":"\#(victim)\u0000.md","id":1}"#)
        session.send(#"{"op":"open","doc":"b","text":"x","id":2}"#)
        session.send(#"{"op":"save","doc":"b","path":"\#(victim)\u0000.md","id":3}"#)
        session.send(#"{"op":"save","doc":"b","path":"\#(directory.path)","id":4}"#)
        session.send(#"{"op":"save","doc":"b","path":"\#(directory.path)/","id":5}"#)
        session.send(#"{"op":"shutdown","id":6}"#)
        #expect(session.waitForExit() == 0)
        let found = errors(session)
        #expect(found.map { $0["id"] as? Int } == [1, 3, 4, 5])
        #expect(found.allSatisfy { $0["code"] as? String == "invalid_value" })
        #expect(found.map { $0["field"] as? String } == ["autosave", "path", "path", "path"])
        #expect(session.events(named: "saved").isEmpty)
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["victim"])
    }

    @Test("a transaction whose continuation line cannot be decoded applies no line at all; the error names that line")
    func transactionDecodeFailure() throws {
        let session = try runTransaction([
            #"{"op":"edit","doc":"a","pos":0,"del":0,"ins":"H1","id":10}"#,
            #"{"op":"edit","doc":"a","pos":"zero","del":0,"ins":"H2","c":1,"id":11}"#,
            #"{"op":"edit","doc":"a","pos":0,"del":0,"ins":"H3","c":1,"id":12}"#,
            #"{"op":"edit","doc":"a","pos":3,"del":0,"ins":"!","id":13}"#,
        ])
        let found = errors(session)
        let failing = try #require(found.first { $0["id"] as? Int == 11 })
        #expect(failing["code"] as? String == "wrong_type")
        #expect(failing["line"] as? Int == 3)
        #expect(found.filter { $0["code"] as? String == "transaction_failed" }.compactMap { $0["id"] as? Int }.sorted() == [10, 12])
        #expect(session.events(named: "ack").first { $0["id"] as? Int == 13 }?["version"] as? Int == 1)
        #expect(session.snapshot.lastRender["a"]?["html"] as? String == "<p>abc!</p>\n")
    }

    @Test("a transaction whose later line does not apply: nothing applied, the error names the failing line")
    func transactionApplyFailure() throws {
        let session = try runTransaction([
            #"{"op":"edit","doc":"a","pos":0,"del":0,"ins":"H1","id":10}"#,
            #"{"op":"edit","doc":"a","pos":0,"del":0,"ins":"H2","c":1,"id":11}"#,
            #"{"op":"edit","doc":"a","pos":99,"del":0,"ins":"H3","c":1,"id":12}"#,
        ])
        let found = errors(session)
        let failing = try #require(found.first { $0["id"] as? Int == 12 })
        #expect(failing["code"] as? String == "out_of_range")
        #expect(failing["line"] as? Int == 4)
        #expect(found.filter { $0["code"] as? String == "transaction_failed" }.compactMap { $0["id"] as? Int }.sorted() == [10, 11])
        #expect(session.snapshot.lastRender["a"]?["html"] as? String == "<p>abc</p>\n")
        #expect(session.snapshot.lastRender["a"]?["version"] as? Int == 0)
    }

    @Test("a failed final save: exit status 74, the document named on stderr, its text in a recovery file")
    func failedFinalSave() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A regular file where a folder should be: every write below it fails (ENOTDIR),
        // also for root.
        let blocker = directory.appendingPathComponent("not-a-folder")
        try Data().write(to: blocker)
        let target = blocker.appendingPathComponent("doc.md").path
        let session = try StdioSession(arguments: ["--autosave-delay-ms", "600000"], environment: ["TMPDIR": directory.path])
        session.send(["op": "open", "doc": "notes", "text": "unsaved thoughts", "autosave": target, "id": 1])
        session.send(["op": "open", "doc": "fine", "text": "saved", "autosave": directory.appendingPathComponent("fine.md").path, "id": 2])
        #expect(session.waitForAck(2))
        session.closeInput()
        #expect(session.waitForExit() == 74)
        let stderr = session.stderrText
        #expect(stderr.contains("NOT SAVED: document 'notes' (version 0) to \(target)"), "stderr: \(stderr)")
        #expect(!stderr.contains("'fine'"))
        let recovery = directory.appendingPathComponent("mdpreview-\(session.process.processIdentifier)-notes.recovered").path
        #expect(stderr.contains(recovery))
        #expect(try String(contentsOfFile: recovery, encoding: .utf8) == "unsaved thoughts")
        #expect(try String(contentsOfFile: directory.appendingPathComponent("fine.md").path, encoding: .utf8) == "saved")
        #expect(session.events(named: "bye").count == 1)
    }

    @Test("SIGTERM during a slow render: every document is saved at once, the slow render is not repeated, exit 0")
    func sigtermDuringSlowRender() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Quadratic in libcmark-gfm 0.29: about 4 s here for 300 KB.
        let slowText = String(repeating: "![[]()", count: 50_000)
        let session = try StdioSession(arguments: ["--autosave-delay-ms", "600000", "--shutdown-timeout-ms", "300"])
        session.send(["op": "open", "doc": "slow", "text": slowText, "autosave": directory.appendingPathComponent("slow.md").path, "id": 1])
        session.send(["op": "open", "doc": "b", "text": "# b", "autosave": directory.appendingPathComponent("b.md").path, "id": 2])
        session.send(["op": "edit", "doc": "slow", "pos": 0, "del": 0, "ins": "x", "id": 3])
        session.send(["op": "edit", "doc": "b", "pos": 3, "del": 0, "ins": "!", "id": 4])
        #expect(session.waitForAck(4))
        kill(session.process.processIdentifier, SIGTERM)
        #expect(session.waitForExit() == 0, "stderr: \(session.stderrText)")
        #expect(try String(contentsOfFile: directory.appendingPathComponent("slow.md").path, encoding: .utf8) == "x" + slowText)
        #expect(try String(contentsOfFile: directory.appendingPathComponent("b.md").path, encoding: .utf8) == "# b!")
        // b's final render may wait behind the slow one for the process-wide parse lock.
        let undelivered = session.stderrText.split(separator: "\n").first { $0.contains("final render not delivered in time for: ") }
        #expect(undelivered?.split(separator: ":").last?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.contains("slow") == true,
                "stderr: \(session.stderrText)")
        #expect(session.snapshot.lastRender["slow"] == nil)
    }
}

@Suite("mdpreview stdio: a reader that stops reading")
struct StdioStalledReaderTests {
    @Test("stdout not read while 300 edits of a 600 KB document render: stale renders are dropped, not queued; then the latest version comes at once")
    func stalledReader() throws {
        // 600 KB of our own Markdown: each render is about 700 KB of HTML.
        let base = (0..<6_000).map { "Paragraph \($0) with *some* text and a [link](https://example.com/\($0)).\n\n" }.joined()
        let process = Process()
        process.executableURL = try Subprocess.builtProduct("mdpreview")
        process.arguments = ["stdio", "--policy", "every-keystroke", "--autosave-delay-ms", "600000"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        func send(_ object: [String: Any]) {
            let data = try! JSONSerialization.data(withJSONObject: object)
            try? input.fileHandleForWriting.write(contentsOf: data + Data("\n".utf8))
        }
        send(["op": "open", "doc": "big", "text": base])
        // Paced like fast typing, so renders finish between edits and each one is news.
        for index in 0..<300 {
            send(["op": "edit", "doc": "big", "pos": index, "del": 0, "ins": "k"])
            usleep(10_000)
        }
        try input.fileHandleForWriting.close()

        let received = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let events = received.split(separator: 0x0A).compactMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
        let renders = events.filter { $0["event"] as? String == "render" }
        #expect(process.terminationStatus == 0)
        #expect(renders.last?["version"] as? Int == 300, "the latest version arrives")
        #expect(renders.count <= 6, "stale renders were dropped, not queued: \(renders.count) sent")
    }
}
