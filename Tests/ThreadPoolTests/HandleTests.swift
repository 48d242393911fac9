import Testing
import ThreadPool

@Suite("Task handles")
struct HandleTests {
    @Test("ids are unique and increase in submission order")
    func identifiers() throws {
        let pool = ThreadPool(configuration: .deterministic())
        let handles = try (0..<10).map { _ in try pool.submit { _ in } }
        #expect(Set(handles.map(\.id)).count == 10)
        #expect(handles.map(\.id) == handles.map(\.id).sorted())
        pool.shutdown(.cancelPending)
    }

    @Test("state goes pending → running → finished; the value is delivered")
    func lifecycle() async throws {
        let pool = ThreadPool(configuration: .deterministic(startsPaused: true))
        let gate = Gate()
        let started = Signals()
        let handle = try pool.submit(priority: .high, key: "k") { context in
            started.signal()
            gate.wait()
            return 42
        }
        #expect(handle.key == "k")
        #expect(handle.priority == .high)
        #expect(handle.state == .pending)
        #expect(handle.outcome == nil)
        pool.start()
        #expect(started.wait())
        #expect(handle.state == .running)
        #expect(handle.wait(timeout: .zero) == nil, "a timeout that has passed checks once")
        gate.open()
        #expect(try await handle.wait().get() == 42)
        #expect(handle.state == .finished)
        #expect(handle.outcome?.value == 42)
        #expect(handle.wait(timeout: .seconds(10))?.value == 42)
        pool.shutdown()
    }

    @Test("blocking wait returns the outcome once it is known")
    func blockingWait() throws {
        let pool = ThreadPool(configuration: .deterministic(startsPaused: false))
        let handle = try pool.submit { _ in "done" }
        let outcome = handle.wait(timeout: .seconds(20))
        #expect(outcome?.value == "done")
        #expect(outcome?.state == .finished)
        pool.shutdown()
    }

    @Test("async wait on many handles")
    func asyncWaitMany() async throws {
        let pool = ThreadPool(configuration: .deterministic(threads: 2, startsPaused: false))
        let handles = try (0..<50).map { index in try pool.submit { _ in index * 2 } }
        var sum = 0
        for handle in handles { sum += try await handle.wait().get() }
        #expect(sum == (0..<50).reduce(0) { $0 + $1 * 2 })
        pool.shutdown()
    }

    @Test("outcomes map to errors")
    func outcomeErrors() throws {
        #expect(throws: PoolError.cancelled(.requested)) { try TaskOutcome<Int>.cancelled(.requested).get() }
        #expect(throws: Boom(code: 7)) { try TaskOutcome<Int>.failed(Boom(code: 7)).get() }
        #expect(try TaskOutcome<Int>.finished(3).get() == 3)
    }
}
