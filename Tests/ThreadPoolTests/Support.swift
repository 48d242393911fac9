import Primitives
import Foundation
import ThreadPool

/// A gate tasks block on until the test opens it. `wait` has a generous timeout as a
/// safety net against hangs (it is never what a test relies on to make progress).
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until the gate opens; false if it did not within `timeout` seconds.
    @discardableResult
    func wait(timeout: TimeInterval = 20) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !isOpen {
            if !condition.wait(until: deadline) { return isOpen }
        }
        return true
    }
}

/// Counts signals; `wait(for:)` blocks until that many arrived.
final class Signals: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0

    func signal() {
        condition.lock()
        count += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until at least `target` signals arrived; false if not within `timeout`.
    @discardableResult
    func wait(for target: Int = 1, timeout: TimeInterval = 20) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while count < target {
            if !condition.wait(until: deadline) { return count >= target }
        }
        return true
    }

    var value: Int {
        condition.lock()
        defer { condition.unlock() }
        return count
    }
}

/// A thread-safe list of values, in append order.
final class Recorder<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Element] = []

    func append(_ element: Element) {
        lock.lock()
        storage.append(element)
        lock.unlock()
    }

    var values: [Element] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}

/// A thread-safe integer.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = 0
    private var peak = 0

    /// Adds `delta`; returns the new value.
    @discardableResult
    func add(_ delta: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        storage += delta
        peak = max(peak, storage)
        return storage
    }

    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    /// The largest value ever reached.
    var maximum: Int {
        lock.lock()
        defer { lock.unlock() }
        return peak
    }
}

/// A test error.
struct Boom: Error, Equatable {
    var code = 1
}

extension ThreadPool.Configuration {
    /// A deterministic configuration: manual clock, paused.
    static func deterministic(
        threads: Int = 1,
        clock: ManualClock = ManualClock(),
        deadlineOffsets: [PoolPriority: Duration] = ThreadPool.Configuration.defaultDeadlineOffsets,
        concurrencyLimits: [String: Int] = [:],
        startsPaused: Bool = true
    ) -> ThreadPool.Configuration {
        var configuration = ThreadPool.Configuration(
            threadCount: threads, deadlineOffsets: deadlineOffsets, concurrencyLimits: concurrencyLimits, clock: clock)
        configuration.startsPaused = startsPaused
        return configuration
    }
}

extension TaskOutcome {
    /// The value when finished.
    var value: Value? {
        if case .finished(let value) = self { value } else { nil }
    }
}

extension PoolStatistics {
    /// Whether every accepted submission is accounted for exactly once.
    var isBalanced: Bool {
        submitted == totalQueued + running + completed + failed + cancelled + coalesced
    }
}

/// Lets another thread run (a cooperative task's polling loop).
func yieldProcessor() {
    #if canImport(Glibc)
    sched_yield()
    #else
    pthread_yield_np()
    #endif
}
