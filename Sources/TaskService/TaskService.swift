#if canImport(Glibc)
import Glibc
#endif
package import Primitives
import ThreadPool

/// Runs ``LongTask``s on a pool of its own at `normal` priority and keeps their state
/// in memory: status, progress, events for subscribers, cancellation, timeouts,
/// single-flight by ``LongTask/exclusiveKey``, and removal of finished tasks after a
/// time to live. Nothing survives the process: a restart forgets every task. See
/// `Docs/TASKS.md`.
public final class TaskService: Sendable {
    /// The service's settings.
    public let configuration: TaskServiceConfiguration
    private let pool: ThreadPool
    private let clock: any PreviewClock
    private let state = Locked(ServiceState())
    /// The armed tick timer, on the service's clock; `isStarted` from the first task on,
    /// `isStopped` once shut down.
    private let ticker = Locked<(timer: (any ScheduledTimer)?, isStarted: Bool, isStopped: Bool)>((nil, false, false))

    private struct ServiceState {
        var records: [String: TaskRecord] = [:]
        /// The queued or running task of each exclusive key.
        var exclusive: [String: String] = [:]
        /// Finished tasks, oldest first.
        var finished: [String] = []
        var nextSubscriber = 0
        var submitted = 0
        var isShutDown = false
    }

    /// A service with its own pool of ``TaskServiceConfiguration/concurrentTasks``
    /// threads, ticking every ``TaskServiceConfiguration/tickInterval``.
    public convenience init(configuration: TaskServiceConfiguration = .init()) {
        self.init(configuration: configuration, clock: nil)
    }

    /// A service whose pool and ticks read `clock` (a manual clock in tests; the system's
    /// when nil).
    package init(configuration: TaskServiceConfiguration, clock: (any PreviewClock)?) {
        self.configuration = configuration
        // Timeouts are the service's (cooperative, see `tick`): no pool watchdog. The
        // threads start with the first task: a server that never runs one has none.
        var poolConfiguration = ThreadPool.Configuration(threadCount: configuration.concurrentTasks, clock: clock)
        poolConfiguration.startsPaused = true
        pool = ThreadPool(configuration: poolConfiguration)
        self.clock = poolConfiguration.clock
    }

    deinit {
        stopTicking()
    }

    /// Queues `task` with `timeout` (the configuration's default when nil) and returns
    /// its identifier. Throws ``TaskServiceError/busy(runningTask:)`` while a task with
    /// the same exclusive key is queued or running, ``TaskServiceError/shutDown`` after
    /// ``shutdown()``.
    public func submit<Task: LongTask>(_ task: Task, timeout: Duration? = nil) throws(TaskServiceError) -> String {
        let now = clock.now
        let id = try state.withLock { state throws(TaskServiceError) -> String in
            guard !state.isShutDown else { throw .shutDown }
            if let key = task.exclusiveKey, let running = state.exclusive[key] { throw .busy(runningTask: running) }
            var id = Self.newIdentifier()
            while state.records[id] != nil { id = Self.newIdentifier() }
            state.submitted += 1
            state.records[id] = TaskRecord(
                id: id, sequence: state.submitted, kind: task.kind, parameters: task.parameters, exclusiveKey: task.exclusiveKey,
                timeout: timeout ?? configuration.defaultTimeout, submittedAt: now, submittedWallClock: Self.wallClock()
            )
            if let key = task.exclusiveKey { state.exclusive[key] = id }
            return id
        }
        pool.start()
        startTicking()
        let handle: TaskHandle<Void>
        do {
            handle = try pool.submit(priority: .normal) { [self] context in run(task, id: id, context: context) }
        } catch {
            end(id, as: .cancelled, error: "the task service has shut down")
            throw .shutDown
        }
        state.withLock { $0.records[id]?.cancelQueued = { handle.cancel() } }
        _Concurrency.Task { [self] in
            // A task the pool ended before it started (cancelled while queued, or a pool
            // shutdown) never reaches `run`.
            if case .cancelled = await handle.wait() { end(id, as: .cancelled, error: "cancelled before it started", onlyIfQueued: true) }
        }
        return id
    }

    /// The task's status, or nil for an unknown (or expired) identifier.
    public func status(of id: String) -> TaskStatus? {
        let now = clock.now
        return state.withLock { $0.records[id]?.status(at: now) }
    }

    /// Every task still known (queued, running, and finished within the time to live),
    /// oldest first.
    public var tasks: [TaskStatus] {
        let now = clock.now
        return state.withLock { state in
            state.records.values.sorted { $0.sequence < $1.sequence }.map { $0.status(at: now) }
        }
    }

