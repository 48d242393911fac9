import Primitives
import Synchronization

/// The pool's record of one submission: what the queue, the threads and the handle share.
/// Every `var` is guarded by the core's lock; `cancelRequested` is also read without it.
final class Job: @unchecked Sendable {
    typealias Work = @Sendable (TaskContext) throws -> any Sendable

    let id: TaskID
    let priority: PoolPriority
    let key: String?
    let concurrencyClass: String?

    /// Taken by the thread that runs the job, or dropped (outside the lock) when the job
    /// ends without running.
    var work: Work?
    var state: TaskState = .pending
    var outcome: TaskOutcome<any Sendable>?
    var progress: TaskProgress?
    /// The queued task with the same key this submission replaced.
    var replacedTaskID: TaskID?
    var submittedAt = MonotonicInstant.zero
    var startedAt: MonotonicInstant?
    /// Queue position, fixed while queued.
    var order = QueueOrder(deadline: 0, sequence: 0)
    /// Whether it occupies a slot of its concurrency class.
    var holdsClassSlot = false
    /// Async waiters, resumed (after the lock is released) once the job is terminal.
    var waiters: [CheckedContinuation<Void, Never>] = []
    /// Set when the job is cancelled while running; polled by
    /// its ``TaskContext``. Never cleared.
    let cancelRequested = Atomic<Bool>(false)

    init(id: TaskID, priority: PoolPriority, key: String?, concurrencyClass: String?, work: @escaping Work) {
        self.id = id
        self.priority = priority
        self.key = key
        self.concurrencyClass = concurrencyClass
        self.work = work
    }

    private static let counter = Atomic<UInt64>(0)

    /// The next process-wide task identifier.
    static func nextID() -> TaskID {
        TaskID(rawValue: counter.add(1, ordering: .relaxed).newValue)
    }
}

/// A queue position: the virtual deadline (submit time + the priority's offset, in
/// nanoseconds), FIFO on ties.
struct QueueOrder: Comparable, Sendable {
    let deadline: Int64
    let sequence: UInt64

    static func < (lhs: QueueOrder, rhs: QueueOrder) -> Bool {
        (lhs.deadline, lhs.sequence) < (rhs.deadline, rhs.sequence)
    }
}

/// A job at its queue position. The entry of a job that left the queue (cancelled,
/// replaced) stays in the heap until it reaches the top and is skipped there.
struct QueueEntry: Comparable, @unchecked Sendable {
    let order: QueueOrder
    let job: Job

    static func < (lhs: QueueEntry, rhs: QueueEntry) -> Bool { lhs.order < rhs.order }
    static func == (lhs: QueueEntry, rhs: QueueEntry) -> Bool { lhs.order == rhs.order }

    /// Whether the entry still stands for a pending job at this position.
    var isLive: Bool { job.state == .pending && job.order == order }
}
