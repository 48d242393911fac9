import Primitives

/// The pool's machinery: one lock (with its condition) around ``PoolState``, worker
/// threads that wait on it, and an optional watchdog thread for timeouts; shaped like
/// swift-nio's `NIOThreadPool`. What must not happen under the lock (resuming waiters,
/// finishing event streams, dropping closures whose captures may call back into the
/// pool, joining threads) is collected in ``AfterUnlock`` and done after it.
final class PoolCore: Sendable {
    let state = Locked(PoolState())
    let clock: any PreviewClock
    let workerCount: Int
    private let deadlineOffsets: [PoolPriority: Int64]
    let concurrencyLimits: [String: Int]
    let watchdogInterval: Duration?
    let maxReplacementWorkers: Int

    init(configuration: WorkerPool.Configuration) {
        clock = configuration.clock
        workerCount = max(1, configuration.workerCount)
        var offsets: [PoolPriority: Int64] = [:]
        for priority in PoolPriority.allCases {
            let offset = configuration.deadlineOffsets[priority] ?? WorkerPool.Configuration.defaultDeadlineOffsets[priority]!
            offsets[priority] = max(0, offset.nanosecondsClamped)
        }
        deadlineOffsets = offsets
        concurrencyLimits = configuration.concurrencyLimits.mapValues { max(1, $0) }
        watchdogInterval = configuration.timeoutCheckInterval
        maxReplacementWorkers = max(0, configuration.maxReplacementWorkers)
    }

    // MARK: Submitting and ending tasks

    /// Queues `job` (coalescing and superseding by key); with `ifIdle`, only if no task
    /// of its name is pending or running. Returns whether it was queued.
    func submit(_ job: Job, ifIdle: Bool) throws(PoolError) -> Bool {
        var after = AfterUnlock()
        let accepted = try state.withLock { state throws(PoolError) -> Bool in
            guard state.lifecycle.acceptsWork else { throw .shutDown }
            if ifIdle, let name = job.name, state.busyNames[name] != nil { return false }
            let now = clock.now
            state.sequence += 1
            job.submittedAt = now
            job.order = QueueOrder(deadline: now.nanoseconds &+ deadlineOffsets[job.priority]!, sequence: state.sequence)
            state.counters.submitted += 1
            state.pendingPerPriority[job.priority.rawValue] += 1
            if let name = job.name {
                job.countsAsBusy = true
                state.busyNames[name, default: 0] += 1
            }
            var replaced: Job?
            if let key = job.key {
                if let old = state.pendingByKey[key] {
                    replaced = old
                    job.order = min(old.order, job.order)
                    job.replacedTaskID = old.id
                    state.removePending(old)
                    endLocked(old, .cancelled(.coalesced(into: job.id)), &after, &state)
                }
                if job.supersedesRunning {
                    for running in state.executing.values where running.key == key && running.state == .running {
                        running.cancelRequested.store(true, ordering: .releasing)
                        endLocked(running, .cancelled(.superseded(by: job.id)), &after, &state)
                        emitLocked(.superseded(by: job.id), of: running, &state)
                    }
                }
                state.pendingByKey[key] = job
            }
            state.enqueue(job)
            emitLocked(.submitted(replacing: replaced?.id), of: job, &state)
            if let replaced { emitLocked(.coalesced(into: job.id), of: replaced, &state) }
            return true
        }
        if accepted { state.broadcast() }
        after.run()
        return accepted
    }

    /// Cancels a pending job (it never runs) or a running one (token signalled, result
    /// discarded). Returns false if it had ended already.
    func cancel(_ job: Job) -> Bool {
        var after = AfterUnlock()
        let cancelled = state.withLock { state in cancelLocked(job, reason: .requested, &after, &state) }
        if cancelled { state.broadcast() }
        after.run()
        return cancelled
    }

    /// Cancels every pending and running job.
    func cancelAll() -> Int {
        var after = AfterUnlock()
        let count = state.withLock { state -> Int in
            let jobs = state.pendingJobs + state.executing.values.filter { $0.state == .running }
            return jobs.reduce(0) { $0 + (cancelLocked($1, reason: .requested, &after, &state) ? 1 : 0) }
        }
        if count > 0 { state.broadcast() }
        after.run()
        return count
    }

    func cancelLocked(_ job: Job, reason: CancellationReason, _ after: inout AfterUnlock, _ state: inout PoolState) -> Bool {
        switch job.state {
        case .pending:
            state.removePending(job)
        case .running:
            job.cancelRequested.store(true, ordering: .releasing)
        default:
            return false
        }
        endLocked(job, .cancelled(reason), &after, &state)
        emitLocked(.cancelled(reason), of: job, &state)
        return true
    }

