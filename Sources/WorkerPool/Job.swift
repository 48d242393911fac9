import Synchronization

/// The optional parts of a submission (name, key, class, timeout); shared, immutable,
/// and only allocated when one of them is used.
@usableFromInline
final class JobOptions: Sendable {
    let name: String?
    let key: String?
    /// Index of the concurrency class in the core's tables; 0 = no limit.
    let classIndex: Int32
    /// Maximum running time in clock nanoseconds; 0 = none.
    let timeout: UInt64
    let supersedesRunning: Bool

    init(name: String?, key: String?, classIndex: Int32, timeout: UInt64, supersedesRunning: Bool) {
        self.name = name
        self.key = key
        self.classIndex = classIndex
        self.timeout = timeout
        self.supersedesRunning = supersedesRunning
    }
}

/// Per-job state that most tasks never need (outcome details, progress, waiters),
/// allocated on first use. Guarded by the core's mutex.
final class JobExtras {
    var cancellationReason: CancellationReason?
    var error: (any Error)?
    /// The returned value (not stored for `Void`).
    var result: Any?
    var progress: TaskProgress?
    /// The queued task with the same key this submission replaced.
    var replacedTaskID: TaskID?
    var blockingWaiters = 0
    /// Async waiters, resumed (after the mutex is released) once the job is terminal.
    var continuations: [CheckedContinuation<Void, Never>] = []
}

/// The pool's record of one submission: what the queue, the workers and the handle share.
/// Every `var` is guarded by the core's mutex — except that, before the job is queued,
/// the submitter and then the thread draining the inbox own it exclusively (they set
/// `submitTime` and the inbox link), and except `work` in ``Job``. Deliberately
/// small — under 128 bytes with its closure, so the allocator frees it without taking a
/// lock — and holding no references that need counting on the hot path; state that
/// only some tasks need lives in `options` and `extras`.
@usableFromInline
class JobBase: @unchecked Sendable {
    let id: TaskID
    let options: JobOptions?

    // With the mutex held nothing else can access these: skip the dynamic checks.
    @exclusivity(unchecked) var extras: JobExtras?
    @exclusivity(unchecked) var submitTime: UInt64 = 0
    /// Queue position: (deadline, sequence), fixed while queued.
    @exclusivity(unchecked) var deadline: UInt64 = 0
    /// Before the job is queued, the link to the next (older) job of the core's
    /// lock-free inbox (an unmanaged pointer's bits).
    @exclusivity(unchecked) var sequence: UInt64 = 0
    let priority: PoolPriority
    @exclusivity(unchecked) var state: TaskState = .pending
    /// Timed out while executing: resources released, worker detached.
    @exclusivity(unchecked) var detached = false
    /// Index of the heap holding this job's live entry, or -1 when it is in a lane.
    @exclusivity(unchecked) var heapIndex: Int8 = -1
    /// Set (under the mutex) when the job is cancelled, superseded or timed out while
    /// running; read without the mutex by its ``TaskContext`` and by the worker about to
    /// invoke the closure. Never cleared.
    let cancelRequested = Atomic<Bool>(false)

    init(id: TaskID, priority: PoolPriority, options: JobOptions?) {
        self.id = id
        self.priority = priority
        self.options = options
    }

    final var name: String? { options?.name }
    final var key: String? { options?.key }
    final var classIndex: Int { Int(options?.classIndex ?? 0) }
    final var supersedesRunning: Bool { options?.supersedesRunning ?? false }

    final var inboxNext: UInt {
        get { UInt(truncatingIfNeeded: sequence) }
        set { sequence = UInt64(newValue) }
    }

    /// The extras, allocated if needed (under the mutex).
    final var more: JobExtras {
        if let extras { return extras }
        let created = JobExtras()
        extras = created
        return created
    }

    /// Runs the work on the calling worker (outside the mutex). Returns the error if it
    /// threw; a returned value other than `Void` is left in `worker.returnedValue`.
    func execute(_ context: TaskContext, on worker: WorkerRecord) -> (any Error)? { fatalError("abstract") }

    /// Outside the mutex, for a job that never ran and never will: drops its closure.
    func dropWork() { fatalError("abstract") }
}

/// A submission returning `Value`.
@usableFromInline
final class Job<Value: Sendable>: JobBase, @unchecked Sendable {
    @usableFromInline typealias Work = @Sendable (TaskContext) throws -> Value

    /// Set at creation; read and cleared only by the worker that executes the job (it
    /// owns the job from the moment it marks it running under the mutex), or cleared by
    /// `dropWork` after the job became terminal without running. Never both.
    @exclusivity(unchecked) private var work: Work?

    @usableFromInline
    init(id: TaskID, priority: PoolPriority, options: JobOptions?, work: @escaping Work) {
        self.work = work
        super.init(id: id, priority: priority, options: options)
    }

    override func execute(_ context: TaskContext, on worker: WorkerRecord) -> (any Error)? {
        guard let work else { return nil }
        self.work = nil
        do {
            let value = try work(context)
            // Type-erased so that the workers' code needs no generic metadata.
            if Value.self != Void.self {
                worker.returnedValue = value
                worker.hasReturnedValue = true
            }
            return nil
        } catch {
            return error
        }
    }

    override func dropWork() {
        work = nil
    }

    /// Under the mutex: the outcome, once terminal.
    func outcomeLocked() -> TaskOutcome<Value>? {
        switch state {
        case .pending, .running: nil
        case .finished: .finished(Value.self == Void.self ? (() as! Value) : extras!.result as! Value)
        case .failed: .failed(extras!.error!)
        case .cancelled: .cancelled(extras!.cancellationReason!)
        case .timedOut: .timedOut
        }
    }
}

/// One worker thread's record (guarded by the core's mutex).
final class WorkerRecord: @unchecked Sendable {
    let number: Int
    /// The pool. (A cycle with the core's `workers` list, broken when the worker exits.)
    let core: PoolCore
    @exclusivity(unchecked) var thread: PoolThreadID?
    /// The job this worker started under the mutex and is executing (the worker holds it
    /// meanwhile); with a batch, its first job: the others are in `batch`.
    @exclusivity(unchecked) unowned(unsafe) var current: JobBase?
    /// Plain tasks dispatched to this worker along with `current` (state `running`),
    /// run one after the other once it ends, without taking the mutex in between.
    /// Written under the mutex by this worker only; read by it outside.
    @exclusivity(unchecked) var batch: [JobBase] = []
    /// When the current execution started (pool clock).
    @exclusivity(unchecked) var startTime: UInt64 = 0
    /// When the current execution times out (pool clock); 0 = no timeout.
    @exclusivity(unchecked) var runDeadline: UInt64 = 0
    /// The value the current execution returned (not for `Void`); only this worker's
    /// thread touches it, outside and inside the mutex.
    @exclusivity(unchecked) var returnedValue: Any?
    /// Whether `returnedValue` is set (cheaper to test than the existential).
    @exclusivity(unchecked) var hasReturnedValue = false

    // Statistics of this worker's executions, recorded under the mutex and merged by
    // `PoolCore.statistics()`: kept per worker so that each stays in its core's cache.
    @exclusivity(unchecked) var started = 0
    @exclusivity(unchecked) var completed = 0
    let queueWait = LatencyRecorder()
    let runTime = LatencyRecorder()
    /// Executing a timed-out closure; no longer counted as serving.
    @exclusivity(unchecked) var retired = false

    init(number: Int, core: PoolCore) {
        self.number = number
        self.core = core
    }
}
