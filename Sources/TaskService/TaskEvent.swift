/// What a subscriber of a task hears (``TaskService/events(of:)``). Every event but
/// the heartbeat carries the task's status at that moment; the last one is
/// ``completed(_:)`` or ``failed(_:)``, after which the stream finishes.
public enum TaskEvent: Sendable {
    /// The task started running.
    case started(TaskStatus)
    /// It reported progress.
    case progress(TaskStatus)
    /// It completed; the status has its result.
    case completed(TaskStatus)
    /// It failed, was cancelled or timed out; the status's `state` says which and its
    /// `error` why.
    case failed(TaskStatus)
    /// Nothing new; the task is still queued or running (sent every tick of the service).
    case heartbeat

    /// The event's name on the wire: `task_started`, `progress_update`,
    /// `task_completed`, `task_failed`, `heartbeat`.
    public var name: String {
        switch self {
        case .started: "task_started"
        case .progress: "progress_update"
        case .completed: "task_completed"
        case .failed: "task_failed"
        case .heartbeat: "heartbeat"
        }
    }

    /// The status the event carries (nil for a heartbeat).
    public var status: TaskStatus? {
        switch self {
        case .started(let status), .progress(let status), .completed(let status), .failed(let status): status
        case .heartbeat: nil
        }
    }

    /// Whether this is the task's last event.
    public var isFinal: Bool {
        switch self {
        case .completed, .failed: true
        case .started, .progress, .heartbeat: false
        }
    }

    /// The final event for a task in a final state.
    static func final(_ status: TaskStatus) -> TaskEvent {
        status.state == .completed ? .completed(status) : .failed(status)
    }
}
