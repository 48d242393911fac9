import Testing
import ThreadPool

@Suite("Priorities and FIFO order")
struct PriorityTests {
    @Test("levels run in priority order when submitted together")
    func priorityOrder() throws {
        let pool = ThreadPool(configuration: .deterministic())
        let order = Recorder<PoolPriority>()
        for priority in PoolPriority.allCases.reversed() {
            try pool.submit(priority: priority) { _ in order.append(priority) }
        }
        pool.start()
        pool.shutdown(.drain)
        #expect(order.values == [.critical, .high, .normal, .low, .idle])
    }

    @Test("FIFO within a level, interleaved with other levels")
    func fifoWithinLevel() throws {
        let pool = ThreadPool(configuration: .deterministic())
        let order = Recorder<String>()
        for index in 0..<5 {
            try pool.submit(priority: .low) { _ in order.append("low\(index)") }
            try pool.submit(priority: .high) { _ in order.append("high\(index)") }
            try pool.submit(priority: .normal) { _ in order.append("normal\(index)") }
        }
        pool.start()
        pool.shutdown(.drain)
        #expect(order.values == (0..<5).map { "high\($0)" } + (0..<5).map { "normal\($0)" }
            + (0..<5).map { "low\($0)" })
    }

    @Test("a task submitted while all threads are busy waits for the most urgent queued work")
    func runningPoolOrder() throws {
        let pool = ThreadPool(configuration: .deterministic(startsPaused: false))
        let gate = Gate()
        let started = Signals()
        let order = Recorder<String>()
        try pool.submit { _ in
            started.signal()
            gate.wait()
        }
        #expect(started.wait())
        try pool.submit(priority: .idle) { _ in order.append("idle") }
        try pool.submit(priority: .normal) { _ in order.append("normal") }
        try pool.submit(priority: .critical) { _ in order.append("critical") }
        gate.open()
        pool.shutdown(.drain)
        #expect(order.values == ["critical", "normal", "idle"])
    }

    @Test("one thread's submissions of one priority keep their order, with and without keys")
    func fifoAcrossPaths() throws {
        let pool = ThreadPool(configuration: .deterministic(startsPaused: false))
        let gate = Gate()
        let started = Signals()
        let order = Recorder<String>()
        try pool.submit { _ in
            started.signal()
            gate.wait()
        }
        #expect(started.wait())
        for index in 0..<20 {
            if index % 3 == 1 {
                try pool.submit(key: "k\(index)") { _ in order.append("\(index)") }
            } else {
                try pool.submit { _ in order.append("\(index)") }
            }
        }
        gate.open()
        pool.shutdown(.drain)
        #expect(order.values == (0..<20).map { "\($0)" })
    }
}
