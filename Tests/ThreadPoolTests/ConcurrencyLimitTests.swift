import Testing
import ThreadPool

@Suite("Per-class concurrency limits")
struct ConcurrencyLimitTests {
    @Test("at most one autosave runs however many threads are idle; other work is not blocked")
    func oneAutosaveAtATime() throws {
        let pool = ThreadPool(configuration: .deterministic(threads: 3, concurrencyLimits: ["autosave": 1]))
        let concurrent = Counter()
        let firstStarted = Signals()
        let gate = Gate()
        let autosaves = try (0..<3).map { index in
            try pool.submit(priority: .low, concurrencyClass: "autosave") { _ in
                concurrent.add(1)
                if index == 0 {
                    firstStarted.signal()
                    gate.wait()
                }
                concurrent.add(-1)
            }
        }
        let render = try pool.submit(priority: .low) { _ in "rendered" }
        pool.start()
        #expect(firstStarted.wait())
        // Two threads are idle, yet the other autosaves wait; the render does not.
        #expect(render.wait(timeout: .seconds(20))?.value == "rendered")
        #expect(autosaves[1].state == .pending)
        #expect(autosaves[2].state == .pending)
        #expect(pool.statistics.queued[.low] == 2)
        gate.open()
        pool.shutdown(.drain)
        #expect(autosaves.allSatisfy { $0.state == .finished })
        #expect(concurrent.maximum == 1)
    }

    @Test("tasks of limited and unlimited classes share one deadline order while no limit binds")
    func blockedClassOrder() throws {
        let pool = ThreadPool(configuration: .deterministic(
            threads: 1, concurrencyLimits: ["io": 1, "cpu": 2]))
        let order = Recorder<String>()
        try pool.submit(concurrencyClass: "io") { _ in order.append("io0") }
        try pool.submit(concurrencyClass: "io") { _ in order.append("io1") }
        try pool.submit(concurrencyClass: "cpu") { _ in order.append("cpu0") }
        try pool.submit(concurrencyClass: "unlisted") { _ in order.append("free") }
        pool.start()
        pool.shutdown(.drain)
        // One thread: everything runs in deadline order (limits never bind with one thread).
        #expect(order.values == ["io0", "io1", "cpu0", "free"])
    }

    @Test("limit of two with four threads")
    func limitTwo() throws {
        let pool = ThreadPool(configuration: .deterministic(threads: 4, concurrencyLimits: ["index": 2]))
        let concurrent = Counter()
        let bothStarted = Signals()
        let gate = Gate()
        let handles = try (0..<6).map { _ in
            try pool.submit(concurrencyClass: "index") { _ in
                concurrent.add(1)
                bothStarted.signal()
                gate.wait()
                concurrent.add(-1)
            }
        }
        pool.start()
        #expect(bothStarted.wait(for: 2))
        #expect(handles.filter { $0.state == .running }.count == 2)
        gate.open()
        pool.shutdown(.drain)
        #expect(concurrent.maximum == 2)
        #expect(handles.allSatisfy { $0.state == .finished })
    }
}
