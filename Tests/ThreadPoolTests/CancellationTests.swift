import Testing
import ThreadPool

@Suite("Cancellation")
struct CancellationTests {
    @Test("a queued task is removed and never runs")
    func cancelPending() throws {
        let pool = ThreadPool(configuration: .deterministic())
        let ran = Recorder<String>()
        let first = try pool.submit { _ in ran.append("first") }
        let second = try pool.submit { _ in ran.append("second") }
        let third = try pool.submit { _ in ran.append("third") }
        #expect(first.cancel())
        #expect(second.cancel())
        #expect(!first.cancel())
        #expect(first.state == .cancelled)
        #expect(first.cancellationReason == .requested)
        pool.start()
        pool.shutdown(.drain)
        #expect(ran.values == ["third"])
        #expect(third.state == .finished)
        let statistics = pool.statistics
        #expect(statistics.cancelled == 2)
        #expect(statistics.started == 1)
        #expect(statistics.isBalanced)
    }

    @Test("a running task sees its token; its result is discarded and the handle ends cancelled")
    func cancelRunning() throws {
        let pool = ThreadPool(configuration: .deterministic(startsPaused: false))
        let started = Signals()
        let sawCancellation = Signals()
        let handle = try pool.submit { context -> Int in
            started.signal()
            while !context.isCancelled { yieldProcessor() }
            sawCancellation.signal()
            return 99
        }
        #expect(started.wait())
        #expect(handle.cancel())
        #expect(handle.state == .cancelled)
        #expect(sawCancellation.wait())
        #expect(pool.waitUntilIdle(timeout: .seconds(20)))
        #expect(handle.outcome.map { if case .cancelled(.requested) = $0 { true } else { false } } == true)
        #expect(handle.outcome?.value == nil)
        let statistics = pool.statistics
        #expect(statistics.cancelled == 1)
        #expect(statistics.completed == 0)
        #expect(statistics.runTime.count == 1)
        pool.shutdown()
    }

    @Test("checkCancellation throws once cancelled")
    func checkCancellation() throws {
        let pool = ThreadPool(configuration: .deterministic(startsPaused: false))
        let started = Signals()
        let gate = Gate()
        let threw = Signals()
        let handle = try pool.submit { context in
            try context.checkCancellation()
            started.signal()
            gate.wait()
            do { try context.checkCancellation() } catch { threw.signal(); throw error }
        }
        #expect(started.wait())
        handle.cancel()
        gate.open()
        #expect(threw.wait())
        #expect(pool.waitUntilIdle(timeout: .seconds(20)))
        #expect(handle.state == .cancelled)
        #expect(pool.statistics.failed == 0)
        pool.shutdown()
    }

    @Test("cancelling a finished task does nothing")
    func cancelFinished() throws {
        let pool = ThreadPool(configuration: .deterministic(startsPaused: false))
        let handle = try pool.submit { _ in 1 }
        #expect(handle.wait(timeout: .seconds(20))?.value == 1)
        #expect(!handle.cancel())
        #expect(handle.state == .finished)
        pool.shutdown()
    }

    @Test("cancelAll cancels queued and running tasks")
    func cancelAll() throws {
        let pool = ThreadPool(configuration: .deterministic(startsPaused: false))
        let started = Signals()
        let running = try pool.submit { context in
            started.signal()
            while !context.isCancelled { yieldProcessor() }
        }
        #expect(started.wait())
        let ran = Counter()
        let queued = try (0..<5).map { _ in try pool.submit { _ in ran.add(1) } }
        #expect(pool.cancelAll() == 6)
        #expect(pool.waitUntilIdle(timeout: .seconds(20)))
        #expect(running.state == .cancelled)
        #expect(queued.allSatisfy { $0.state == .cancelled })
        #expect(ran.value == 0)
        // The pool keeps serving afterwards.
        #expect(try pool.submit { _ in 5 }.wait(timeout: .seconds(20))?.value == 5)
        #expect(pool.statistics.isBalanced)
        pool.shutdown()
    }

    @Test("mass cancellation while paused leaves nothing behind")
    func massCancellation() throws {
        let pool = ThreadPool(configuration: .deterministic())
        let ran = Counter()
        let handles = try (0..<5000).map { index in
            try pool.submit(priority: PoolPriority.allCases[index % 5]) { _ in ran.add(1) }
        }
        for (index, handle) in handles.enumerated() where index % 100 != 0 { handle.cancel() }
        pool.start()
        pool.shutdown(.drain)
        #expect(ran.value == 50)
        let statistics = pool.statistics
        #expect(statistics.cancelled == 4950)
        #expect(statistics.completed == 50)
        #expect(statistics.totalQueued == 0)
    }
}
