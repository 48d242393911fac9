import Foundation
import MarkdownRenderer
import Primitives
@testable import RenderWorkers
import TestSupport
import Testing

/// 50 renders killed at their deadline leave no descriptor, thread or child process
/// behind: counted exactly, in a process of its own (this test binary, re-run with only
/// this test), since the suites beside it in the test process open their own.
@Suite("render workers: no leaks after killed renders")
struct RenderWorkerLeakTests {
    /// Set in the child process that counts.
    static let countingVariable = "PREVIEWENGINE_COUNT_LEAKS"

    @Test("50 killed renders: exactly the descriptors and children there were before, and no more threads")
    func killedRenders() throws {
        if ProcessInfo.processInfo.environment[Self.countingVariable] == "1" {
            try Self.count()
            return
        }
        var environment = ProcessInfo.processInfo.environment
        environment[Self.countingVariable] = "1"
        let result = try Subprocess.run(
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
            ["--testing-library", "swift-testing", "--filter", "RenderWorkerLeakTests"], environment: environment
        )
        #expect(result.status == 0, "\(result.stdoutText)\(result.stderrText)")
        #expect(result.stdoutText.contains("killed renders: 50 timeouts"), "the child counted: \(result.stdoutText)")
    }

    /// The counting itself, in the child. One thread advances the deadlines' clock for
    /// every render; it starts before the first count and ends after the last.
    static func count() throws {
        let workers = try HangingWorkers(workers: 2, limits: RenderLimits(baseDeadline: .milliseconds(5), deadlinePerKiB: .zero))
        let renders = 51   // one to warm up, then 50 counted
        let finished = Locked(false)
        let advancer = Thread {
            for request in 1...renders {
                guard workers.waitForRequests(request) != nil else { break }
                workers.clock.advance(by: .milliseconds(5))
            }
            finished.withLock(waitingUntil: { $0 }) { _, _ in }   // still counted at the end
        }
        advancer.start()
        func killedRender() -> Bool {
            do { _ = try workers.pool.render(HangingWorkers.document, options: .default) } catch {
                if case .timeout = error { return true }
            }
            return false
        }
        #expect(killedRender(), "the warm-up render was killed at its deadline")
        let descriptors = ProcessTable.openDescriptorCount
        let threads = ProcessTable.threadCount
        let children = Set(ProcessTable.children())
        let timeouts = (1..<renders).count { _ in killedRender() }
        #expect(ProcessTable.openDescriptorCount == descriptors, "no pipe left open")
        // Not one more thread (the runtime's own may end meanwhile: 7 → 5 once under TSan).
        #expect(ProcessTable.threadCount <= threads, "no thread left behind")
        #expect(Set(ProcessTable.children()) == children, "every killed worker was reaped")
        #expect(workers.pool.counters.started == renders && workers.pool.counters.failed == renders)
        finished.withLock { $0 = true }
        finished.broadcast()
        workers.pool.shutdown()
        #expect(workers.pool.workerProcessIDs.isEmpty)
        print("killed renders: \(timeouts) timeouts; descriptors \(descriptors), threads \(threads), children \(children.count) before and after")
        #expect(timeouts == renders - 1)
    }
}
