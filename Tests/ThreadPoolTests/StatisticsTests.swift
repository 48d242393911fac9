import Primitives
import Testing
import ThreadPool

@Suite("Statistics")
struct StatisticsTests {
    @Test("counters, queued per priority and latency percentiles (manual clock)")
    func countersAndLatencies() throws {
        let clock = ManualClock()
        let pool = ThreadPool(configuration: .deterministic(clock: clock))
        for priority in [PoolPriority.high, .normal, .normal, .idle] {
            try pool.submit(priority: priority) { _ in clock.advance(by: .milliseconds(2)) }
        }
        let empty = pool.statistics
        #expect(empty.submitted == 4)
        #expect(empty.queued == [.critical: 0, .high: 1, .normal: 2, .low: 0, .idle: 1])
        #expect(empty.totalQueued == 4)
        #expect(empty.completionRate == 0)
        #expect(empty.queueWait.count == 0)
        #expect(empty.isBalanced)

        clock.advance(by: .milliseconds(10))
        pool.start()
        #expect(pool.waitUntilIdle(timeout: .seconds(20)))
        let statistics = pool.statistics
        #expect(statistics.started == 4)
        #expect(statistics.completed == 4)
        #expect(statistics.totalQueued == 0)
        #expect(statistics.running == 0)
        #expect(statistics.completionRate == 1)
        #expect(statistics.isBalanced)
        // Waits: 10, 12, 14, 16 ms; run times: 2 ms each (two significant digits).
        #expect(statistics.queueWait.count == 4)
        #expect(statistics.queueWait.max >= .milliseconds(16) && statistics.queueWait.max < .microseconds(16_200))
        #expect(statistics.queueWait.p50 >= .milliseconds(12) && statistics.queueWait.p50 < .microseconds(12_200))
        #expect(statistics.runTime.count == 4)
        #expect(statistics.runTime.p50 >= .milliseconds(2) && statistics.runTime.p99 < .microseconds(2_100))
        pool.shutdown()
    }

    @Test("running counts tasks in state running")
    func running() throws {
        let pool = ThreadPool(configuration: .deterministic(threads: 2, startsPaused: false))
        let started = Signals()
        let gate = Gate()
        for _ in 0..<2 {
            try pool.submit { _ in
                started.signal()
                gate.wait()
            }
        }
        #expect(started.wait(for: 2))
        let statistics = pool.statistics
        #expect(statistics.running == 2)
        #expect(statistics.started == 2)
        #expect(statistics.isBalanced)
        gate.open()
        pool.shutdown()
        #expect(pool.statistics.running == 0)
        #expect(pool.statistics.completed == 2)
    }
}
