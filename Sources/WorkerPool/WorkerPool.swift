public import Primitives
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A fixed pool of worker threads running synchronous closures by priority, with
/// starvation-free aging, cancellation, coalescing by key, single-flight by name,
/// per-class concurrency limits, timeouts, events and statistics.
///
/// See `Docs/WORKER_POOL.md` for the exact semantics. In short:
/// - Tasks are ordered by a fixed virtual deadline `submit time + deadlineOffsets[priority]`
///   (FIFO on ties) and never re-sorted while queued.
/// - ``submit(name:priority:key:supersedesRunning:concurrencyClass:timeout:_:)`` returns a
///   ``TaskHandle`` that reaches exactly one terminal ``TaskState``.
/// - The closure receives a ``TaskContext``: poll ``TaskContext/isCancelled``, report
///   progress.
/// - ``shutdown(_:)`` drains or cancels queued work and joins every thread; dropping the
///   last reference to a pool that was not shut down does `shutdown(.cancelPending)`.
public final class WorkerPool: Sendable {
    /// How a pool is built.
    public struct Configuration: Sendable {
        /// Number of serving worker threads (at least 1).
        public var workerCount: Int
        /// Per priority, the offset added to the submit time to form a task's virtual
        /// deadline. A missing priority uses ``defaultDeadlineOffsets``. The difference
        /// between two offsets bounds how long the less urgent task can be overtaken.
        public var deadlineOffsets: [PoolPriority: Duration]
        /// Per concurrency class, the most tasks of that class that may run at once.
        /// Classes not listed are unlimited.
        public var concurrencyLimits: [String: Int]
        /// How often the watchdog thread checks running tasks against their timeouts;
        /// `nil` runs no watchdog (call ``WorkerPool/checkTimeouts()`` yourself).
        public var timeoutCheckInterval: Duration?
        /// How many extra threads the pool may run to replace workers stuck in timed-out
        /// closures. When reached, a timed-out worker is not replaced.
        public var maxReplacementWorkers: Int
        /// Create the pool without threads; tasks queue until ``WorkerPool/start()``
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

        /// Creates a configuration. `workerCount` defaults to the number of active
        /// processors, `maxReplacementWorkers` to `workerCount`, `clock` to the monotonic
        /// system clock.
        public init(
            workerCount: Int? = nil,
            deadlineOffsets: [PoolPriority: Duration] = [:],
            concurrencyLimits: [String: Int] = [:],
            timeoutCheckInterval: Duration? = .milliseconds(10),
            maxReplacementWorkers: Int? = nil,
            clock: (any PreviewClock)? = nil
        ) {
            self.workerCount = workerCount ?? WorkerPool.defaultWorkerCount
            self.deadlineOffsets = deadlineOffsets
            self.concurrencyLimits = concurrencyLimits
            self.timeoutCheckInterval = timeoutCheckInterval
            self.maxReplacementWorkers = maxReplacementWorkers ?? self.workerCount
            self.clock = clock ?? SystemClock()
        }
    }