    /// Cancels a task: a queued one never runs; a running one is asked to stop, and
    /// ends `cancelled` when it does (its final event says so).
    public func cancel(_ id: String) -> CancelOutcome {
        let step = state.withLock { state -> (CancelOutcome, (@Sendable () -> Bool)?, [@Sendable () -> Void]) in
            guard var record = state.records[id] else { return (.unknown, nil, []) }
            if record.state.isFinal { return (.alreadyEnded(record.state), nil, []) }
            if record.committing { return (.finishing, nil, []) }
            let handlers = record.requestStop(.cancelled)
            state.records[id] = record
            return (.requested, record.state == .queued ? record.cancelQueued : nil, handlers)
        }
        for handler in step.2 { handler() }
        if let cancelQueued = step.1, cancelQueued() {
            end(id, as: .cancelled, error: "cancelled before it started", onlyIfQueued: true)
            return .cancelled
        }
        return step.0
    }

    /// The task's events from now on: for a running task first a `task_started` with
    /// its current status; for a finished one its final event at once. The stream
    /// finishes after the final event. Nil for an unknown identifier.
    public func events(of id: String) -> AsyncStream<TaskEvent>? {
        let (stream, continuation) = AsyncStream.makeStream(of: TaskEvent.self, bufferingPolicy: .bufferingNewest(configuration.subscriberBuffer))
        let now = clock.now
        let registered = state.withLock { state -> Bool? in
            guard let record = state.records[id] else { return nil }
            let status = record.status(at: now)
            if record.state.isFinal {
                continuation.yield(.final(status))
                return false
            }
            if record.state == .running { continuation.yield(.started(status)) }
            let number = state.nextSubscriber
            state.nextSubscriber += 1
            state.records[id]?.subscribers[number] = continuation
            continuation.onTermination = { [weak self] _ in
                self?.state.withLock { _ = $0.records[id]?.subscribers.removeValue(forKey: number) }
            }
            return true
        }
        guard let registered else { return nil }
        if !registered { continuation.finish() }
        return stream
    }

    /// Waits for the task's final status (nil for an unknown identifier).
    public func finalStatus(of id: String) async -> TaskStatus? {
        guard let events = events(of: id) else { return nil }
        for await event in events where event.isFinal { return event.status }
        return status(of: id)
    }

    /// Checks timeouts, removes finished tasks past their time to live, and sends a
    /// heartbeat to the subscribers of unfinished tasks. The service calls it every
    /// ``TaskServiceConfiguration/tickInterval``.
    public func tick() {
        let now = clock.now
        let handlers = state.withLock { state in
            var handlers: [@Sendable () -> Void] = []
            for (id, record) in state.records where !record.state.isFinal {
                if record.state == .running, let startedAt = record.startedAt, startedAt.advanced(by: record.timeout) <= now {
                    handlers += state.records[id]!.requestStop(.timedOut)
                }
                record.broadcast(.heartbeat)
            }
            let expired = state.finished.prefix { id in
                state.records[id].map { ($0.endedAt ?? now).advanced(by: configuration.timeToLive) <= now } ?? true
            }
            for id in expired { state.records[id] = nil }
            state.finished.removeFirst(expired.count)
            return handlers
        }
        for handler in handlers { handler() }
    }

    /// Cancels every task and waits for the running ones to stop; later submissions
    /// are refused.
    public func shutdown() {
        let ids = state.withLock { state in
            state.isShutDown = true
            return Array(state.records.keys)
        }
        for id in ids { _ = cancel(id) }
        stopTicking()
        pool.shutdown(.cancelPending)
    }
}

extension TaskService {
    /// Starts the ticks (once, with the first task: a service that never runs one never
    /// wakes up): a timer on the service's clock that re-arms itself after each tick.
    private func startTicking() {
        guard configuration.tickInterval != nil else { return }
        // Checked and set in one step: two first tasks at once start one chain of ticks.
        let starts = ticker.withLock { ticker -> Bool in
            guard !ticker.isStarted, !ticker.isStopped else { return false }
            ticker.isStarted = true
            return true
        }
        if starts { armTick() }
    }

    private func armTick() {
        guard let interval = configuration.tickInterval else { return }
        let timer = clock.schedule(after: interval) { [weak self] in
            guard let self else { return }
            self.tick()
            self.armTick()
        }
        let armed = ticker.withLock { ticker -> Bool in
            guard !ticker.isStopped else { return false }
            ticker.timer = timer
            return true
        }
        if !armed { timer.cancel() }
    }

