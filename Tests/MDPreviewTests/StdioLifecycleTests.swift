import Foundation
import MarkdownRenderer
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("mdpreview stdio: end of input, signals, closed stdout, crashes")
struct StdioLifecycleTests {
    func temporaryDirectory() throws -> URL {
        try FileManager.default.makeTemporaryFolder(prefix: "life")
    }

    @Test("SIGTERM and SIGINT: the final version is rendered and saved, then bye and exit 0", arguments: [SIGTERM, SIGINT])
    func signals(signalNumber: Int32) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("s.md").path
        let session = try StdioSession(arguments: ["--autosave-delay-ms", "600000", "--policy", "fixed-300"])
        session.send(["op": "open", "doc": "s", "text": "", "autosave": path])
        for (index, character) in "# Signal".enumerated() {
            session.send(["op": "edit", "doc": "s", "pos": index, "del": 0, "ins": String(character), "id": index + 1])
        }
        #expect(session.waitForAck(8))
        kill(session.process.processIdentifier, signalNumber)
        #expect(session.waitForExit() == 0, "stderr: \(session.stderrText)")
        #expect(session.snapshot.lastRender["s"]?["version"] as? Int == 8)
        #expect(session.snapshot.lastRender["s"]?["html"] as? String == "<h1>Signal</h1>\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "# Signal")
        #expect(session.events(named: "bye").count == 1)
    }

    @Test("a closed stdout (EPIPE) ends the process cleanly after flushing autosaves")
    func closedStdout() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("p.md").path
        let process = Process()
        process.executableURL = try Subprocess.builtProduct("mdpreview")
        process.arguments = ["stdio", "--autosave-delay-ms", "600000"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        func send(_ line: String) { try? input.fileHandleForWriting.write(contentsOf: Data((line + "\n").utf8)) }
        send(#"{"op":"open","doc":"p","text":"kept","autosave":"\#(path)","id":1}"#)
        // Read (on this thread only) until the open is acknowledged and rendered, then
        // close our end: the next event written (the edit's ack) meets EPIPE.
        var received = Data()
        let reader = output.fileHandleForReading
        while !(String(decoding: received, as: UTF8.self).contains(#""id":1"#) && String(decoding: received, as: UTF8.self).contains(#""event":"render""#)) {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            received.append(chunk)
        }
        try reader.close()
        send(#"{"op":"edit","doc":"p","pos":4,"del":0,"ins":" text","id":2}"#)
        send(#"{"op":"render","doc":"p","id":3}"#)
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "kept text")
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stderr.contains("standard output closed"), "\(stderr)")
    }

    /// The crash test: a child autosaving under a stream of edits is killed with SIGKILL
    /// at random moments; the autosave file must always be a complete version.
    @Test("SIGKILL at random moments never leaves a truncated or mixed autosave file")
    func crashDuringAutosave() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var random = SystemRandomNumberGenerator()
        // A 60 KB document; each edit rewrites a stretch so versions differ throughout.
        let base = (0..<1_500).map { "line \($0) of the base text\n" }.joined()
        var versions: Set<String> = [base]
        var text = Array(base.unicodeScalars)
        var edits: [[String: Any]] = []
        for index in 0..<400 {
            let position = (index * 977) % max(1, text.count - 40)
            let insert = "[edit \(index)]\n" + String(repeating: "x", count: index % 50)
            text.replaceSubrange(position..<(position + 10), with: insert.unicodeScalars)
            versions.insert(String(String.UnicodeScalarView(text)))
            edits.append(["op": "edit", "doc": "c", "pos": position, "del": 10, "ins": insert])
        }
        let runs = 50
        var kinds: [String: Int] = [:]
        // One file for every run: each run's open must remove what the killed run before
        // it left behind.
        let path = directory.appendingPathComponent("crash.md").path
        func leftovers() throws -> [String] {
            try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(".crash.md.") }
        }
        var removed = 0
        for run in 0..<runs {
            let before = try leftovers().count
            let session = try StdioSession(arguments: ["--autosave-delay-ms", "0"])
            session.send(["op": "open", "doc": "c", "text": base, "autosave": path, "id": 0])
            #expect(session.waitForAck(0))
            let left = try leftovers()
            #expect(left.isEmpty, "run \(run): temporary files of the killed run are left: \(left)")
            removed += before
            session.send(["op": "save", "doc": "c", "id": 1])
            #expect(session.waitForAck(1))
            let killAfter = Int.random(in: 0..<edits.count, using: &random)
            for (index, edit) in edits.enumerated() {
                session.send(edit)
                if index == killAfter {
                    usleep(UInt32.random(in: 0..<3_000, using: &random))
                    kill(session.process.processIdentifier, SIGKILL)
                    break
                }
            }
            _ = session.waitForExit()
            let onDisk = try String(contentsOfFile: path, encoding: .utf8)
            #expect(versions.contains(onDisk), "run \(run): the file is not a complete version (\(onDisk.utf8.count) bytes)")
            kinds[onDisk == base ? "base" : "later", default: 0] += 1
        }
        print("crash test: \(runs) SIGKILLs, file versions found: \(kinds), temporary files of killed saves removed on the next open: \(removed)")
        #expect(kinds["later", default: 0] > 0, "some runs saved a later version before the kill")
    }
}