    /// The number of active processors: the default worker count.
    package static var defaultWorkerCount: Int {
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

    /// Number of serving worker threads.
    public var workerCount: Int { core.workerCount }

    /// Starts the threads of a pool created with `startsPaused`. Does nothing otherwise.
    package func start() {
        core.start()
    }

    /// Queues `work`.
    ///
    /// - Parameters:
    ///   - name: a name for events, single-flight (``submitIfIdle(name:priority:key:supersedesRunning:concurrencyClass:timeout:_:)``)
    ///     and ``isRunning(name:)``.
    ///   - priority: the level; with the submit time it fixes the task's queue position.
    ///   - key: a coalescing key. If a task with this key is queued, it is replaced: it
    ///     ends ``TaskState/cancelled`` with ``CancellationReason/coalesced(into:)``, and
    ///     the new task takes the earlier of the two queue positions. The new handle's
    ///     ``TaskHandle/coalescedTaskID`` names the replaced task.
    ///   - supersedesRunning: with a `key`, also cancel running tasks with that key
    ///     (``CancellationReason/superseded(by:)``): their tokens are signalled and their
    ///     results discarded.
    ///   - concurrencyClass: a class whose ``Configuration/concurrencyLimits`` entry caps
    ///     how many of its tasks run at once.
    ///   - timeout: maximum running time, measured by the pool clock from the start.
    ///   - work: the closure, run once on a worker thread (or never, if it is cancelled
    ///     or replaced while queued).
    /// - Throws: ``PoolError/shutDown`` once ``shutdown(_:)`` has begun.
    @discardableResult
    public func submit<Value: Sendable>(
        name: String? = nil,
        priority: PoolPriority = .normal,
        key: String? = nil,
        supersedesRunning: Bool = false,
        concurrencyClass: String? = nil,
        timeout: Duration? = nil,
        _ work: @escaping @Sendable (TaskContext) throws -> Value
    ) throws(PoolError) -> TaskHandle<Value> {
        let job = makeJob(name: name, priority: priority, key: key, supersedesRunning: supersedesRunning,
                          concurrencyClass: concurrencyClass, timeout: timeout, work)
        _ = try core.submit(job, ifIdle: false)
        return TaskHandle(job: job, owner: owner)
    }

    /// Single-flight submission: queues `work` under `name` only if no task with that
    /// name is pending or running; otherwise queues nothing and returns `nil`. The check
    /// and the submission are one atomic step. Parameters as in
    /// ``submit(name:priority:key:supersedesRunning:concurrencyClass:timeout:_:)``.
    ///
    /// - Throws: ``PoolError/shutDown`` once ``shutdown(_:)`` has begun.
    @discardableResult
    package func submitIfIdle<Value: Sendable>(
        name: String,
        priority: PoolPriority = .normal,
        key: String? = nil,
        supersedesRunning: Bool = false,
        concurrencyClass: String? = nil,
        timeout: Duration? = nil,
        _ work: @escaping @Sendable (TaskContext) throws -> Value
    ) throws(PoolError) -> TaskHandle<Value>? {
        let job = makeJob(name: name, priority: priority, key: key, supersedesRunning: supersedesRunning,
                          concurrencyClass: concurrencyClass, timeout: timeout, work)
        return try core.submit(job, ifIdle: true) ? TaskHandle(job: job, owner: owner) : nil
    }

    /// Whether a task named `name` is pending or running (a cancelled task whose closure
    /// has not returned yet still counts; a timed-out one does not).
    package func isRunning(name: String) -> Bool {
        core.isBusy(name: name)
    }

    /// Cancels every queued task (they never run) and every running task (tokens
    /// signalled, results discarded). Returns how many tasks it cancelled.
    @discardableResult
    public func cancelAll() -> Int {
        core.cancelAll()
    }

    /// Times out every running task whose deadline (start + timeout, by the pool clock)
    /// has passed; the watchdog calls this every ``Configuration/timeoutCheckInterval``.
    /// Returns how many tasks it timed out.
    @discardableResult
    package func checkTimeouts() -> Int {
        core.checkTimeouts()
    }

    /// Blocks until no task is queued and no closure is executing (closures of
    /// timed-out tasks excluded), or until `timeout` (wall-clock) passes. Returns whether
    /// the pool is idle. A paused pool with queued work is not idle.
    @discardableResult
    public func waitUntilIdle(timeout: Duration? = nil) -> Bool {
        core.waitUntilIdle(timeout: timeout)
    }

    /// A stream of every task event from now on. Events are only produced while at
    /// least one stream is open. The stream finishes when the pool shuts down; a stream
    /// requested after shutdown is already finished.
    public func events(
        bufferingPolicy: AsyncStream<PoolEvent>.Continuation.BufferingPolicy = .unbounded
    ) -> AsyncStream<PoolEvent> {
        core.events(bufferingPolicy: bufferingPolicy)
    }

    /// A snapshot of counters and latency percentiles.
    package var statistics: PoolStatistics {
        core.statistics()
    }

    /// Stops the pool: from now on `submit` throws ``PoolError/shutDown``; queued work is
    /// run (`.drain`) or cancelled (`.cancelPending`); running tasks finish; then every
    /// thread is joined and every event stream finished. Blocks until all that is done
    /// (including closures stuck past their timeout). Later calls wait for the first to
    /// complete. Must not be called from a task running on this pool.
    public func shutdown(_ mode: ShutdownMode = .drain) {
        core.shutdown(mode)
    }
}

extension WorkerPool {
    private func makeJob<Value: Sendable>(
        name: String?, priority: PoolPriority, key: String?, supersedesRunning: Bool,
        concurrencyClass: String?, timeout: Duration?, _ work: @escaping @Sendable (TaskContext) throws -> Value
    ) -> Job {
        Job(id: Job.nextID(), priority: priority, name: name, key: key, concurrencyClass: concurrencyClass,
            timeout: timeout, supersedesRunning: supersedesRunning) { context in try work(context) }
    }
}

/// A strong reference to a pool's core, shared by its task handles.
final class CoreOwner: Sendable {
    let core: PoolCore

    init(_ core: PoolCore) { self.core = core }
}
