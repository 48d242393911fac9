import Foundation
import TestSupport
import Testing

/// `mdpreview render` parses in a worker process with a deadline and a memory cap.
@Suite("mdpreview render: limits")
struct RenderLimitsTests {
    func mdpreview(_ arguments: [String], input: [UInt8]) throws -> ProcessResult {
        try Subprocess.run(try Subprocess.builtProduct("mdpreview"), arguments, input: Data(input))
    }

    static func quadraticInlines(repetitions: Int) -> [UInt8] { Array(HostileMarkdown.quadraticInlines(repetitions: repetitions).utf8) }

    static func tableBomb(columns: Int) -> [UInt8] { Array(HostileMarkdown.tableBomb(columns: columns).utf8) }

    @Test("a document slower than the deadline: stopped in time, named on stderr, exit 65, nothing on stdout")
    func deadline() throws {
        let input = try Self.temporaryFile(Self.quadraticInlines(repetitions: 100_000))
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = try Subprocess.builtProduct("mdpreview")
        process.arguments = ["render", "--timeout-ms", "500", input.path]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 65)
        #expect(stdout.isEmpty)
        #expect(stderr.contains("longer than its deadline"), "the 75-second parse was stopped by its deadline")
        #expect(ProcessTable.renderWorkers(startedBy: process.processIdentifier).isEmpty, "the killed worker was reaped")
    }

    static func temporaryFile(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mdpreview-slow-\(UUID().uuidString).md")
        try Data(bytes).write(to: url)
        return url
    }

    @Test("a document that needs more memory than the cap: stopped, exit 65, nothing on stdout")
    func memoryCap() throws {
        let result = try mdpreview(["render", "--memory-limit-mb", "300", "--timeout-ms", "120000"], input: Self.tableBomb(columns: 3000))
        #expect(result.status == 65)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains("memory cap"))
    }

    @Test("ordinary documents render identically in the worker and in process, invalid UTF-8 included")
    func sameOutput() throws {
        let inputs: [[UInt8]] = [
            Array("# Title\n\n| a | b |\n|---|---|\n| 1 | ~~2~~ |\n\n- [x] done www.example.com\n".utf8),
            [0x23, 0x20, 0xFF, 0x00, 0x41, 0x0A],
            [],
            Self.quadraticInlines(repetitions: 200),
        ]
        for input in inputs {
            let isolated = try mdpreview(["render", "--smart"], input: input)
            let inProcess = try mdpreview(["render", "--smart", "--in-process"], input: input)
            #expect(isolated.status == 0 && inProcess.status == 0)
            #expect(isolated.stdout == inProcess.stdout)
        }
    }

    @Test("limits that are not positive are usage errors (exit 64) with nothing on stdout", arguments: [
        ["--timeout-ms", "0"], ["--timeout-ms", "-5"], ["--memory-limit-mb", "0"], ["--memory-limit-mb", "-1"],
        ["--memory-limit-mb", "99999999999999"],
    ])
    func badLimits(_ flags: [String]) throws {
        let result = try mdpreview(["render"] + flags, input: Array("# Hi\n".utf8))
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        #expect(result.stderrText.contains(flags[0]))
    }

    @Test("a worker whose parent is not the one named refuses to serve")
    func orphanRefuses() throws {
        let result = try mdpreview(["render-worker", "--parent", "1"], input: [])
        #expect(result.status == 71)
        #expect(result.stderrText.contains("orphaned"))
    }

    @Test("SIGKILL of mdpreview during a render leaves no worker behind")
    func parentKilled() throws {
        let input = try Self.temporaryFile(Self.quadraticInlines(repetitions: 100_000))
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = try Subprocess.builtProduct("mdpreview")
        process.arguments = ["render", "--timeout-ms", "60000", input.path]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var workers: [Int32] = []
        try #require(ProcessTable.eventually(within: .seconds(20)) {
            workers = ProcessTable.renderWorkers(startedBy: process.processIdentifier)
            return !workers.isEmpty
        }, "the worker started")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        // The worker was reparented when its parent died, so look for it by id.
        func alive() -> Bool { workers.contains { FileManager.default.fileExists(atPath: "/proc/\($0)/cmdline") && !ProcessTable.isZombie($0) } }
        #expect(ProcessTable.eventually(within: .seconds(20)) { !alive() }, "the worker died with its parent")
    }
}