    private func stopTicking() {
        let timer = ticker.withLock { ticker -> (any ScheduledTimer)? in
            ticker.isStopped = true
            defer { ticker.timer = nil }
            return ticker.timer
        }
        timer?.cancel()
    }

    /// The pool's closure for one task.
    private func run<Task: LongTask>(_ task: Task, id: String, context: TaskContext) {
        let now = clock.now
        let starts = state.withLock { state -> Bool in
            guard var record = state.records[id], record.state == .queued else { return false }
            if record.stop != nil { return false }
            record.state = .running
            record.startedAt = now
            record.broadcast(.started(record.status(at: now)))
            state.records[id] = record
            return true
        }
        guard starts else {
            end(id, as: .cancelled, error: "cancelled before it started", onlyIfQueued: true)
            return
        }
        let progress = TaskProgressHandle(id: id, service: self, poolCancelled: { context.isCancelled })
        do {
            let value = try task.execute(progress: progress)
            finish(id, result: value, error: nil)
        } catch {
            finish(id, result: nil, error: error)
        }
    }

    /// The task's closure returned `result` or threw `error`: it completed or failed,
    /// unless it was asked to stop before committing (then it was cancelled or timed out).
    private func finish(_ id: String, result: (any Encodable & Sendable)?, error: (any Error)?) {
        let stop = state.withLock { state -> (reason: TaskState, timeout: Duration)? in
            guard let record = state.records[id], record.shouldStop, let reason = record.stop else { return nil }
            return (reason, record.timeout)
        }
        if let stop {
            end(id, as: stop.reason, error: stop.reason == .timedOut ? "timed out after \(Self.seconds(stop.timeout)) s" : "cancelled")
        } else if error is CancellationError {
            end(id, as: .cancelled, error: "cancelled")
        } else if let error {
            end(id, as: .failed, error: String(describing: error), failure: error)
        } else {
            end(id, as: .completed, result: result)
        }
    }

    /// Ends the task (once): records its final state, sends the final event, finishes
    /// its subscribers, frees its exclusive key and drops the oldest finished tasks
    /// beyond the limit. With `onlyIfQueued`, only a task that never started is ended.
    private func end(
        _ id: String, as final: TaskState, result: (any Encodable & Sendable)? = nil, error: String? = nil, failure: (any Error)? = nil,
        onlyIfQueued: Bool = false
    ) {
        let now = clock.now
        let subscribers = state.withLock { state -> [AsyncStream<TaskEvent>.Continuation] in
            guard var record = state.records[id], !record.state.isFinal, !onlyIfQueued || record.state == .queued else { return [] }
            record.result = result
            record.error = error
            record.failure = failure
            let subscribers = record.end(final, at: now)
            state.records[id] = record
            if let key = record.exclusiveKey, state.exclusive[key] == id { state.exclusive[key] = nil }
            state.finished.append(id)
            while state.finished.count > configuration.finishedLimit { state.records[state.finished.removeFirst()] = nil }
            return subscribers
        }
        for subscriber in subscribers { subscriber.finish() }
    }

    func stopRequested(_ id: String) -> Bool {
        state.withLock { $0.records[id]?.shouldStop ?? true }
    }

    /// Registers `handler` to run when the task is asked to stop; runs it at once if it
    /// was asked already.
    func addStopHandler(of id: String, _ handler: @escaping @Sendable () -> Void) {
        let stopping = state.withLock { state -> Bool in
            guard let record = state.records[id], !record.shouldStop, record.state == .running else { return true }
            state.records[id]?.stopHandlers.append(handler)
            return false
        }
        if stopping { handler() }
    }

    func beginCommit(of id: String) -> Bool {
        state.withLock { state in
            guard let record = state.records[id], record.state == .running, record.stop == nil else { return false }
            state.records[id]?.committing = true
            return true
        }
    }

    func reportProgress(of id: String, fraction: Double?, message: String?) {
        let now = clock.now
        state.withLock { state in
            guard var record = state.records[id], record.state == .running else { return }
            if let fraction { record.progress.fraction = fraction }
            if let message { record.progress.message = message }
            record.broadcast(.progress(record.status(at: now)))
            state.records[id] = record
        }
    }

    private static func newIdentifier() -> String {
        let value = UInt64.random(in: 0 ... .max)
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    private static func wallClock() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// `duration` in seconds: whole when it is, fractional otherwise.
    private static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return attoseconds == 0 ? String(seconds) : String(duration.milliseconds / 1000)
    }
}
