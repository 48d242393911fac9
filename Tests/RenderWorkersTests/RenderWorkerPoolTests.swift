import Foundation
import MarkdownRenderer
import Primitives
@testable import RenderWorkers
import TestSupport
import Testing

/// A pool of `mdpreview render-worker` processes: the same HTML as in process, reuse,
/// replacement of dead workers, the limits, shutdown.
@Suite("render workers: the pool")
struct RenderWorkerPoolTests {
    static func pool(workers: Int = 2, limits: RenderLimits = RenderLimits()) throws -> RenderWorkerPool {
        RenderWorkerPool(executable: try Subprocess.builtProduct("mdpreview").path, workerCount: workers, limits: limits)
    }

    @Test("the same HTML as MarkdownRenderer in process, for any bytes and options")
    func sameOutput() throws {
        let pool = try Self.pool()
        defer { pool.shutdown() }
        var options = RenderOptions.default
        options.smartPunctuation = true
        options.sourcePositions = true
        let inputs: [[UInt8]] = [
            Array("# Title\n\n| a | b |\n|---|---|\n| 1 | ~~2~~ |\n\n- [x] done www.example.com\n\n\"quoted\" -- text[^1]\n\n[^1]: note\n".utf8),
            [0x23, 0x20, 0xFF, 0x00, 0x41, 0x0A, 0xC3],
            [],
            Array(HostileMarkdown.quadraticInlines(repetitions: 200).utf8),
            Array(String(repeating: "paragraph with *emphasis* and `code`\n\n", count: 40_000).utf8),   // 1.5 MB, beyond a pipe buffer
        ]
        for input in inputs {
            for options in [RenderOptions.default, options] {
                let isolated = try input.withUnsafeBytes { try pool.renderUTF8($0, options: options) }
                #expect(isolated == MarkdownRenderer(options: options).renderUTF8(bytes: input))
            }
        }
        #expect(try pool.render("*é*", options: .default) == "<p><em>é</em></p>\n")
    }

    @Test("workers are started lazily and reused: 50 renders in a row start one")
    func reuse() throws {
        let pool = try Self.pool()
        defer { pool.shutdown() }
        #expect(pool.counters.started == 0, "nothing starts before the first render")
        for index in 0..<50 { _ = try pool.render("# \(index)\n", options: .default) }
        #expect(pool.counters.started == 1)
        #expect(pool.counters.rendered == 50)
        #expect(pool.workerProcessIDs.count == 1)
    }

    @Test("a worker parses blocks as the renderer does, and serves HTML and blocks in turn")
    func blocks() throws {
        let pool = try Self.pool()
        defer { pool.shutdown() }
        for index in 0..<20 {
            let text = "# \(index)\n\n- a\n- b\n\nx[^1]\n\n[^1]: note \(index)\n| a |\n|---|\n"
            var bytes = Array(text.utf8)
            let parse = try bytes.withUnsafeMutableBytes { try pool.parseBlocks(UnsafeRawBufferPointer($0), options: .default) }
            #expect(parse == MarkdownRenderer().parseBlocks(text))
            #expect(try pool.render(text, options: .default) == MarkdownRenderer().render(text))
        }
        #expect(pool.counters.started == 1)
        #expect(pool.workerProcessIDs.count == 1)
    }

