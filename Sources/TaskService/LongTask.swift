/// A job that runs for seconds to minutes on a ``TaskService``: exporting a folder to a
/// static site, re-rendering a documentation tree.
///
/// ``execute(progress:)`` runs once, synchronously, on a thread of the service's
/// pool at `normal` priority. It reports progress through the handle, polls
/// ``TaskProgressHandle/isCancelled`` (cancellation and timeouts are cooperative), and
/// makes its work visible in one step through ``TaskProgressHandle/commit(_:)``, so that
/// a cancelled, failed or timed-out task leaves nothing half-done.
public protocol LongTask: Sendable {
    /// What the task returns; encoded as the `result` of its status.
    associatedtype Output: Encodable & Sendable

    /// A short name of the kind of task, such as `export`.
    var kind: String { get }
    /// While a task with this key is queued or running, a second one is refused
    /// (``TaskServiceError/busy(runningTask:)``); nil for no such limit.
    var exclusiveKey: String? { get }
    /// What the task works on, for people: shown in its status (`source`, `destination`).
    var parameters: [String: String] { get }

    /// Does the work. Throwing fails the task with the error's description; throwing
    /// after cancellation ends it cancelled (or timed out).
    func execute(progress: TaskProgressHandle) throws -> Output
}
