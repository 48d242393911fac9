/// How urgent a task is. Every level has a fixed *deadline offset*
/// (``ThreadPool/Configuration/deadlineOffsets``): a task is ordered by its virtual
/// deadline `submit time + offset[priority]`, earliest first, FIFO on ties. The offsets
/// give the starvation bound: a queued task can only be overtaken by tasks submitted
/// less than `offset[its priority] - offset[their priority]` after it.
public enum PoolPriority: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// Must run now (user-blocking).
    case critical = 0
    /// Interactive work, e.g. rendering the preview after a keystroke.
    case high = 1
    /// Ordinary work.
    case normal = 2
    /// Background work with a soft deadline, e.g. autosave.
    case low = 3
    /// Work that can wait, e.g. a word count.
    case idle = 4

    /// The level's lowercase name.
    public var description: String {
        switch self {
        case .critical: "critical"
        case .high: "high"
        case .normal: "normal"
        case .low: "low"
        case .idle: "idle"
        }
    }
}

/// A task's identifier, unique within the process (a counter shared by all pools).
public struct TaskID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The counter value (1 for the first task submitted in the process).
    package let rawValue: UInt64

    /// Wraps a raw identifier.
    package init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Orders identifiers by submission order.
    public static func < (lhs: TaskID, rhs: TaskID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `#` followed by the counter value.
    public var description: String { "#\(rawValue)" }
}

/// Where a task is in its life. `pending` and `running` are transient; the other three are
/// terminal: a handle reaches exactly one of them, once, and never leaves it.
public enum TaskState: Sendable, Hashable, CustomStringConvertible {
    /// Queued, not started.
    case pending
    /// Executing on a pool thread.
    case running
    /// Returned a value, which was delivered.
    case finished
    /// Threw; the error was delivered.
    case failed
    /// Ended by a cancellation (see ``CancellationReason``) before delivering anything.
    case cancelled

    /// Whether the state is one of the three final ones.
    package var isTerminal: Bool {
        switch self {
        case .pending, .running: false
        case .finished, .failed, .cancelled: true
        }
    }

    /// The state's lowercase name.
    public var description: String {
        switch self {
        case .pending: "pending"
        case .running: "running"
        case .finished: "finished"
        case .failed: "failed"
        case .cancelled: "cancelled"
        }
    }
}

/// Why a task ended ``TaskState/cancelled``.
public enum CancellationReason: Sendable, Hashable {
    /// ``TaskHandle/cancel()`` or ``ThreadPool/cancelAll()``.
    case requested
    /// The pool shut down with ``ShutdownMode/cancelPending`` while the task was queued.
    case shutdown
    /// While queued, a newer submission with the same coalescing key replaced it; only
    /// the newer one (the given task) runs.
    case coalesced(into: TaskID)
}

/// How a task ended: what ``TaskHandle/wait()`` returns.
public enum TaskOutcome<Value: Sendable>: Sendable {
    /// The task returned `Value`.
    case finished(Value)
    /// The task threw.
    case failed(any Error)
    /// The task was cancelled; it delivered nothing.
    case cancelled(CancellationReason)

    /// The terminal ``TaskState`` this outcome corresponds to.
    public var state: TaskState {
        switch self {
        case .finished: .finished
        case .failed: .failed
        case .cancelled: .cancelled
        }
    }

    /// The value, or the error that explains why there is none (the task's own error,
    /// or ``PoolError/cancelled(_:)``).
    public func get() throws -> Value {
        switch self {
        case .finished(let value): return value
        case .failed(let error): throw error
        case .cancelled(let reason): throw PoolError.cancelled(reason)
        }
    }
}

/// Errors the pool itself reports.
public enum PoolError: Error, Sendable, Hashable {
    /// `submit` after ``ThreadPool/shutdown(_:)`` began.
    case shutDown
    /// The task was cancelled (``TaskOutcome/get()``).
    case cancelled(CancellationReason)
}

/// The latest progress a running task reported.
public struct TaskProgress: Sendable, Hashable {
    /// Completed fraction, clamped to `0...1`.
    public var fraction: Double
    /// A human-readable note ("parsing", "3 of 8 blocks", …).
    public var message: String

    /// Creates a progress report; `fraction` is clamped to `0...1` (NaN becomes 0).
    package init(fraction: Double, message: String) {
        self.fraction = fraction.isNaN ? 0 : Swift.min(1, Swift.max(0, fraction))
        self.message = message
    }
}

/// What ``ThreadPool/shutdown(_:)`` does with queued work.
public enum ShutdownMode: Sendable, Hashable {
    /// Run every queued task (including ones blocked by class limits), then stop.
    case drain
    /// Cancel every queued task (``CancellationReason/shutdown``); running tasks finish
    /// normally and deliver their results.
    case cancelPending
}