    /// Gives `job` its terminal outcome: counted, its closure dropped if it never ran, its
    /// waiters resumed after the lock is released. The caller emits the event.
    func endLocked(_ job: Job, _ outcome: TaskOutcome<any Sendable>, _ after: inout AfterUnlock, _ state: inout PoolState) {
        job.outcome = outcome
        job.state = outcome.state
        switch outcome {
        case .finished: state.counters.completed += 1
        case .failed: state.counters.failed += 1
        case .timedOut: state.counters.timedOut += 1
        case .cancelled(.coalesced): state.counters.coalesced += 1
        case .cancelled(.superseded): state.counters.superseded += 1
        case .cancelled: state.counters.cancelled += 1
        }
        if let work = job.work {
            job.work = nil
            after.droppedWork.append(work)
        }
        after.resumptions += job.waiters
        job.waiters = []
    }

    func emitLocked(_ kind: PoolEvent.Kind, of job: Job, _ state: inout PoolState) {
        guard !state.observers.isEmpty else { return }
        let event = PoolEvent(kind: kind, taskID: job.id, name: job.name, key: job.key, priority: job.priority, time: clock.now)
        for observer in state.observers.values { observer.yield(event) }
    }

    // MARK: Workers

    private enum Step {
        case run(Job, Job.Work)
        case again
        case exit
    }

    func spawnWorkerLocked(_ state: inout PoolState) {
        let worker = WorkerRecord()
        state.workers.append(worker)
        worker.thread = spawnThread { [self] in workerLoop(worker) }
    }

    private func workerLoop(_ worker: WorkerRecord) {
        while true {
            let step: Step = state.withLock(waitingUntil: { $0.readyCount > 0 || Self.shouldExit($0) }) { state, _ in
                if Self.shouldExit(state) { return .exit }
                while let job = state.takeNext(limits: concurrencyLimits) {
                    guard let work = job.work else { continue }
                    job.work = nil
                    job.worker = worker
                    state.start(job, at: clock.now)
                    emitLocked(.started, of: job, &state)
                    return .run(job, work)
                }
                return .again
            }
            switch step {
            case .again:
                continue
            case .exit:
                return exit(worker)
            case .run(let job, let work):
                if job.timeout != nil { state.broadcast() }   // the watchdog waits for timed executions
                let result = Result { try work(TaskContext(job: job, core: self)) }
                var after = AfterUnlock()
                let retires = state.withLock { state in finishLocked(job, result, on: worker, &after, &state) }
                state.broadcast()
                after.run()
                if retires { return exit(worker) }
            }
        }
    }

    /// Workers leave once shutdown began and nothing is pending.
    private static func shouldExit(_ state: PoolState) -> Bool {
        if case .shuttingDown = state.lifecycle { return state.pendingCount == 0 }
        return state.lifecycle == .terminated
    }

    /// Records a returned closure; returns whether its worker retires (it was replaced
    /// after a timeout).
    private func finishLocked(_ job: Job, _ result: Result<any Sendable, any Error>, on worker: WorkerRecord,
                              _ after: inout AfterUnlock, _ state: inout PoolState) -> Bool {
        let now = clock.now
        job.isExecuting = false
        job.worker = nil
        if job.state == .timedOut {
            state.stuckWorkers -= 1
        } else {
            state.executing[job.id] = nil
            if job.timeout != nil { state.timedExecutions -= 1 }
        }
        state.releaseClassSlot(of: job)
        state.releaseBusyName(of: job)
        if let started = job.startedAt { state.runTime.record(UInt64(clamping: max(0, now.nanoseconds - started.nanoseconds))) }
        if job.state == .running {
            switch result {
            case .success(let value):
                endLocked(job, .finished(value), &after, &state)
                emitLocked(.completed, of: job, &state)
            case .failure(let error):
                endLocked(job, .failed(error), &after, &state)
                emitLocked(.failed(error), of: job, &state)
            }
        }
        return worker.isRetired
    }

    private func exit(_ worker: WorkerRecord) {
        state.withLock { state in
            state.workers.removeAll { $0 === worker }
            if state.detachOnExit { detachCurrentThread() } else { state.exitedThreads.append(currentThread()) }
        }
        state.broadcast()
    }
}

/// What a locked section leaves to do once the lock is released.
struct AfterUnlock {
    var resumptions: [CheckedContinuation<Void, Never>] = []
    var droppedWork: [Job.Work] = []
    var finishedStreams: [AsyncStream<PoolEvent>.Continuation] = []

    mutating func run() {
        for continuation in resumptions { continuation.resume() }
        resumptions = []
        droppedWork = []
        for stream in finishedStreams { stream.finish() }
        finishedStreams = []
    }
}
