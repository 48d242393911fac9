import Primitives

/// The pool's machinery: one lock (with its condition) around ``PoolState`` and the
/// threads that wait on it; shaped like swift-nio's `NIOThreadPool`. What must not
/// happen under the lock (resuming waiters, dropping closures whose captures may call
/// back into the pool, joining threads) is collected in ``AfterUnlock`` and done after it.
final class PoolCore: Sendable {
    let state = Locked(PoolState())
    let clock: any PreviewClock
    let threadCount: Int
    private let deadlineOffsets: [PoolPriority: Int64]
    let concurrencyLimits: [String: Int]

    init(configuration: ThreadPool.Configuration) {
        clock = configuration.clock
        threadCount = max(1, configuration.threadCount)
        var offsets: [PoolPriority: Int64] = [:]
        for priority in PoolPriority.allCases {
            let offset = configuration.deadlineOffsets[priority] ?? ThreadPool.Configuration.defaultDeadlineOffsets[priority]!
            offsets[priority] = max(0, offset.nanosecondsClamped)
        }
        deadlineOffsets = offsets
        concurrencyLimits = configuration.concurrencyLimits.mapValues { max(1, $0) }
    }

    // MARK: Submitting and ending tasks

    /// Queues `job`, replacing the queued job with the same key.
    func submit(_ job: Job) throws(PoolError) {
        var after = AfterUnlock()
        try state.withLock { state throws(PoolError) in
            guard state.lifecycle.acceptsWork else { throw .shutDown }
            let now = clock.now
            state.sequence += 1
            job.submittedAt = now
            job.order = QueueOrder(deadline: now.nanoseconds &+ deadlineOffsets[job.priority]!, sequence: state.sequence)
            state.counters.submitted += 1
            state.pendingPerPriority[job.priority.rawValue] += 1
            if let key = job.key {
                if let old = state.pendingByKey[key] {
                    job.order = min(old.order, job.order)
                    job.replacedTaskID = old.id
                    state.removePending(old)
                    endLocked(old, .cancelled(.coalesced(into: job.id)), &after, &state)
                }
                state.pendingByKey[key] = job
            }
            state.enqueue(job)
        }
        state.broadcast()
        after.run()
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
        return true
    }

    /// Gives `job` its terminal outcome: counted, its closure dropped if it never ran, its
    /// waiters resumed after the lock is released.
    func endLocked(_ job: Job, _ outcome: TaskOutcome<any Sendable>, _ after: inout AfterUnlock, _ state: inout PoolState) {
        job.outcome = outcome
        job.state = outcome.state
        switch outcome {
        case .finished: state.counters.completed += 1
        case .failed: state.counters.failed += 1
        case .cancelled(.coalesced): state.counters.coalesced += 1
        case .cancelled: state.counters.cancelled += 1
        }
        if let work = job.work {
            job.work = nil
            after.droppedWork.append(work)
        }
        after.resumptions += job.waiters
        job.waiters = []
    }

    // MARK: Threads

    private enum Step {
        case run(Job, Job.Work)
        case again
        case exit
    }

    func spawnThreadLocked(_ state: inout PoolState) {
        let record = ThreadRecord()
        state.threads.append(record)
        record.thread = spawnThread { [self] in threadLoop(record) }
    }

    private func threadLoop(_ record: ThreadRecord) {
        while true {
            let step: Step = state.withLock(waitingUntil: { $0.readyCount > 0 || Self.shouldExit($0) }) { state, _ in
                if Self.shouldExit(state) { return .exit }
                while let job = state.takeNext(limits: concurrencyLimits) {
                    guard let work = job.work else { continue }
                    job.work = nil
                    state.start(job, at: clock.now)
                    return .run(job, work)
                }
                return .again
            }
            switch step {
            case .again:
                continue
            case .exit:
                return exit(record)
            case .run(let job, let work):
                let result = Result { try work(TaskContext(job: job, core: self)) }
                var after = AfterUnlock()
                state.withLock { state in finishLocked(job, result, &after, &state) }
                state.broadcast()
                after.run()
            }
        }
    }

    /// Threads leave once shutdown began and nothing is pending.
    private static func shouldExit(_ state: PoolState) -> Bool {
        if case .shuttingDown = state.lifecycle { return state.pendingCount == 0 }
        return state.lifecycle == .terminated
    }

    /// Records a returned closure: its value or error is delivered unless it was
    /// cancelled meanwhile.
    private func finishLocked(_ job: Job, _ result: Result<any Sendable, any Error>,
                              _ after: inout AfterUnlock, _ state: inout PoolState) {
        let now = clock.now
        state.executing[job.id] = nil
        state.releaseClassSlot(of: job)
        if let started = job.startedAt { state.runTime.record(UInt64(clamping: max(0, now.nanoseconds - started.nanoseconds))) }
        if job.state == .running {
            switch result {
            case .success(let value): endLocked(job, .finished(value), &after, &state)
            case .failure(let error): endLocked(job, .failed(error), &after, &state)
            }
        }
    }

    private func exit(_ record: ThreadRecord) {
        state.withLock { state in
            state.threads.removeAll { $0 === record }
            if state.detachOnExit { detachCurrentThread() } else { state.exitedThreads.append(currentThread()) }
        }
        state.broadcast()
    }
}

/// What a locked section leaves to do once the lock is released.
struct AfterUnlock {
    var resumptions: [CheckedContinuation<Void, Never>] = []
    var droppedWork: [Job.Work] = []

    mutating func run() {
        for continuation in resumptions { continuation.resume() }
        resumptions = []
        droppedWork = []
    }
}
