/// How a ``TaskService`` runs tasks and how long it remembers them.
public struct TaskServiceConfiguration: Sendable {
    /// How many tasks run at once (the threads of the service's pool).
    public var concurrentTasks: Int
    /// The longest a task may run unless it is submitted with its own timeout.
    public var defaultTimeout: Duration
    /// How long a finished task stays listed (and its status and final event available).
    public var timeToLive: Duration
    /// The most finished tasks kept at once; the oldest go first beyond it.
    public var finishedLimit: Int
    /// How often (by the service's clock) it checks timeouts and time-to-live and sends
    /// heartbeats; nil for no ticks but the ones ``TaskService/tick()`` is called for.
    public var tickInterval: Duration?
    /// How many events a slow subscriber may have waiting before the oldest progress
    /// events are dropped (the final event is never dropped).
    public var subscriberBuffer: Int

    /// The defaults: two tasks at once, 180 s timeout, finished tasks kept 10 minutes
    /// (at most 256), a tick a second, 64 events buffered per subscriber.
    public init(
        concurrentTasks: Int = 2, defaultTimeout: Duration = .seconds(180), timeToLive: Duration = .seconds(600),
        finishedLimit: Int = 256, tickInterval: Duration? = .seconds(1), subscriberBuffer: Int = 64
    ) {
        self.concurrentTasks = max(1, concurrentTasks)
        self.defaultTimeout = defaultTimeout
        self.timeToLive = timeToLive
        self.finishedLimit = max(1, finishedLimit)
        self.tickInterval = tickInterval
        self.subscriberBuffer = max(2, subscriberBuffer)
    }
}

/// Why a ``TaskService`` refused a task.
public enum TaskServiceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A task with the same ``LongTask/exclusiveKey`` is queued or running.
    case busy(runningTask: String)
    /// The service was shut down.
    case shutDown

    /// A sentence for people.
    public var description: String {
        switch self {
        case .busy(let id): "task \(id) is already working on this"
        case .shutDown: "the task service has shut down"
        }
    }
}

/// What ``TaskService/cancel(_:)`` did.
public enum CancelOutcome: Sendable, Hashable {
    /// The task was queued; it will never run and is now cancelled.
    case cancelled
    /// The task is running; it was asked to stop and its final event follows.
    case requested
    /// The task is making its work visible (``TaskProgressHandle/commit(_:)``): too late.
    case finishing
    /// The task had ended already.
    case alreadyEnded(TaskState)
    /// No such task (never, or no longer, known).
    case unknown
}
