import Foundation
@testable import RenderWorkers
import TestSupport
import Testing

/// 1,000 renders killed at their deadline leave no thread, process, pipe or descriptor
/// behind (counted from /proc).
@Suite("render workers: no leaks after 1,000 killed renders")
struct RenderWorkerLeakTests {
    @Test("1,000 killed renders: descriptors, threads and child processes as before")
    func thousandKilledRenders() throws {
        let pool = RenderWorkerPool(executable: try Subprocess.builtProduct("mdpreview").path, workerCount: 2)
        _ = try pool.render("warm up", options: .default)   // the first worker, and the runtime's own threads
        pool.shutdown()
        let descriptors = ProcessTable.openDescriptorCount
        let threads = ProcessTable.threadCount

        let killing = RenderWorkerPool(
            executable: try Subprocess.builtProduct("mdpreview").path, workerCount: 2,
            limits: RenderLimits(baseDeadline: .milliseconds(5), deadlinePerKiB: .zero)
        )
        // 240 KB, about 3 s of parsing; the 5 ms deadline also counts the worker's start.
        let slow = HostileMarkdown.quadraticInlines(repetitions: 40_000)
        var timeouts = 0
        for _ in 0..<1_000 {
            do { _ = try killing.render(slow, options: .default) } catch {
                if case .timeout = error { timeouts += 1 }
            }
        }
        killing.shutdown()
        #expect(timeouts == 1_000)
        #expect(killing.counters.started == 1_000 && killing.counters.failed == 1_000)
        #expect(ProcessTable.children(running: "render-worker").isEmpty, "every killed worker was reaped")
        #expect(ProcessTable.openDescriptorCount == descriptors, "no pipe left open")
        #expect(ProcessTable.threadCount <= threads, "no thread left behind")
    }
}
