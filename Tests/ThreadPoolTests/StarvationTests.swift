import Primitives
import Testing
import ThreadPool

@Suite("No starvation (virtual deadlines, manual clock)")
struct StarvationTests {
    static let offsets: [PoolPriority: Duration] = [
        .critical: .zero, .high: .zero, .normal: .milliseconds(50), .low: .milliseconds(100),
        .idle: .milliseconds(300),
    ]

    @Test("a LOW task is overtaken only by HIGH tasks submitted within the offset difference")
    func staticBound() throws {
        let clock = ManualClock()
        let pool = ThreadPool(configuration: .deterministic(clock: clock, deadlineOffsets: Self.offsets))
        let order = Recorder<String>()
        try pool.submit(priority: .low) { _ in order.append("low") }
        for index in 0..<20 {
            try pool.submit(priority: .high) { _ in order.append("high\(index)") }
            clock.advance(by: .milliseconds(10))
        }
        pool.start()
        pool.shutdown(.drain)
        // high0…high9 were submitted at 0…90 ms (deadlines < 100 ms); high10 at 100 ms ties
        // with the LOW task's deadline and loses on submission order.
        let expected = (0..<10).map { "high\($0)" } + ["low"] + (10..<20).map { "high\($0)" }
        #expect(order.values == expected)
    }

    /// A HIGH task that resubmits itself forever (advancing the clock 1 ms per run) must
    /// not keep a queued task of `priority` from starting within its offset.
    func sustainedStream(starving priority: PoolPriority) throws -> (startedAt: UInt64, highRuns: Int) {
        let clock = ManualClock()
        let pool = ThreadPool(configuration: .deterministic(clock: clock, deadlineOffsets: Self.offsets))
        let starvedStarted = Signals()
        let startedAt = Recorder<UInt64>()
        let highRuns = Counter()
        try pool.submit(priority: priority) { _ in
            startedAt.append(UInt64(clock.now.nanoseconds))
            starvedStarted.signal()
        }
        @Sendable func high(_ context: TaskContext) {
            highRuns.add(1)
            clock.advance(by: .milliseconds(1))
            if starvedStarted.value == 0 {
                _ = try? pool.submit(priority: .high, high)
            }
        }
        try pool.submit(priority: .high, high)
        pool.start()
        #expect(starvedStarted.wait())
        pool.shutdown(.drain)
        return (startedAt.values.first ?? .max, highRuns.value)
    }

    @Test("a LOW task starts within its 100 ms bound under a sustained HIGH stream")
    func lowUnderSustainedHigh() throws {
        let result = try sustainedStream(starving: .low)
        #expect(result.startedAt == 100_000_000)
        #expect(result.highRuns >= 100 && result.highRuns <= 101)
    }

    @Test("an IDLE task starts within its 300 ms bound under a sustained HIGH stream")
    func idleUnderSustainedHigh() throws {
        let result = try sustainedStream(starving: .idle)
        #expect(result.startedAt == 300_000_000)
        #expect(result.highRuns >= 300 && result.highRuns <= 301)
    }
}