@Suite("Neovim plugin end to end")
struct NeovimEndToEndTests {
    @Test("real headless Neovim types into buffers; mdpreview's events match the buffer text", .enabled(if: SharedData.isCI || Subprocess.which("nvim") != nil, "needs nvim (Debian's neovim)"))
    func neovim() throws {
        try runAgainstServer(script: "e2e.lua", marker: "e2e: ok")
    }

    @Test("a buffer whose renders fail: announced, paused, and rendered again once the text shrinks", .enabled(if: SharedData.isCI || Subprocess.which("nvim") != nil, "needs nvim (Debian's neovim)"))
    func pausedPreview() throws {
        try runAgainstServer(script: "paused.lua", marker: "paused: ok")
    }

    @Test(":MdPreviewOpen starts the live page, prints its URL, follows typing and the page's reveal requests", .enabled(if: SharedData.isCI || Subprocess.which("nvim") != nil, "needs nvim (Debian's neovim)"))
    func livePage() throws {
        try runAgainstServer(script: "http.lua", marker: "http: ok")
    }

    /// Runs `Editors/nvim/test/SCRIPT` in headless Neovim against this build's mdpreview.
    private func runAgainstServer(script name: String, marker: String) throws {
        guard let nvim = Subprocess.which("nvim") else {
            if SharedData.isCI { Issue.record("nvim is not installed (./dev installs Debian's neovim)") }
            return
        }
        let mdpreview = try Subprocess.builtProduct("mdpreview")
        let script = SharedData.packageRoot.appendingPathComponent("Editors/nvim/test/\(name)").path
        var environment = ProcessInfo.processInfo.environment
        environment["MDPREVIEW_CMD"] = mdpreview.path
        let result = try Subprocess.run(nvim, ["--headless", "-u", "NONE", "-i", "NONE", "-c", "luafile \(script)"], environment: environment)
        let output = result.stdoutText + result.stderrText
        #expect(result.status == 0, "\(output)")
        #expect(output.contains(marker), "\(output)")
        print(output.split(separator: "\n").filter { $0.contains(marker.prefix(while: { $0 != ":" })) }.joined(separator: "\n"))
    }

    @Test("the plugin's edit reconstruction matches the buffer over random edits", .enabled(if: SharedData.isCI || Subprocess.which("nvim") != nil, "needs nvim (Debian's neovim)"))
    func editReconstruction() throws {
        guard let nvim = Subprocess.which("nvim") else {
            if SharedData.isCI { Issue.record("nvim is not installed") }
            return
        }
        let script = SharedData.packageRoot.appendingPathComponent("Editors/nvim/test/edits.lua").path
        let result = try Subprocess.run(nvim, ["--headless", "-u", "NONE", "-i", "NONE", "-c", "luafile \(script)"])
        let output = result.stdoutText + result.stderrText
        #expect(result.status == 0, "\(output)")
        #expect(output.contains("edits: ok"), "\(output)")
    }
}
