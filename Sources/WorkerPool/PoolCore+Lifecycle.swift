import Primitives

extension PoolCore {
    // MARK: Starting and stopping

    /// Starts the workers (and the watchdog) of a paused pool.
    func start() {
        state.withLock { state in
            guard state.lifecycle == .paused else { return }
            state.lifecycle = .running
            startThreadsLocked(&state)
        }
    }

    private func startThreadsLocked(_ state: inout PoolState) {
        for _ in 0..<workerCount { spawnWorkerLocked(&state) }
        if watchdogInterval != nil, state.watchdogThread == nil {
            state.watchdogThread = spawnThread { [self] in watchdogLoop() }
        }
    }

    /// Stops the pool (see ``WorkerPool/shutdown(_:)``); later calls wait for the first.
    func shutdown(_ mode: ShutdownMode) {
        var after = AfterUnlock()
        let first = state.withLock { state -> Bool in
            precondition(!isPoolThreadLocked(state), "WorkerPool.shutdown called from one of the pool's own threads would wait for itself")
            guard state.lifecycle.acceptsWork else { return false }
            let wasPaused = state.lifecycle == .paused
            state.lifecycle = .shuttingDown(mode)
            if mode == .cancelPending {
                for job in state.pendingJobs { _ = cancelLocked(job, reason: .shutdown, &after, &state) }
            }
            if wasPaused, state.pendingCount > 0 { startThreadsLocked(&state) }
            return true
        }
        state.broadcast()
        after.run()
        guard first else {
            state.withLock(waitingUntil: { $0.shutdownComplete || $0.detachOnExit }) { _, _ in }
            return
        }
        // Join workers as they exit, so that only one stuck in a closure is ever left
        // unjoined (say, when the process exits meanwhile).
        while true {
            let (exited, done) = state.withLock(waitingUntil: { !$0.exitedThreads.isEmpty || $0.workers.isEmpty }) { state, _ in
                defer { state.exitedThreads = [] }
                return (state.exitedThreads, state.workers.isEmpty)
            }
            for thread in exited { joinThread(thread) }
            if done { break }
        }
        let watchdog = state.withLock { state -> PoolThread? in
            state.watchdogStop = true
            defer { state.watchdogThread = nil }
            return state.watchdogThread
        }
        state.broadcast()
        if let watchdog { joinThread(watchdog) }
        var finishing = AfterUnlock()
        state.withLock { state in
            state.lifecycle = .terminated
            finishing.finishedStreams = Array(state.observers.values)
            state.observers = [:]
            state.shutdownComplete = true
        }
        state.broadcast()
        finishing.run()
    }

    /// The owning ``WorkerPool`` went away without a shutdown: shut down, or, on one of
    /// the pool's own threads (which a shutdown would wait for), cancel what is pending
    /// and let every thread detach itself when it ends.
    func ownerDidDeinit() {
        let onPoolThread = state.withLock { isPoolThreadLocked($0) }
        guard onPoolThread else { return shutdown(.cancelPending) }
        var after = AfterUnlock()
        state.withLock { state in
            guard state.lifecycle.acceptsWork else { return }
            state.lifecycle = .shuttingDown(.cancelPending)
            for job in state.pendingJobs { _ = cancelLocked(job, reason: .shutdown, &after, &state) }
            state.detachOnExit = true
            state.watchdogStop = true
            for thread in state.exitedThreads { pthreadDetach(thread) }
            state.exitedThreads = []
            after.finishedStreams = Array(state.observers.values)
            state.observers = [:]
        }
        state.broadcast()
        after.run()
    }

    private func isPoolThreadLocked(_ state: PoolState) -> Bool {
        let current = currentThread()
        if let watchdog = state.watchdogThread, sameThread(watchdog, current) { return true }
        return state.workers.contains { $0.thread.map { sameThread($0, current) } ?? false }
    }

    // MARK: Timeouts

    private func watchdogLoop() {
        guard let interval = watchdogInterval else { return }
        while true {
            let stop = state.withLock(waitingUntil: { $0.watchdogStop || $0.timedExecutions > 0 }) { state, _ in state.watchdogStop }
            if stop { break }
            let deadline = clock.now.advanced(by: interval)
            if state.withLock(waitingUntil: { $0.watchdogStop }, deadline: deadline, clock: clock, { state, _ in state.watchdogStop }) { break }
            _ = checkTimeouts()
        }
        if state.withLock({ $0.detachOnExit }) { detachCurrentThread() }
    }

