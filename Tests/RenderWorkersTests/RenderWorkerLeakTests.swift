import Foundation
@testable import RenderWorkers
import TestSupport
import Testing

/// 1,000 renders killed at their deadline leave no thread, process, pipe or descriptor
/// behind (counted from /proc).
///
/// Other suites run in this process at the same time and open pipes, threads and
/// children of their own, so the counts here are compared at the scale of a leak: a
/// render that leaked anything would leave 1,000 of it. `StdioBadDocumentTests` counts
/// exactly, in a server process of its own.
@Suite("render workers: no leaks after 1,000 killed renders")
struct RenderWorkerLeakTests {
    @Test("1,000 killed renders: no growth in descriptors, threads or child processes")
    func thousandKilledRenders() throws {
        let pool = RenderWorkerPool(executable: try Subprocess.builtProduct("mdpreview").path, workerCount: 2)
        _ = try pool.render("warm up", options: .default)   // the runtime's own threads start
        pool.shutdown()
        let descriptors = ProcessTable.openDescriptorCount
        let threads = ProcessTable.threadCount
        let children = ProcessTable.children().count

        let killing = RenderWorkerPool(
            executable: try Subprocess.builtProduct("mdpreview").path, workerCount: 2,
            limits: RenderLimits(baseDeadline: .milliseconds(5), deadlinePerKiB: .zero)
        )
        let slow = HostileMarkdown.quadraticInlines(repetitions: 40_000)   // 240 KB: about 3 s of parsing
        var timeouts = 0
        for _ in 0..<1_000 {
            do { _ = try killing.render(slow, options: .default) } catch {
                if case .timeout = error { timeouts += 1 }
            }
        }
        killing.shutdown()
        #expect(timeouts == 1_000)
        #expect(killing.counters.started == 1_000 && killing.counters.failed == 1_000)
        #expect(killing.workerProcessIDs.isEmpty)
        #expect(ProcessTable.openDescriptorCount < descriptors + 300, "no pipe left open (3 per render if leaked)")
        // Suites running beside this one (browsers, servers, concurrentPerform) start
        // threads of their own, up to about 200 seen; a leak would leave 1,000.
        #expect(ProcessTable.threadCount < threads + 500, "no thread left behind")
        #expect(ProcessTable.children().count < children + 100, "every killed worker was reaped")
    }
}