    @Test("renders at once run in separate workers, never more than the count")
    func concurrent() throws {
        let pool = try Self.pool(workers: 2)
        defer { pool.shutdown() }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<25 {
                let text = "# \(thread) \(index)\n\nwww.example.com *x*\n"
                do {
                    let html = try pool.render(text, options: .default)
                    if html != MarkdownRenderer().render(text) { failures.add("wrong HTML for \(text)") }
                } catch {
                    failures.add("\(error)")
                }
            }
        }
        #expect(failures.all.isEmpty)
        #expect(pool.counters.started <= 2 && pool.counters.rendered == 200)
    }

    @Test("a render past its deadline (by the pool's clock) is killed with a timeout and reaped; the next render gets a new worker")
    func deadline() throws {
        let workers = try HangingWorkers(limits: RenderLimits(baseDeadline: .milliseconds(300), deadlinePerKiB: .milliseconds(1)))
        let pool = workers.pool
        defer { pool.shutdown() }
        _ = try pool.render("warm", options: .default)
        let stuck = BackgroundRender(on: pool, HangingWorkers.document)
        let worker = try #require(workers.waitForRequests(2))
        workers.clock.advance(by: .milliseconds(299))
        #expect(!stuck.hasEnded, "one millisecond before its deadline it still runs")
        #expect(ProcessTable.children().contains(worker))
        workers.clock.advance(by: .milliseconds(1))
        #expect(stuck.outcome() == "\(RenderFailure.timeout(deadline: .milliseconds(300)))")
        #expect(pool.workerProcessIDs.isEmpty, "the killed worker is gone")
        #expect(!ProcessTable.children().contains(worker), "and reaped")
        #expect(try pool.render("ok", options: .default) == "<p>ok</p>\n")
        #expect(pool.counters.started == 2 && pool.counters.failed == 1)
        // The deadline grows with the input: 2 KiB more, 2 ms more.
        let large = BackgroundRender(on: pool, HangingWorkers.document + String(repeating: "x", count: 2048))
        _ = try #require(workers.waitForRequests(4))
        workers.clock.advance(by: .milliseconds(301))
        #expect(!large.hasEnded)
        workers.clock.advance(by: .milliseconds(1))
        #expect(large.outcome() == "\(RenderFailure.timeout(deadline: .milliseconds(302)))")
    }

    @Test("the github profile's bad inputs in a worker: the in-process HTML, and the limits still hold")
    func githubProfileBadInputs() throws {
        // A deadline no input here comes near on an idle machine, far from any under a
        // sanitizer: this part checks the output, the tight pool below the limit.
        let pool = try Self.pool(workers: 1, limits: RenderLimits(baseDeadline: .seconds(300)))
        defer { pool.shutdown() }
        let github = RenderOptions(profile: .github)
        let inputs = [
            "$" + String(repeating: "a", count: 1000) + "\n",                       // unterminated
            String(repeating: "$", count: 10_000) + "\n",
            "$$\n" + String(repeating: "x^2 + ", count: 40_000) + "\n$$\n",      // a 240 KB math block (1 MB: GitHubProfileTests)
            "---\ntitle: x\n" + String(repeating: "key: value\n", count: 100) + "# no closing line\n",
            "---\n" + String(repeating: "k: v\n", count: 50_000) + "---\n",        // a 250 KB front matter (1 MB: GitHubProfileTests)
            String(repeating: "# Same\n\n", count: 10_000),                        // 10,000 colliding slugs
            String(repeating: "<div>", count: 20_000) + "x\n",                     // deep raw HTML, never closed
            XSSPayloads.document,
        ]
        for input in inputs {
            #expect(try pool.render(input, options: github) == MarkdownRenderer(options: github).render(input), "\(input.prefix(40))")
        }
        let tight = try HangingWorkers(limits: RenderLimits(baseDeadline: .milliseconds(300), deadlinePerKiB: .zero))
        defer { tight.pool.shutdown() }
        let stuck = BackgroundRender(on: tight.pool, HangingWorkers.document, options: github)
        _ = try #require(tight.waitForRequests(1))
        tight.clock.advance(by: .milliseconds(300))
        #expect(stuck.outcome() == "\(RenderFailure.timeout(deadline: .milliseconds(300)))")
        #expect(try tight.pool.render("# ok\n", options: github).contains(#"id="ok""#))
    }

    @Test("a render over the memory cap fails with .memory")
    func memoryCap() throws {
        let pool = try Self.pool(limits: RenderLimits(baseDeadline: .seconds(120), memoryLimit: 300 << 20))
        defer { pool.shutdown() }
        #expect(throws: RenderFailure.memory(limit: 300 << 20)) { try pool.render(HostileMarkdown.tableBomb(columns: 3000), options: .default) }
        #expect(try pool.render("ok", options: .default) == "<p>ok</p>\n")
    }

    @Test("a worker killed while idle is replaced without failing the next render")
    func killedWhileIdle() throws {
        let pool = try Self.pool(workers: 1)
        defer { pool.shutdown() }
        _ = try pool.render("first", options: .default)
        let first = try #require(pool.workerProcessIDs.first)
        kill(first, SIGKILL)
        #expect(ProcessTable.eventually { ProcessTable.isZombie(first) }, "it has exited (and waits to be reaped)")
        #expect(try pool.render("second", options: .default) == "<p>second</p>\n")
        #expect(pool.counters.failed == 0 && pool.counters.started == 2)
        #expect(!pool.workerProcessIDs.contains(first))
    }

    @Test("a worker killed during a render: that render fails with .crash, the pool goes on")
    func crashDuringRender() throws {
        let workers = try HangingWorkers()
        defer { workers.pool.shutdown() }
        let stuck = BackgroundRender(on: workers.pool, HangingWorkers.document)
        let worker = try #require(workers.waitForRequests(1))
        kill(worker, SIGKILL)
        let outcome = stuck.outcome()
        #expect(outcome.contains("killed by signal 9"), "\(outcome)")
        #expect(try workers.pool.render("after", options: .default) == "<p>after</p>\n")
    }

    @Test("shutdown ends a running render at once and refuses later ones")
    func shutdownDuringRender() throws {
        let workers = try HangingWorkers()
        let pool = workers.pool
        let stuck = BackgroundRender(on: pool, HangingWorkers.document)
        let worker = try #require(workers.waitForRequests(1))
        pool.shutdown()
        #expect(stuck.outcome() == "the render worker failed: the render workers were shut down")
        #expect(throws: RenderFailure.crash("the render workers were shut down")) { try pool.render("late", options: .default) }
        #expect(!ProcessTable.children().contains(worker), "killed and reaped")
    }

    /// A render on a thread of its own, and how it ended.
    final class BackgroundRender: Sendable {
        private let result = Locked<String?>(nil)

        init(on pool: RenderWorkerPool, _ markdown: String, options: RenderOptions = .default) {
            Thread { [result] in
                let ended: String
                do { ended = "rendered: " + (try pool.render(markdown, options: options)) } catch { ended = "\(error)" }
                result.withLock { $0 = ended }
                result.broadcast()
            }.start()
        }

        /// Whether the render has ended (by now).
        var hasEnded: Bool { result.withLock { $0 != nil } }

        /// How it ended: the HTML after "rendered: ", or the failure's description. Waits
        /// for the end (two minutes of real time at most: a safety net).
        func outcome() -> String {
            result.withLock(waitingUntil: { $0 != nil }, deadline: MonotonicInstant.now.advanced(by: .seconds(120))) { result, _ in
                result ?? "still running after two minutes"
            }
        }
    }
}

/// Messages collected from several threads.
final class Failures: Sendable {
    private let messages = LockedMessages()
    func add(_ message: String) { messages.append(message) }
    var all: [String] { messages.all }
}

private final class LockedMessages: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func append(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