    /// Times out every running job past its timeout; returns how many.
    func checkTimeouts() -> Int {
        var after = AfterUnlock()
        let count = state.withLock { state -> Int in
            let now = clock.now
            var count = 0
            for job in Array(state.executing.values) where job.state == .running {
                guard let timeout = job.timeout, let started = job.startedAt, started.advanced(by: timeout) <= now else { continue }
                state.executing[job.id] = nil
                state.timedExecutions -= 1
                state.stuckWorkers += 1
                job.cancelRequested.store(true, ordering: .releasing)
                // Its class slot and name no longer hold anything back.
                state.releaseClassSlot(of: job)
                state.releaseBusyName(of: job)
                var replaced = false
                if state.lifecycle.acceptsWork, state.counters.replacementWorkersStarted < maxReplacementWorkers, let worker = job.worker {
                    worker.isRetired = true
                    state.counters.replacementWorkersStarted += 1
                    spawnWorkerLocked(&state)
                    replaced = true
                }
                endLocked(job, .timedOut, &after, &state)
                emitLocked(.timedOut(workerReplaced: replaced), of: job, &state)
                count += 1
            }
            return count
        }
        if count > 0 { state.broadcast() }
        after.run()
        return count
    }

    // MARK: Waiting

    func waitUntilIdle(timeout: Duration?) -> Bool {
        guard let timeout else { return state.withLock(waitingUntil: { $0.isIdle }) { _, idle in idle } }
        return state.withLock(waitingUntil: { $0.isIdle }, deadline: clock.now.advanced(by: timeout), clock: clock) { _, idle in idle }
    }

    func wait(for job: Job, timeout: Duration) -> TaskOutcome<any Sendable>? {
        state.withLock(waitingUntil: { _ in job.state.isTerminal }, deadline: clock.now.advanced(by: timeout), clock: clock) { _, ended in
            ended ? job.outcome : nil
        }
    }

    func awaitOutcome(of job: Job) async -> TaskOutcome<any Sendable> {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ended = state.withLock { _ -> Bool in
                if job.state.isTerminal { return true }
                job.waiters.append(continuation)
                return false
            }
            if ended { continuation.resume() }
        }
        return state.withLock { _ in job.outcome! }
    }

    // MARK: Queries

    func state(of job: Job) -> TaskState { state.withLock { _ in job.state } }
    func outcome(of job: Job) -> TaskOutcome<any Sendable>? { state.withLock { _ in job.outcome } }
    func progress(of job: Job) -> TaskProgress? { state.withLock { _ in job.progress } }
    func replacedTaskID(of job: Job) -> TaskID? { state.withLock { _ in job.replacedTaskID } }
    func isBusy(name: String) -> Bool { state.withLock { $0.busyNames[name] != nil } }

    func reportProgress(of job: Job, _ progress: TaskProgress) {
        state.withLock { state in
            guard job.state == .running else { return }
            job.progress = progress
            emitLocked(.progress(progress), of: job, &state)
        }
    }

    func events(bufferingPolicy: AsyncStream<PoolEvent>.Continuation.BufferingPolicy) -> AsyncStream<PoolEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: PoolEvent.self, bufferingPolicy: bufferingPolicy)
        let id = state.withLock { state -> UInt64? in
            guard state.lifecycle != .terminated, !state.detachOnExit else { return nil }
            state.nextObserver += 1
            state.observers[state.nextObserver] = continuation
            return state.nextObserver
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.observers.removeValue(forKey: id) }
        }
        return stream
    }

    func statistics() -> PoolStatistics {
        state.withLock { state in
            var queued: [PoolPriority: Int] = [:]
            for priority in PoolPriority.allCases { queued[priority] = state.pendingPerPriority[priority.rawValue] }
            let counters = state.counters
            return PoolStatistics(
                submitted: counters.submitted, started: counters.started, completed: counters.completed,
                failed: counters.failed, cancelled: counters.cancelled, coalesced: counters.coalesced,
                superseded: counters.superseded, timedOut: counters.timedOut, queued: queued,
                running: state.executing.values.count { $0.state == .running }, stuckWorkers: state.stuckWorkers,
                replacementWorkersStarted: counters.replacementWorkersStarted,
                queueWait: LatencySummary(state.queueWait), runTime: LatencySummary(state.runTime))
        }
    }
}
