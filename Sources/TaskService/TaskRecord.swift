import Primitives

/// One task's state inside the service's lock.
struct TaskRecord {
    let id: String
    /// The order of submission.
    let sequence: Int
    let kind: String
    let parameters: [String: String]
    let exclusiveKey: String?
    let timeout: Duration
    let submittedAt: MonotonicInstant
    let submittedWallClock: Double
    var state = TaskState.queued
    var progress = TaskStatus.Progress()
    var startedAt: MonotonicInstant?
    var endedAt: MonotonicInstant?
    /// Set when a cancel or the timeout asked the running (or queued) task to stop.
    var stop: TaskState?
    /// Set once the task began making its work visible; cancel no longer applies.
    var committing = false
    var result: (any Encodable & Sendable)?
    var error: String?
    /// What a failed task threw.
    var failure: (any Error)?
    var subscribers: [Int: AsyncStream<TaskEvent>.Continuation] = [:]
    /// Removes the task from the pool's queue; true if it had not started.
    var cancelQueued: (@Sendable () -> Bool)?
    /// Run once when the running task is asked to stop (``TaskProgressHandle/onStop(_:)``).
    var stopHandlers: [@Sendable () -> Void] = []

    /// Asks the task to stop as `reason` (if nothing asked before and it is not
    /// committing); returns the handlers to run once the lock is released.
    mutating func requestStop(_ reason: TaskState) -> [@Sendable () -> Void] {
        guard stop == nil, !committing else { return [] }
        stop = reason
        defer { stopHandlers = [] }
        return stopHandlers
    }

    /// Whether the task should stop: cancelled or timed out, and not yet committing.
    var shouldStop: Bool { stop != nil && !committing }

    func status(at now: MonotonicInstant) -> TaskStatus {
        let queuedUntil = startedAt ?? endedAt ?? now
        return TaskStatus(
            id: id, kind: kind, state: state, parameters: parameters, progress: progress,
            timings: .init(
                queuedMs: submittedAt.duration(to: queuedUntil).milliseconds,
                runningMs: startedAt.map { $0.duration(to: endedAt ?? now).milliseconds },
                timeoutMs: timeout.milliseconds, submittedAt: submittedWallClock
            ),
            result: result, error: error, failure: failure
        )
    }

    /// Sends `event` to every subscriber (under the service's lock: a yield never calls
    /// back into the service).
    func broadcast(_ event: TaskEvent) {
        for subscriber in subscribers.values { subscriber.yield(event) }
    }

    /// Ends the task in `state` at `now` and sends its final event; returns the
    /// subscribers, to be finished once the lock is released (finishing runs their
    /// termination handlers, which take the lock).
    mutating func end(_ state: TaskState, at now: MonotonicInstant) -> [AsyncStream<TaskEvent>.Continuation] {
        self.state = state
        endedAt = now
        cancelQueued = nil
        stopHandlers = []
        broadcast(.final(status(at: now)))
        defer { subscribers = [:] }
        return Array(subscribers.values)
    }
}
