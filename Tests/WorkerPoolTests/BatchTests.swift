import Foundation
import Testing
import WorkerPool

/// A worker that starts a short plain task takes more plain tasks from the front of the
/// queue as a batch (manual clock: every task takes no time, so batches always form).
@Suite("Batches of short plain tasks")
struct BatchTests {
    /// A one-worker pool running a first task held on `gate`, with `count` recording
    /// tasks queued behind it (started: the worker has taken its batch).
    struct Fixture {
        let pool: WorkerPool
        let handles: [TaskHandle<Int>]
        let ran = Recorder<Int>()
        let gate = Gate()
        /// Opened before the pool started, when asked for.
        let events: AsyncStream<PoolEvent>?

        init(clock: ManualPoolClock = ManualPoolClock(), count: Int = 5, observing: Bool = false,
             first: @escaping @Sendable () -> Void = {}) throws {
            pool = WorkerPool(configuration: .deterministic(clock: clock))
            let started = Signals()
            try pool.submit { [gate] _ in
                started.signal()
                first()
                gate.wait()
            }
            var handles: [TaskHandle<Int>] = []
            for index in 1...count {
                handles.append(try pool.submit { [ran] _ in
                    ran.append(index)
                    return index
                })
            }
            self.handles = handles
            events = observing ? pool.events() : nil
            pool.start()
            #expect(started.wait())
        }
    }

    @Test("batched tasks are running; one cancelled before its turn is never invoked")
    func cancelBeforeItsTurn() throws {
        let fixture = try Fixture()
        let (pool, handles, ran, gate) = (fixture.pool, fixture.handles, fixture.ran, fixture.gate)
        // The worker took tasks 1…4 with the first one (leaving one for other workers).
        #expect(handles.map(\.state) == [.running, .running, .running, .running, .pending])
        #expect(pool.statistics.running == 5)
        #expect(pool.statistics.totalQueued == 1)
        #expect(handles[1].cancel())
        #expect(handles[1].state == .cancelled)
        gate.open()
        #expect(pool.waitUntilIdle(timeout: .seconds(20)))
        #expect(ran.values == [1, 3, 4, 5])
        #expect(handles.map { $0.outcome?.value } == [1, nil, 3, 4, 5])
        let statistics = pool.statistics
        #expect(statistics.started == 5)
        #expect(statistics.completed == 5)
        #expect(statistics.cancelled == 1)
        #expect(statistics.queueWait.count == 5)
        #expect(statistics.runTime.count == 5)
        #expect(statistics.isBalanced)
        pool.shutdown()
    }

    @Test("cancelAll reaches batched tasks")
    func cancelAllReachesTheBatch() throws {
        let fixture = try Fixture()
        let (pool, handles, ran, gate) = (fixture.pool, fixture.handles, fixture.ran, fixture.gate)
        #expect(pool.cancelAll() == 6)
        gate.open()
        #expect(pool.waitUntilIdle(timeout: .seconds(20)))
        #expect(ran.values.isEmpty)
        #expect(handles.allSatisfy { $0.state == .cancelled })
        #expect(pool.statistics.isBalanced)
        pool.shutdown()
    }

    @Test("a task that runs long gives the rest of its batch back, in order")
    func longTaskReturnsTheBatch() throws {
        let clock = ManualPoolClock()
        // The first task takes 1 ms of pool clock: far longer than a short task.
        let fixture = try Fixture(clock: clock) { clock.advance(by: .milliseconds(1)) }
        let (pool, handles, ran, gate) = (fixture.pool, fixture.handles, fixture.ran, fixture.gate)
        #expect(handles.map(\.state) == [.running, .running, .running, .running, .pending])
        gate.open()
        #expect(pool.waitUntilIdle(timeout: .seconds(20)))
        // Given back to the front of the queue and run afterwards, each once, in order.
        #expect(ran.values == [1, 2, 3, 4, 5])
        let statistics = pool.statistics
        #expect(statistics.started == 6)
        #expect(statistics.completed == 6)
        #expect(statistics.isBalanced)
        pool.shutdown()
    }

    @Test("tasks given back after shutdown(.cancelPending) began are cancelled, not run")
    func givenBackDuringShutdown() throws {
        let clock = ManualPoolClock()
        let fixture = try Fixture(clock: clock)
        let pool = fixture.pool
        let shutDown = Signals()
        Thread.detachNewThread {
            pool.shutdown(.cancelPending)
            shutDown.signal()
        }
        while pool.isAcceptingWork { yieldProcessor() }
        // The first task ends long after it started: tasks 1…4 are given back.
        clock.advance(by: .milliseconds(1))
        fixture.gate.open()
        #expect(shutDown.wait())
        #expect(fixture.ran.values.isEmpty)
        #expect(fixture.handles.map(\.cancellationReason) == Array(repeating: .shutdown, count: 5))
        #expect(pool.statistics.isBalanced)
    }

    @Test("no batches while an event stream is open: every task has its own events")
    func eventsWithoutBatches() async throws {
        let fixture = try Fixture(observing: true)
        let (pool, handles, ran, gate) = (fixture.pool, fixture.handles, fixture.ran, fixture.gate)
        #expect(handles.map(\.state) == [.pending, .pending, .pending, .pending, .pending])
        gate.open()
        pool.shutdown(.drain)
        let kinds = await collect(fixture.events!).map(\.kind.label)
        #expect(kinds.filter { $0 == "started" }.count == 6)
        #expect(kinds.filter { $0 == "completed" }.count == 6)
        #expect(ran.values == [1, 2, 3, 4, 5])
    }
}
