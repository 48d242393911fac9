import Primitives
import Testing
import WorkerPool

@Suite("Timeouts")
struct TimeoutTests {
    @Test("a non-cooperative task times out; a replacement worker keeps the pool serving")
    func nonCooperative() async throws {
        let clock = ManualClock()
        let pool = WorkerPool(configuration: .deterministic(workers: 1, clock: clock, startsPaused: false))
        let events = pool.events()
        let started = Signals()
        let gate = Gate()
        let stuck = try pool.submit(name: "stuck", timeout: .milliseconds(50)) { _ -> String in
            started.signal()
            gate.wait() // ignores its token
            return "too late"
        }
        #expect(started.wait())
        clock.advance(by: .milliseconds(49))
        #expect(pool.checkTimeouts() == 0)
        #expect(stuck.state == .running)
        clock.advance(by: .milliseconds(1))
        #expect(pool.checkTimeouts() == 1)
        #expect(stuck.state == .timedOut)
        #expect(!pool.isRunning(name: "stuck"))

        // The only worker is stuck, yet new work completes.
        let next = try pool.submit { _ in "served" }
        #expect(next.wait(timeout: .seconds(20))?.value == "served")
        var statistics = pool.statistics
        #expect(statistics.timedOut == 1)
        #expect(statistics.stuckWorkers == 1)
        #expect(statistics.replacementWorkersStarted == 1)
        #expect(statistics.running == 0)
        #expect(statistics.isBalanced)

        gate.open()
        pool.shutdown()
        statistics = pool.statistics
        #expect(statistics.stuckWorkers == 0)
        #expect(statistics.runTime.count == 2)
        if case .timedOut = stuck.outcome {} else { Issue.record("expected timedOut, got \(String(describing: stuck.outcome))") }

        let timedOut = await collect(events).filter { $0.taskID == stuck.id && $0.kind.label == "timedOut" }
        #expect(timedOut.count == 1)
        if case .timedOut(let replaced) = timedOut.first?.kind { #expect(replaced) }
    }

    @Test("a cooperative task sees its token when it times out")
    func cooperative() throws {
        let clock = ManualClock()
        let pool = WorkerPool(configuration: .deterministic(workers: 1, clock: clock, startsPaused: false))
        let started = Signals()
        let noticed = Signals()
        let handle = try pool.submit(timeout: .seconds(1)) { context in
            started.signal()
            while !context.isCancelled { yieldProcessor() }
            noticed.signal()
        }
        #expect(started.wait())
        clock.advance(by: .seconds(1))
        #expect(pool.checkTimeouts() == 1)
        #expect(noticed.wait())
        #expect(handle.wait(timeout: .seconds(20))?.state == .timedOut)
        pool.shutdown()
    }

    @Test("without replacements the other workers keep serving")
    func noReplacement() throws {
        let clock = ManualClock()
        let pool = WorkerPool(configuration: .deterministic(
            workers: 2, clock: clock, maxReplacementWorkers: 0, startsPaused: false))
        let started = Signals()
        let gate = Gate()
        let stuck = try pool.submit(timeout: .milliseconds(10)) { _ in
            started.signal()
            gate.wait()
        }
        #expect(started.wait())
        clock.advance(by: .milliseconds(10))
        #expect(pool.checkTimeouts() == 1)
        #expect(stuck.state == .timedOut)
        let handles = try (0..<10).map { index in try pool.submit { _ in index } }
        #expect(handles.allSatisfy { $0.wait(timeout: .seconds(20)) != nil })
        #expect(pool.statistics.replacementWorkersStarted == 0)
        gate.open()
        pool.shutdown()
    }

    @Test("a task that ends before its deadline is not timed out; the timeout counts from the start")
    func deadlineFromStart() throws {
        let clock = ManualClock()
        let pool = WorkerPool(configuration: .deterministic(workers: 1, clock: clock))
        let handle = try pool.submit(timeout: .milliseconds(10)) { _ in 1 }
        clock.advance(by: .seconds(5)) // queued time does not count
        pool.start()
        #expect(handle.wait(timeout: .seconds(20))?.value == 1)
        #expect(pool.checkTimeouts() == 0)
        pool.shutdown()
    }

    @Test("the watchdog thread enforces timeouts on its own")
    func watchdog() throws {
        let pool = WorkerPool(configuration: .init(workerCount: 1, timeoutCheckInterval: .milliseconds(1)))
        let handle = try pool.submit(timeout: .milliseconds(20)) { context in
            while !context.isCancelled { yieldProcessor() }
        }
        #expect(handle.wait(timeout: .seconds(20))?.state == .timedOut)
        pool.shutdown()
    }
}
