/// What a running ``LongTask`` gets: a way to report progress, to learn that it should
/// stop, and to make its work visible only if it should not.
public struct TaskProgressHandle: Sendable {
    let id: String
    let service: TaskService
    let poolCancelled: @Sendable () -> Bool

    /// Whether the task was cancelled or ran past its timeout (or the service is
    /// shutting down). Once true it stays true. Cheap: poll it between units of work.
    public var isCancelled: Bool {
        poolCancelled() || service.stopRequested(id)
    }

    /// Throws `CancellationError` when ``isCancelled``.
    public func checkCancellation() throws(CancellationError) {
        if isCancelled { throw CancellationError() }
    }

    /// Runs `handler` (once, on the thread that cancels or times the task out) when the
    /// task is asked to stop, or at once if it was asked already: for work that blocks
    /// and can be interrupted, such as a render in a worker process.
    public func onStop(_ handler: @escaping @Sendable () -> Void) {
        service.addStopHandler(of: id, handler)
    }

    /// Publishes progress: a fraction of the work done (clamped to 0…1), a message, or
    /// both. Subscribers get a `progress_update`.
    public func report(fraction: Double? = nil, message: String? = nil) {
        service.reportProgress(of: id, fraction: fraction.map { $0.isNaN ? 0 : min(1, max(0, $0)) }, message: message)
    }

    /// Runs `body` (a rename that makes the work visible) unless the task was cancelled
    /// or timed out; from then on cancellation and the timeout no longer apply. Throws
    /// `CancellationError` without running `body` if the task should stop.
    public func commit<Value>(_ body: () throws -> Value) throws -> Value {
        guard !poolCancelled(), service.beginCommit(of: id) else { throw CancellationError() }
        return try body()
    }
}
