import Primitives
import Testing
import ThreadPool

@Suite("Coalescing by key")
struct CoalescingTests {
    @Test("ten submissions with one key: one execution of the latest work")
    func latestWins() throws {
        let pool = ThreadPool(configuration: .deterministic())
        let ran = Recorder<Int>()
        let handles = try (0..<10).map { index in
            try pool.submit(key: "document-1") { _ in ran.append(index) }
        }
        pool.start()
        pool.shutdown(.drain)
        #expect(ran.values == [9])
        for index in 0..<9 {
            #expect(handles[index].state == .cancelled)
            #expect(handles[index].cancellationReason == .coalesced(into: handles[index + 1].id))
            #expect(handles[index + 1].coalescedTaskID == handles[index].id)
        }
        #expect(handles[0].coalescedTaskID == nil)
        #expect(handles[9].state == .finished)
        let statistics = pool.statistics
        #expect(statistics.submitted == 10)
        #expect(statistics.coalesced == 9)
        #expect(statistics.completed == 1)
        #expect(statistics.isBalanced)
    }

    @Test("different keys do not coalesce")
    func distinctKeys() throws {
        let pool = ThreadPool(configuration: .deterministic())
        let ran = Counter()
        for index in 0..<6 {
            try pool.submit(key: "doc-\(index % 3)") { _ in ran.add(1) }
        }
        try pool.submit { _ in ran.add(1) }
        pool.start()
        pool.shutdown(.drain)
        #expect(ran.value == 4)
        #expect(pool.statistics.coalesced == 3)
    }

    @Test("the replacement keeps the earlier queue position")
    func keepsPosition() throws {
        let clock = ManualClock()
        let pool = ThreadPool(configuration: .deterministic(clock: clock))
        let order = Recorder<String>()
        try pool.submit(key: "render") { _ in order.append("render v1") }
        clock.advance(by: .milliseconds(1))
        try pool.submit { _ in order.append("other") }
        clock.advance(by: .milliseconds(1))
        try pool.submit(key: "render") { _ in order.append("render v2") }
        pool.start()
        pool.shutdown(.drain)
        #expect(order.values == ["render v2", "other"])
    }

    @Test("a more urgent replacement takes its own, earlier position")
    func priorityUpgrade() throws {
        let pool = ThreadPool(configuration: .deterministic())
        let order = Recorder<String>()
        try pool.submit(priority: .low, key: "k") { _ in order.append("k low") }
        try pool.submit(priority: .normal) { _ in order.append("normal") }
        try pool.submit(priority: .high, key: "k") { _ in order.append("k high") }
        pool.start()
        pool.shutdown(.drain)
        #expect(order.values == ["k high", "normal"])
    }

    @Test("a finished task releases its key: later submissions run")
    func keyReleasedAfterFinish() throws {
        let pool = ThreadPool(configuration: .deterministic(startsPaused: false))
        let ran = Counter()
        for round in 1...3 {
            let handle = try pool.submit(key: "autosave") { _ in ran.add(1) }
            #expect(handle.wait(timeout: .seconds(20))?.state == .finished)
            #expect(handle.coalescedTaskID == nil)
            #expect(ran.value == round)
        }
        #expect(pool.statistics.coalesced == 0)
        pool.shutdown()
    }

    @Test("failed and cancelled tasks release their key too")
    func keyReleasedAfterOtherEndings() throws {
        let pool = ThreadPool(configuration: .deterministic(threads: 1, startsPaused: false))
        let failing = try pool.submit(key: "k") { _ in throw Boom() }
        #expect(failing.wait(timeout: .seconds(20))?.state == .failed)

        let paused = Gate()
        let blockerStarted = Signals()
        try pool.submit { _ in
            blockerStarted.signal()
            paused.wait()
        }
        #expect(blockerStarted.wait())
        let cancelled = try pool.submit(key: "k") { _ in }
        cancelled.cancel()
        paused.open()

        let last = try pool.submit(key: "k") { _ in "ran" }
        #expect(last.coalescedTaskID == nil)
        #expect(last.wait(timeout: .seconds(20))?.value == "ran")
        pool.shutdown()
    }

    @Test("a running task does not absorb a new submission with its key")
    func runningKeepsRunning() throws {
        let pool = ThreadPool(configuration: .deterministic(threads: 1, startsPaused: false))
        let gate = Gate()
        let started = Signals()
        let ran = Recorder<String>()
        let first = try pool.submit(key: "k") { _ in
            started.signal()
            gate.wait()
            ran.append("first")
        }
        #expect(started.wait())
        let second = try pool.submit(key: "k") { _ in ran.append("second") }
        #expect(second.coalescedTaskID == nil)
        gate.open()
        #expect(second.wait(timeout: .seconds(20))?.state == .finished)
        #expect(first.state == .finished)
        #expect(ran.values == ["first", "second"])
        pool.shutdown()
    }
}
