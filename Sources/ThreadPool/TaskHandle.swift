/// The caller's side of a submitted task: its identity, its state, a way to cancel it
/// and ways to wait for its ``TaskOutcome``. Copies refer to the same task.
public struct TaskHandle<Value: Sendable>: Sendable, Identifiable {
    let job: Job
    /// Keeps the pool alive. A separate object, so that creating and dropping handles
    /// does not write to the cache line the threads read the core's fields from.
    let owner: CoreOwner

    init(job: Job, owner: CoreOwner) {
        self.job = job
        self.owner = owner
    }

    private var core: PoolCore { owner.core }

    /// The task's identifier.
    public var id: TaskID { job.id }
    /// The task's coalescing key, if any.
    package var key: String? { job.key }
    /// The task's priority.
    package var priority: PoolPriority { job.priority }

    /// The queued task with the same key that this submission replaced (it ended
    /// ``TaskState/cancelled`` with ``CancellationReason/coalesced(into:)``), if any.
    public var coalescedTaskID: TaskID? { core.replacedTaskID(of: job) }

    /// The current state.
    public var state: TaskState { core.state(of: job) }

    /// The outcome, once the task reached a terminal state; `nil` before.
    public var outcome: TaskOutcome<Value>? { core.outcome(of: job).map(Self.typed) }

    /// The latest progress the task reported, if any.
    public var progress: TaskProgress? { core.progress(of: job) }

    /// Why the task was cancelled, once it is ``TaskState/cancelled``.
    public var cancellationReason: CancellationReason? {
        if case .cancelled(let reason) = outcome { reason } else { nil }
    }

    /// Cancels the task: a queued task is removed and never runs; a running task's token
    /// is signalled and whatever it returns is discarded. Either way the handle ends
    /// ``TaskState/cancelled`` (``CancellationReason/requested``) immediately. Returns
    /// false if the task had already ended.
    @discardableResult
    public func cancel() -> Bool {
        core.cancel(job)
    }

    /// Waits (asynchronously) for the outcome. Cancelling the waiting Swift task does
    /// not cancel the pool task nor end the wait; use ``cancel()`` for that.
    public func wait() async -> TaskOutcome<Value> {
        Self.typed(await core.awaitOutcome(of: job))
    }

    /// Blocks the calling thread until the outcome is known or `timeout` (by the pool
    /// clock) passes; returns `nil` on timeout.
    public func wait(timeout: Duration) -> TaskOutcome<Value>? {
        core.wait(for: job, timeout: timeout).map(Self.typed)
    }

    /// The job's outcome with its value as the submitted closure's type.
    private static func typed(_ outcome: TaskOutcome<any Sendable>) -> TaskOutcome<Value> {
        switch outcome {
        case .finished(let value): .finished(value as! Value)
        case .failed(let error): .failed(error)
        case .cancelled(let reason): .cancelled(reason)
        }
    }
}
