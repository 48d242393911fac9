public import Primitives

/// One step in a task's life, as seen by an observer of ``WorkerPool/events(bufferingPolicy:)``.
///
/// Events are produced under the pool's lock, so each stream receives them in the order
/// the transitions happened (for one task: `submitted`, then `started`, any number of
/// `progress`, then exactly one terminal kind — or `submitted` then one terminal kind if
/// it never ran).
public struct PoolEvent: Sendable {
    /// What happened.
    public enum Kind: Sendable {
        /// The task was queued. `replacing` is the queued task with the same key that it
        /// coalesced with (that task gets a `coalesced` event right after), if any.
        case submitted(replacing: TaskID?)
        /// A worker began executing it.
        case started
        /// The task reported progress through its ``TaskContext``.
        case progress(TaskProgress)
        /// It returned a value, which was delivered to its handle.
        case completed
        /// It threw; the error was delivered to its handle.
        case failed(any Error)
        /// It was cancelled (reason ``CancellationReason/requested`` or
        /// ``CancellationReason/shutdown``).
        case cancelled(CancellationReason)
        /// While queued it was replaced by a newer submission with the same key.
        case coalesced(into: TaskID)
        /// While running it was superseded by a newer submission with the same key.
        case superseded(by: TaskID)
        /// It ran past its timeout. `workerReplaced` tells whether the pool started a
        /// replacement worker (false when ``WorkerPool/Configuration/maxReplacementWorkers``
        /// was reached or the pool was shutting down).
        case timedOut(workerReplaced: Bool)
    }

    /// What happened.
    public let kind: Kind
    /// The task it happened to.
    public let taskID: TaskID
    /// The task's name (single-flight name), if it has one.
    public let name: String?
    /// The task's coalescing key, if it has one.
    package let key: String?
    /// The task's priority.
    package let priority: PoolPriority
    /// When it happened, by the pool's ``PreviewClock``.
    public let time: MonotonicInstant
}
