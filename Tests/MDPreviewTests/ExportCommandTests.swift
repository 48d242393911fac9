import Foundation
import Testing
import TestSupport

/// `mdpreview export`: the site, its progress, its exit codes, Ctrl-C and SIGKILL.
@Suite("mdpreview export")
struct ExportCommandTests {
    /// A running `mdpreview export`, its standard error read line by line.
    final class Export: @unchecked Sendable {
        let process = Process()
        private let errors = Pipe()
        private let lines = NSLock()
        private var text = ""
        private let ended = DispatchSemaphore(value: 0)

        init(_ arguments: [String], in folder: String) throws {
            process.executableURL = try Subprocess.builtProduct("mdpreview")
            process.arguments = ["export"] + arguments
            process.currentDirectoryURL = URL(fileURLWithPath: folder)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            try process.run()
            Thread { [self] in
                while case let data = errors.fileHandleForReading.availableData, !data.isEmpty {
                    lines.withLock { text += String(decoding: data, as: UTF8.self) }
                }
                ended.signal()
            }.start()
        }

        var stderr: String { lines.withLock { text } }

        /// Waits (up to 60 s) until standard error holds `fragment`.
        func waitForOutput(_ fragment: String) -> Bool {
            ProcessTable.eventually(within: .seconds(60)) { self.stderr.contains(fragment) }
        }

        /// Waits for the exit and the end of standard error; returns the status.
        func finish() -> Int32 {
            process.waitUntilExit()
            ended.wait()
            return process.terminationStatus
        }
    }

    private func run(_ arguments: [String], in folder: String) throws -> (status: Int32, stderr: String) {
        let export = try Export(arguments, in: folder)
        let status = export.finish()
        return (status, export.stderr)
    }

