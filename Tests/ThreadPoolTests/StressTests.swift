import EditTraces
import Foundation
import Testing
import ThreadPool

@Suite("Concurrent submitters, cancellers and coalescers")
struct StressTests {
    /// Executions per task id.
    final class Ledger: @unchecked Sendable {
        private let lock = NSLock()
        private var executions: [TaskID: Int] = [:]

        func record(_ id: TaskID) {
            lock.lock()
            executions[id, default: 0] += 1
            lock.unlock()
        }

        func count(_ id: TaskID) -> Int {
            lock.lock()
            defer { lock.unlock() }
            return executions[id] ?? 0
        }

        var total: Int {
            lock.lock()
            defer { lock.unlock() }
            return executions.values.reduce(0, +)
        }
    }

    @Test("every handle ends exactly once; nothing runs twice; statistics add up")
    func invariantsUnderContention() throws {
        let pool = ThreadPool(configuration: .init(
            threadCount: 2, concurrencyLimits: ["io": 1]))
        let ledger = Ledger()
        let threads = 4
        let operations = 600
        let allHandles = Recorder<TaskHandle<Int>>()
        let submitErrors = Recorder<String>()
        let done = Signals()
        for thread in 0..<threads {
            Thread.detachNewThread {
                var generator = SplitMix64(seed: UInt64(thread + 1))
                var mine: [TaskHandle<Int>] = []
                for operation in 0..<operations {
                    let priority = PoolPriority.allCases[Int(generator.next() % 5)]
                    let work: @Sendable (TaskContext) throws -> Int = { context in
                        ledger.record(context.taskID)
                        if operation % 97 == 0 { throw Boom() }
                        return operation
                    }
                    do {
                        switch generator.next() % 5 {
                        case 0, 1:
                            mine.append(try pool.submit(priority: priority, work))
                        case 2:
                            mine.append(try pool.submit(priority: priority, key: "doc-\(generator.next() % 4)", work))
                        case 3:
                            mine.append(try pool.submit(priority: priority, concurrencyClass: "io", work))
                        default:
                            if !mine.isEmpty {
                                mine[Int(generator.next() % UInt64(mine.count))].cancel()
                            }
                        }
                    } catch {
                        submitErrors.append("\(error)")
                    }
                    if operation % 150 == 0 { _ = pool.statistics }
                }
                for handle in mine { allHandles.append(handle) }
                done.signal()
            }
        }
        #expect(done.wait(for: threads, timeout: 60))
        #expect(submitErrors.values.isEmpty)
        #expect(pool.waitUntilIdle(timeout: .seconds(60)))
        let handles = allHandles.values
        var terminal: [TaskState: Int] = [:]
        for handle in handles {
            let outcome = handle.wait(timeout: .seconds(20))
            #expect(outcome != nil, "handle \(handle.id) never ended")
            let state = handle.state
            terminal[state, default: 0] += 1
            let executions = ledger.count(handle.id)
            #expect(executions <= 1, "task \(handle.id) ran \(executions) times")
            if case .coalesced? = handle.cancellationReason {
                #expect(executions == 0, "a task replaced while queued ran")
            }
            if state == .finished || state == .failed { #expect(executions == 1) }
        }
        let statistics = pool.statistics
        pool.shutdown()
        #expect(statistics.submitted == handles.count)
        #expect(statistics.totalQueued == 0)
        #expect(statistics.running == 0)
        #expect(statistics.isBalanced)
        #expect(statistics.completed == terminal[.finished, default: 0])
        #expect(statistics.failed == terminal[.failed, default: 0])
        #expect(statistics.cancelled + statistics.coalesced == terminal[.cancelled, default: 0])
        #expect(statistics.started == ledger.total)
        #expect(statistics.runTime.count == ledger.total)
        #expect(statistics.queueWait.count == ledger.total)
    }
}


@Suite("Floods of submissions")
struct FloodTests {
    /// More threads than cores and two submitters, 200 rounds: every round must finish
    /// (an earlier pool livelocked here); a hang is reported as a failure, not waited out.
    @Test("more threads than cores drain a flood of submissions without livelock", arguments: [3, 4, 6])
    func floodWithManyThreads(threads: Int) {
        let pool = ThreadPool(configuration: .init(threadCount: threads))
        let executed = Counter()
        let finished = Signals()
        let submitters = 2
        let tasksPerSubmitter = 300
        let rounds = 200
        Thread.detachNewThread {
            for _ in 0..<rounds {
                let submitted = Signals()
                for _ in 0..<submitters {
                    Thread.detachNewThread {
                        for _ in 0..<tasksPerSubmitter {
                            _ = try? pool.submit { _ in executed.add(1) }
                        }
                        submitted.signal()
                    }
                }
                submitted.wait(for: submitters, timeout: 600)
                pool.waitUntilIdle()
            }
            finished.signal()
        }
        let completed = finished.wait(timeout: 60)
        #expect(completed, "the pool stopped making progress after \(executed.value) executions")
        // A livelocked pool cannot be shut down; leave it behind rather than hang the run.
        guard completed else { return }
        #expect(executed.value == submitters * tasksPerSubmitter * rounds)
        pool.shutdown()
    }
}
