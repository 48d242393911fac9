import Foundation
import MarkdownRenderer
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

    @Test("a render past its deadline is killed with a timeout; the next render gets a new worker")
    func deadline() throws {
        let pool = try Self.pool(workers: 1, limits: RenderLimits(baseDeadline: .milliseconds(300), deadlinePerKiB: .zero))
        defer { pool.shutdown() }
        _ = try pool.render("warm", options: .default)
        let worker = try #require(pool.workerProcessIDs.first)
        let slow = HostileMarkdown.quadraticInlines(repetitions: 100_000)   // 600 KB: about 20 s
        let start = ContinuousClock.now
        #expect(throws: RenderFailure.timeout(deadline: .milliseconds(300))) { try pool.render(slow, options: .default) }
        #expect(start.duration(to: .now) < .seconds(5))
        #expect(pool.workerProcessIDs.isEmpty, "the killed worker is gone")
        #expect(!ProcessTable.children().contains(worker), "and reaped")
        #expect(try pool.render("ok", options: .default) == "<p>ok</p>\n")
        #expect(pool.counters.started == 2 && pool.counters.failed == 1)
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
        let tight = try Self.pool(workers: 1, limits: RenderLimits(baseDeadline: .milliseconds(300), deadlinePerKiB: .zero))
        defer { tight.shutdown() }
        #expect(throws: RenderFailure.timeout(deadline: .milliseconds(300))) {
            try tight.render(HostileMarkdown.quadraticInlines(repetitions: 100_000), options: github)
        }
        #expect(try tight.render("# ok\n", options: github).contains(#"id="ok""#))
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
        let pool = try Self.pool(workers: 1, limits: RenderLimits(baseDeadline: .seconds(60)))
        defer { pool.shutdown() }
        let slow = try SlowRender(on: pool)
        kill(slow.worker, SIGKILL)
        slow.done.wait()
        #expect(slow.outcome.all.count == 1 && slow.outcome.all[0].contains("killed by signal 9"), "\(slow.outcome.all)")
        #expect(try pool.render("after", options: .default) == "<p>after</p>\n")
    }

    @Test("shutdown ends a running render at once and refuses later ones")
    func shutdownDuringRender() throws {
        let pool = try Self.pool(workers: 1, limits: RenderLimits(baseDeadline: .seconds(60)))
        let slow = try SlowRender(on: pool)
        pool.shutdown()
        #expect(slow.done.wait(timeout: .now() + 10) == .success)
        #expect(slow.outcome.all == ["the render worker failed: the render workers were shut down"])
        #expect(throws: RenderFailure.crash("the render workers were shut down")) { try pool.render("late", options: .default) }
        #expect(!ProcessTable.children().contains(slow.worker), "killed and reaped")
    }

    /// A render of a 600 KB quadratic document (about 20 s) started in the background on
    /// a one-worker pool, returned once its worker is seen parsing.
    struct SlowRender {
        let worker: Int32
        let outcome = Failures()
        let done = DispatchSemaphore(value: 0)

        init(on pool: RenderWorkerPool) throws {
            _ = try pool.render("warm", options: .default)
            worker = try #require(pool.workerProcessIDs.first)
            let idleTicks = ProcessTable.cpuTicks(worker)   // its start-up (slow under a sanitizer) is behind it
            DispatchQueue.global().async { [outcome, done] in
                do { _ = try pool.render(HostileMarkdown.quadraticInlines(repetitions: 100_000), options: .default) } catch { outcome.add("\(error)") }
                done.signal()
            }
            #expect(ProcessTable.eventually { ProcessTable.cpuTicks(worker) > idleTicks + 10 }, "the worker is parsing")
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
