import Foundation
import Testing
import ThreadPool

@Suite("Shutdown")
struct ShutdownTests {
    @Test("drain runs everything queued, then stops")
    func drain() throws {
        let pool = ThreadPool(configuration: .deterministic(threads: 2))
        let ran = Counter()
        let handles = try (0..<50).map { _ in try pool.submit { _ in ran.add(1) } }
        pool.shutdown(.drain) // starts the paused pool to drain it
        #expect(ran.value == 50)
        #expect(handles.allSatisfy { $0.state == .finished })
        #expect(throws: PoolError.shutDown) { try pool.submit { _ in } }
        #expect(pool.statistics.completed == 50)
    }

    @Test("cancelPending cancels queued work; running tasks finish and deliver")
    func cancelPending() throws {
        let pool = ThreadPool(configuration: .deterministic(threads: 1, startsPaused: false))
        let started = Signals()
        let gate = Gate()
        let running = try pool.submit { _ in
            started.signal()
            gate.wait()
            return "finished"
        }
        #expect(started.wait())
        let queued = try (0..<3).map { _ in try pool.submit { _ in "never" } }
        let done = Signals()
        Thread.detachNewThread {
            pool.shutdown(.cancelPending)
            done.signal()
        }
        for handle in queued {
            #expect(handle.wait(timeout: .seconds(20)).map { $0.state } == .cancelled)
            #expect(handle.cancellationReason == .shutdown)
        }
        #expect(throws: PoolError.shutDown) { try pool.submit { _ in } }
        gate.open()
        #expect(done.wait())
        #expect(running.outcome?.value == "finished")
        #expect(pool.statistics.cancelled == 3)
    }

    @Test("submit after shutdown fails clearly")
    func submitAfterShutdown() throws {
        let pool = ThreadPool(configuration: .deterministic())
        pool.shutdown()
        #expect(throws: PoolError.shutDown) { try pool.submit { _ in } }
        #expect(throws: PoolError.shutDown) { try pool.submit(key: "k") { _ in } }
        #expect(pool.statistics.submitted == 0)
        pool.shutdown() // again: returns at once
    }

    @Test("dropping a pool without shutdown cancels its queued work and stops its threads")
    func deinitShutsDown() throws {
        var handles: [TaskHandle<Void>] = []
        do {
            let pool = ThreadPool(configuration: .deterministic(threads: 2))
            handles = try (0..<5).map { _ in try pool.submit { _ in } }
        }
        #expect(handles.allSatisfy { $0.cancellationReason == .shutdown })
    }

    @Test("a pool dropped by one of its own tasks shuts down without deadlocking")
    func deinitOnPoolThread() throws {
        let finished = Signals()
        let submitted = Gate()
        let holder = PoolHolder(ThreadPool(configuration: .deterministic(threads: 1, startsPaused: false)))
        let handle = try submit(to: holder) { _ in
            submitted.wait()
            holder.pool = nil // the last reference goes away on the thread
            finished.signal()
        }
        submitted.open()
        #expect(finished.wait())
        #expect(handle.wait(timeout: .seconds(20))?.state == .finished)
    }

    @Test("concurrent shutdowns all return after the threads are joined")
    func concurrentShutdowns() throws {
        let pool = ThreadPool(configuration: .deterministic(threads: 2, startsPaused: false))
        let gate = Gate()
        let started = Signals()
        try pool.submit { _ in
            started.signal()
            gate.wait()
        }
        #expect(started.wait())
        let returned = Signals()
        for _ in 0..<3 {
            Thread.detachNewThread {
                pool.shutdown()
                returned.signal()
            }
        }
        #expect(returned.value == 0)
        gate.open()
        #expect(returned.wait(for: 3))
        #expect(pool.statistics.completed == 1)
    }
}

/// Submits through the holder's pool without keeping a reference to it afterwards.
private func submit(to holder: PoolHolder, _ work: @escaping @Sendable (TaskContext) -> Void) throws -> TaskHandle<Void> {
    try holder.pool!.submit(work)
}

/// Lets a task drop the last reference to its own pool.
final class PoolHolder: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: ThreadPool?

    init(_ pool: ThreadPool) { stored = pool }

    var pool: ThreadPool? {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set {
            lock.lock()
            let old = stored
            stored = newValue
            lock.unlock()
            _ = old
        }
    }
}
