public import Primitives
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A fixed pool of threads running synchronous closures by priority, with
/// starvation-free aging, cancellation, coalescing by key, per-class concurrency limits
/// and statistics.
///
/// See `Docs/THREAD_POOL.md` for the exact semantics. In short:
/// - Tasks are ordered by a fixed virtual deadline `submit time + deadlineOffsets[priority]`
///   (FIFO on ties) and never re-sorted while queued.
/// - ``submit(priority:key:concurrencyClass:_:)`` returns a
///   ``TaskHandle`` that reaches exactly one terminal ``TaskState``.
/// - The closure receives a ``TaskContext``: poll ``TaskContext/isCancelled``, report
///   progress.
/// - ``shutdown(_:)`` drains or cancels queued work and joins every thread; dropping the
///   last reference to a pool that was not shut down does `shutdown(.cancelPending)`.
public final class ThreadPool: Sendable {
    /// How a pool is built.
    public struct Configuration: Sendable {
        /// Number of threads (at least 1).
        public var threadCount: Int
        /// Per priority, the offset added to the submit time to form a task's virtual
        /// deadline. A missing priority uses ``defaultDeadlineOffsets``. The difference
        /// between two offsets bounds how long the less urgent task can be overtaken.
        public var deadlineOffsets: [PoolPriority: Duration]
        /// Per concurrency class, the most tasks of that class that may run at once.
        /// Classes not listed are unlimited.
        public var concurrencyLimits: [String: Int]
        /// Create the pool without threads; tasks queue until ``ThreadPool/start()``
        /// (for the package's deterministic tests).
        package var startsPaused = false
        /// The pool's notion of now.
        public var clock: any PreviewClock

        /// Offsets used when ``deadlineOffsets`` has no entry: critical 0, high 10 ms,
        /// normal 100 ms, low 1 s, idle 5 s.
        package static let defaultDeadlineOffsets: [PoolPriority: Duration] = [
            .critical: .zero,
            .high: .milliseconds(10),
            .normal: .milliseconds(100),
            .low: .seconds(1),
            .idle: .seconds(5),
        ]

        /// Creates a configuration. `threadCount` defaults to the number of active
        /// processors, `clock` to the monotonic system clock.
        public init(
            threadCount: Int? = nil,
            deadlineOffsets: [PoolPriority: Duration] = [:],
            concurrencyLimits: [String: Int] = [:],
            clock: (any PreviewClock)? = nil
        ) {
            self.threadCount = threadCount ?? ThreadPool.defaultThreadCount
            self.deadlineOffsets = deadlineOffsets
            self.concurrencyLimits = concurrencyLimits
            self.clock = clock ?? SystemClock()
        }
    }

    /// The number of active processors: the default thread count.
    package static var defaultThreadCount: Int {
        Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    let core: PoolCore
    let owner: CoreOwner

    /// Creates a pool and, unless `configuration.startsPaused`, starts its threads.
    public init(configuration: Configuration = Configuration()) {
        core = PoolCore(configuration: configuration)
        owner = CoreOwner(core)
        if !configuration.startsPaused { core.start() }
    }

    deinit {
        core.ownerDidDeinit()
    }

    /// Number of threads.
    public var threadCount: Int { core.threadCount }

    /// Starts the threads of a pool created with `startsPaused`. Does nothing otherwise.
    package func start() {
        core.start()
    }

    /// Queues `work`.
    ///
    /// - Parameters:
    ///   - priority: the level; with the submit time it fixes the task's queue position.
    ///   - key: a coalescing key. If a task with this key is queued, it is replaced: it
    ///     ends ``TaskState/cancelled`` with ``CancellationReason/coalesced(into:)``, and
    ///     the new task takes the earlier of the two queue positions. The new handle's
    ///     ``TaskHandle/coalescedTaskID`` names the replaced task. A running task with the
    ///     key is not touched: it finishes and delivers its result.
    ///   - concurrencyClass: a class whose ``Configuration/concurrencyLimits`` entry caps
    ///     how many of its tasks run at once.
    ///   - work: the closure, run once on a pool thread (or never, if it is cancelled
    ///     or replaced while queued).
    /// - Throws: ``PoolError/shutDown`` once ``shutdown(_:)`` has begun.
    @discardableResult
    public func submit<Value: Sendable>(
        priority: PoolPriority = .normal,
        key: String? = nil,
        concurrencyClass: String? = nil,
        _ work: @escaping @Sendable (TaskContext) throws -> Value
    ) throws(PoolError) -> TaskHandle<Value> {
        let job = Job(id: Job.nextID(), priority: priority, key: key, concurrencyClass: concurrencyClass) { context in
            try work(context)
        }
        try core.submit(job)
        return TaskHandle(job: job, owner: owner)
    }

    /// Cancels every queued task (they never run) and every running task (tokens
    /// signalled, results discarded). Returns how many tasks it cancelled.
    @discardableResult
    public func cancelAll() -> Int {
        core.cancelAll()
    }

    /// Blocks until no task is queued and no closure is executing, or until `timeout`
    /// (by the pool clock) passes. Returns whether
    /// the pool is idle. A paused pool with queued work is not idle.
    @discardableResult
    public func waitUntilIdle(timeout: Duration? = nil) -> Bool {
        core.waitUntilIdle(timeout: timeout)
    }

    /// A snapshot of counters and latency percentiles.
    package var statistics: PoolStatistics {
        core.statistics()
    }

    /// Stops the pool: from now on `submit` throws ``PoolError/shutDown``; queued work is
    /// run (`.drain`) or cancelled (`.cancelPending`); running tasks finish; then every
    /// thread is joined. Blocks until all that is done. Later calls wait for the first to
    /// complete. Must not be called from a task running on this pool.
    public func shutdown(_ mode: ShutdownMode = .drain) {
        core.shutdown(mode)
    }
}

/// A strong reference to a pool's core, shared by its task handles.
final class CoreOwner: Sendable {
    let core: PoolCore

    init(_ core: PoolCore) { self.core = core }
}
