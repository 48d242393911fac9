#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pool thread's handle.
typealias PoolThread = pthread_t

private final class ThreadStart {
    let body: () -> Void
    init(_ body: @escaping () -> Void) { self.body = body }
}

/// Starts a joinable thread running `body`.
func spawnThread(_ body: @escaping () -> Void) -> PoolThread {
    let start = Unmanaged.passRetained(ThreadStart(body)).toOpaque()
    #if canImport(Darwin)
    var thread: pthread_t?
    let rc = pthread_create(&thread, nil, { context in
        Unmanaged<ThreadStart>.fromOpaque(context).takeRetainedValue().body()
        return nil
    }, start)
    precondition(rc == 0, "pthread_create failed: \(rc)")
    return thread!
    #else
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { context in
        Unmanaged<ThreadStart>.fromOpaque(context!).takeRetainedValue().body()
        return nil
    }, start)
    precondition(rc == 0, "pthread_create failed: \(rc)")
    return thread
    #endif
}

/// Waits for a thread started by ``spawnThread(_:)`` to end.
func joinThread(_ thread: PoolThread) {
    let rc = pthread_join(thread, nil)
    precondition(rc == 0, "pthread_join failed: \(rc)")
}

/// The calling thread.
func currentThread() -> PoolThread { pthread_self() }

/// Lets the calling thread's resources go when it ends, without a join.
func detachCurrentThread() { pthread_detach(pthread_self()) }

/// Whether two handles name the same thread.
func sameThread(_ a: PoolThread, _ b: PoolThread) -> Bool { pthread_equal(a, b) != 0 }

/// Lets an exited thread's resources go without a join.
func pthreadDetach(_ thread: PoolThread) { pthread_detach(thread) }