    @Test("the shared corpus: progress on stderr, exit 0, every page equal to `render --page --site-links` of its file",
          .enabled(if: SharedData.runsTests(needing: "corpus")))
    func corpus() throws {
        guard let corpus = try SharedData.folder("corpus") else { return }
        let folder = try TemporaryFolder()
        // A deadline no page comes near, loaded or not: this test checks the pages (the limits: `limits`).
        let (status, stderr) = try run([corpus.path, "--out", "site", "--render-timeout-ms", "300000"], in: folder.path)
        #expect(status == 0, "\(stderr)")
        #expect(stderr.contains("export: 0%") && stderr.contains("export: 100%"), "\(stderr)")
        let markdown = try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0.hasSuffix(".md") }.sorted()
        #expect(stderr.contains("wrote \(markdown.count) pages"))
        #expect(markdown.count >= 10)
        for name in markdown {
            let render = Process()
            render.executableURL = try Subprocess.builtProduct("mdpreview")
            render.arguments = ["render", "--page", "--site-links", name]
            render.currentDirectoryURL = corpus
            let output = Pipe()
            render.standardOutput = output
            try render.run()
            let expected = output.fileHandleForReading.readDataToEndOfFile()
            render.waitUntilExit()
            let page = FileManager.default.contents(atPath: folder.path + "/site/" + name.dropLast(3) + ".html")
            #expect(page == expected, "\(name)")
        }
        #expect(folder.read("site/index.html")?.contains("<li><a href=\"README.html\">") == true)
    }

    @Test("exit codes: 66 missing source, 64 one folder inside the other, 73 a folder that is not an export's, 65 failed pages")
    func exitCodes() throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/good.md", "# Good\n")
        try folder.write("mine/keep.txt", "mine")
        #expect(try run(["missing", "--out", "site"], in: folder.path).status == 66)
        #expect(try run(["docs", "--out", "docs/site"], in: folder.path).status == 64)
        #expect(try run(["docs", "--out", "mine"], in: folder.path).status == 73)
        #expect(folder.read("mine/keep.txt") == "mine")
        try folder.write("docs/slow.md", bytes: Array(HostileMarkdown.quadraticInlines(repetitions: 100_000).utf8))
        let limits = ["--render-timeout-ms", "300", "--render-ms-per-kib", "0"]
        let strict = try run(["docs", "--out", "site", "--strict"] + limits, in: folder.path)
        #expect(strict.status == 65 && strict.stderr.contains("slow.md"), "\(strict.stderr)")
        #expect(folder.entries() == ["docs", "mine"], "strict: nothing written")
        let lenient = try run(["docs", "--out", "site"] + limits, in: folder.path)
        #expect(lenient.status == 65 && lenient.stderr.contains("mdpreview: slow.md: "), "\(lenient.stderr)")
        #expect(folder.files(under: "site").filter { !$0.hasPrefix("_mdpreview/") } == [".mdpreview-export", "good.html", "index.html"])
    }

    /// A source whose first page takes 75 s to parse (deadline 120 s), so an export is
    /// surely in its middle when the test interrupts it; and an earlier export of it.
    private func slowSource() throws -> TemporaryFolder {
        let folder = try TemporaryFolder()
        try folder.write("docs/b.md", "# B\n")
        #expect(try run(["docs", "--out", "site"], in: folder.path).status == 0)
        try folder.write("docs/a-slow.md", bytes: Array(HostileMarkdown.quadraticInlines(repetitions: 100_000).utf8))
        return folder
    }

    private let slowLimits = ["--render-timeout-ms", "120000", "--render-ms-per-kib", "0", "--render-workers", "1"]

    @Test("Ctrl-C mid-export: the render in progress is stopped, exit 130 at once, the destination is as it was, nothing left behind")
    func interrupt() throws {
        let folder = try slowSource()
        let before = folder.files(under: "site").map { folder.read("site/" + $0) }
        let export = try Export(["docs", "--out", "site"] + slowLimits, in: folder.path)
        #expect(export.waitForOutput("export: 0%"))
        #expect(ProcessTable.eventually(within: .seconds(30)) { !ProcessTable.renderWorkers(startedBy: export.process.processIdentifier).isEmpty })
        kill(export.process.processIdentifier, SIGINT)
        let status = export.finish()
        #expect(status == 130, "\(export.stderr)")
        #expect(export.stderr.contains("export cancelled"))
        #expect(folder.files(under: "site").map { folder.read("site/" + $0) } == before)
        #expect(folder.entries() == ["docs", "site"], "no temporary folder left")
        #expect(ProcessTable.renderWorkers(startedBy: export.process.processIdentifier).isEmpty)
    }

    @Test("SIGKILL mid-export: the destination is untouched; the next export removes the abandoned folder")
    func killed() throws {
        let folder = try slowSource()
        let before = folder.files(under: "site").map { folder.read("site/" + $0) }
        let export = try Export(["docs", "--out", "site"] + slowLimits, in: folder.path)
        #expect(export.waitForOutput("export: 0%"))
        let pid = export.process.processIdentifier
        #expect(ProcessTable.eventually(within: .seconds(30)) { !ProcessTable.renderWorkers(startedBy: pid).isEmpty })
        kill(pid, SIGKILL)
        _ = export.finish()
        #expect(folder.files(under: "site").map { folder.read("site/" + $0) } == before)
        #expect(folder.entries().filter { $0.hasPrefix(".site.mdpreview-\(pid)-") }.count == 1, "the killed export's folder is beside the site")
        #expect(ProcessTable.eventually(within: .seconds(10)) { ProcessTable.renderWorkers(startedBy: pid).isEmpty }, "its worker died with it")
        try FileManager.default.removeItem(atPath: folder.path + "/docs/a-slow.md")
        try folder.write("docs/c.md", "# C\n")
        #expect(try run(["docs", "--out", "site"], in: folder.path).status == 0)
        #expect(folder.entries() == ["docs", "site"])
        #expect(folder.files(under: "site").filter { !$0.hasPrefix("_mdpreview/") } == [".mdpreview-export", "b.html", "c.html", "index.html"])
    }
}
