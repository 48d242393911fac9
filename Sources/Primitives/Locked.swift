#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a pthread mutex, with one condition variable to wait for changes
/// of it: the package's one lock type.
///
/// pthread primitives rather than `Synchronization.Mutex`, because ThreadSanitizer
/// understands them (the standard library's `Mutex` is built without TSan
/// instrumentation, so TSan cannot see its happens-before edges and reports races on
/// what it guards), and because waiting needs a condition variable, which needs a
/// pthread mutex. `Sendable` only where the guarded value is. Not reentrant.
public final class Locked<State> {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    /// The value, accessed only with `mutex` held. Kept out of line (not a stored
    /// property), so that ThreadSanitizer sees plain memory accesses ordered by the mutex
    /// rather than Swift property accesses (which it misreports for empty values).
    private let storage: UnsafeMutablePointer<State>

    /// A lock guarding `state`.
    public init(_ state: State) {
        storage = .allocate(capacity: 1)
        storage.initialize(to: state)
        mutex = .allocate(capacity: 1)
        condition = .allocate(capacity: 1)
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if os(Linux)
        // Timed waits measure CLOCK_MONOTONIC, like MonotonicInstant.
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        precondition(pthread_cond_init(condition, &attributes) == 0, "pthread_cond_init failed")
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
        storage.deinitialize(count: 1)
        storage.deallocate()
    }

    /// Runs `body` with exclusive access to the state.
    public func withLock<Result, Failure: Error>(_ body: (inout State) throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&storage.pointee)
    }

    /// Waits (releasing the lock meanwhile) until `isReady` holds or `deadline` passes,
    /// then runs `body` with the lock held; `body`'s second argument says whether
    /// `isReady` held. Wakes to check again on every ``broadcast()``.
    public func withLock<Result>(
        waitingUntil isReady: (inout State) -> Bool,
        deadline: MonotonicInstant? = nil,
        _ body: (inout State, _ isReady: Bool) -> Result
    ) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        var ready = isReady(&storage.pointee)
        while !ready {
            if let deadline {
                guard deadline.nanoseconds > MonotonicInstant.now.nanoseconds else { break }
                var time = timespec(tv_sec: Int(deadline.nanoseconds / 1_000_000_000), tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
                pthread_cond_timedwait(condition, mutex, &time)
            } else {
                pthread_cond_wait(condition, mutex)
            }
            ready = isReady(&storage.pointee)
        }
        return body(&storage.pointee, ready)
    }

    /// Wakes every thread waiting in ``withLock(waitingUntil:deadline:_:)`` to check its
    /// condition again. Call it after changing what such a condition reads.
    public func broadcast() {
        pthread_cond_broadcast(condition)
    }
}

extension Locked: @unchecked Sendable where State: Sendable {}
