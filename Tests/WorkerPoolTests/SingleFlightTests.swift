import Testing
import WorkerPool

@Suite("Single-flight by name")
struct SingleFlightTests {
    @Test("submitIfIdle runs nothing while a task of that name is pending")
    func whilePending() throws {
        let pool = WorkerPool(configuration: .deterministic())
        let ran = Counter()
        let first = try pool.submitIfIdle(name: "wordcount") { _ in ran.add(1) }
        #expect(first != nil)
        #expect(pool.isRunning(name: "wordcount"))
        #expect(try pool.submitIfIdle(name: "wordcount") { _ in ran.add(1) } == nil)
        #expect(try pool.submitIfIdle(name: "autosave") { _ in ran.add(1) } != nil)
        pool.start()
        pool.shutdown(.drain)
        #expect(ran.value == 2)
        #expect(pool.statistics.submitted == 2)
    }

    @Test("submitIfIdle runs nothing while a task of that name is running; again once it ended")
    func whileRunning() throws {
        let pool = WorkerPool(configuration: .deterministic(workers: 2, startsPaused: false))
        let gate = Gate()
        let started = Signals()
        let running = try pool.submitIfIdle(name: "autosave") { _ in
            started.signal()
            gate.wait()
        }
        #expect(started.wait())
        #expect(pool.isRunning(name: "autosave"))
        #expect(try pool.submitIfIdle(name: "autosave") { _ in } == nil)
        gate.open()
        #expect(running?.wait(timeout: .seconds(20))?.state == .finished)
        #expect(!pool.isRunning(name: "autosave"))
        let again = try pool.submitIfIdle(name: "autosave") { _ in 7 }
        #expect(again?.wait(timeout: .seconds(20))?.value == 7)
        pool.shutdown()
    }

    @Test("ordinary submissions with a name count as in flight")
    func namedSubmit() throws {
        let pool = WorkerPool(configuration: .deterministic())
        try pool.submit(name: "export") { _ in }
        #expect(pool.isRunning(name: "export"))
        #expect(try pool.submitIfIdle(name: "export") { _ in } == nil)
        pool.shutdown(.cancelPending)
        #expect(!pool.isRunning(name: "export"))
    }

    @Test("a failed task releases its name")
    func failureReleasesName() throws {
        let pool = WorkerPool(configuration: .deterministic(startsPaused: false))
        let failing = try pool.submitIfIdle(name: "n") { _ in throw Boom() }
        #expect(failing?.wait(timeout: .seconds(20))?.state == .failed)
        #expect(!pool.isRunning(name: "n"))
        #expect(try pool.submitIfIdle(name: "n") { _ in } != nil)
        pool.shutdown()
    }
}
