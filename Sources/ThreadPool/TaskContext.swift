/// What a running task gets: its identity, its cancellation token and a progress
/// reporter. Meant for the duration of the closure it is passed to; a context kept
/// beyond that stays safe to use: it keeps reporting its own task's cancellation, and
/// its progress reports are ignored.
public struct TaskContext: Sendable {
    let job: Job
    let core: PoolCore

    /// The task's identifier.
    package var taskID: TaskID { job.id }
    /// The task's priority.
    package var priority: PoolPriority { job.priority }
    /// The task's coalescing key, if any.
    package var key: String? { job.key }

    init(job: Job, core: PoolCore) {
        self.job = job
        self.core = core
    }

    /// Whether the task was cancelled while running. Cheap (one
    /// atomic load): poll it in loops. Once true it stays true.
    public var isCancelled: Bool {
        job.cancelRequested.load(ordering: .acquiring)
    }

    /// Throws `CancellationError` when ``isCancelled``.
    public func checkCancellation() throws(CancellationError) {
        if isCancelled { throw CancellationError() }
    }

    /// Publishes progress: updates ``TaskHandle/progress``. `fraction` is clamped to
    /// `0...1`. Ignored once the task is no longer running (cancelled or ended).
    public func reportProgress(_ fraction: Double, message: String = "") {
        core.reportProgress(of: job, TaskProgress(fraction: fraction, message: message))
    }
}
