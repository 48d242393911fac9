/// Where a task of a ``TaskService`` is. The last four are final.
public enum TaskState: String, Sendable, Hashable, Codable {
    /// Waiting for a worker.
    case queued
    /// Executing.
    case running
    /// Returned its result.
    case completed
    /// Threw an error.
    case failed
    /// Cancelled before it finished (queued, or running and it stopped).
    case cancelled
    /// Ran past its timeout and stopped.
    case timedOut = "timed_out"

    /// Whether the task has ended.
    public var isFinal: Bool {
        switch self {
        case .queued, .running: false
        case .completed, .failed, .cancelled, .timedOut: true
        }
    }
}
