import Primitives

extension PoolCore {
    // MARK: Starting and stopping

    /// Starts the threads of a paused pool.
    func start() {
        state.withLock { state in
            guard state.lifecycle == .paused else { return }
            state.lifecycle = .running
            startThreadsLocked(&state)
        }
    }

    private func startThreadsLocked(_ state: inout PoolState) {
        for _ in 0..<threadCount { spawnThreadLocked(&state) }
    }

    /// Stops the pool (see ``ThreadPool/shutdown(_:)``); later calls wait for the first.
    func shutdown(_ mode: ShutdownMode) {
        var after = AfterUnlock()
        let first = state.withLock { state -> Bool in
            precondition(!isPoolThreadLocked(state), "ThreadPool.shutdown called from one of the pool's own threads would wait for itself")
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
        // Join threads as they exit, so that only one still in a closure is ever left
        // unjoined (say, when the process exits meanwhile).
        while true {
            let (exited, done) = state.withLock(waitingUntil: { !$0.exitedThreads.isEmpty || $0.threads.isEmpty }) { state, _ in
                defer { state.exitedThreads = [] }
                return (state.exitedThreads, state.threads.isEmpty)
            }
            for thread in exited { joinThread(thread) }
            if done { break }
        }
        state.withLock { state in
            state.lifecycle = .terminated
            state.shutdownComplete = true
        }
        state.broadcast()
    }

    /// The owning ``ThreadPool`` went away without a shutdown: shut down, or, on one of
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
            for thread in state.exitedThreads { pthreadDetach(thread) }
            state.exitedThreads = []
        }
        state.broadcast()
        after.run()
    }

    private func isPoolThreadLocked(_ state: PoolState) -> Bool {
        let current = currentThread()
        return state.threads.contains { $0.thread.map { sameThread($0, current) } ?? false }
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

    func reportProgress(of job: Job, _ progress: TaskProgress) {
        state.withLock { _ in
            guard job.state == .running else { return }
            job.progress = progress
        }
    }

    func statistics() -> PoolStatistics {
        state.withLock { state in
            var queued: [PoolPriority: Int] = [:]
            for priority in PoolPriority.allCases { queued[priority] = state.pendingPerPriority[priority.rawValue] }
            let counters = state.counters
            return PoolStatistics(
                submitted: counters.submitted, started: counters.started, completed: counters.completed,
                failed: counters.failed, cancelled: counters.cancelled, coalesced: counters.coalesced, queued: queued,
                running: state.executing.values.count { $0.state == .running },
                queueWait: LatencySummary(state.queueWait), runTime: LatencySummary(state.runTime))
        }
    }
}
