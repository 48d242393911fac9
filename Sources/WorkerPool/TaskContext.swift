import Atomics

/// What a running task gets: its identity, its cancellation token and a progress
/// reporter. Meant for the duration of the closure it is passed to; a context kept
/// beyond that stays safe to use, but reports cancellation once any later task on the
/// same worker is cancelled, and its progress reports are ignored.
public struct TaskContext: Sendable {
    let worker: WorkerRecord
    /// Identifies this execution on `worker`.
    let epoch: UInt64
    let options: JobOptions?

    /// The task's identifier.
    public let taskID: TaskID
    /// The task's priority.
    public let priority: PoolPriority
    /// The task's name, if any.
    public var name: String? { options?.name }
    /// The task's coalescing key, if any.
    public var key: String? { options?.key }

    init(job: JobBase, worker: WorkerRecord) {
        self.worker = worker
        epoch = worker.epoch
        options = job.options
        taskID = job.id
        priority = job.priority
    }

    /// Whether the task was cancelled, superseded or timed out while running. Cheap (one
    /// atomic load): poll it in loops. Once true it stays true.
    public var isCancelled: Bool {
        worker.cancelToken.load(ordering: .acquiring) >= epoch
    }

    /// Throws `CancellationError` when ``isCancelled``.
    public func checkCancellation() throws(CancellationError) {
        if isCancelled { throw CancellationError() }
    }

    /// Publishes progress: updates ``TaskHandle/progress`` and emits a
    /// ``PoolEvent/Kind/progress(_:)`` event. `fraction` is clamped to `0...1`. Ignored
    /// once the task is no longer running (cancelled, timed out, ended).
    public func reportProgress(_ fraction: Double, message: String = "") {
        worker.core.reportProgress(worker: worker, epoch: epoch, TaskProgress(fraction: fraction, message: message))
    }
}
