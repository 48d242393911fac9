import DequeModule
import HeapModule
import Histogram
import Primitives

/// Everything the pool's lock guards, and the queue operations on it. No threads here:
/// the core calls these with the lock held and acts on what they return.
///
/// Complexity: submit, take and finish are O(log n) in the queued entries (heap);
/// cancelling a queued job is O(1) (its heap entry is left behind and skipped when it
/// reaches the top), or O(k) in the k jobs parked behind its full concurrency class.
struct PoolState: @unchecked Sendable {
    enum Lifecycle: Equatable {
        case paused, running, shuttingDown(ShutdownMode), terminated

        var acceptsWork: Bool { self == .paused || self == .running }
    }

    struct Counters {
        var submitted = 0, started = 0, completed = 0, failed = 0
        var cancelled = 0, coalesced = 0
    }

    var lifecycle = Lifecycle.paused
    /// Pending jobs that may run now, by queue position (plus entries of jobs that left).
    var ready = Heap<QueueEntry>()
    /// Live entries in `ready`.
    var readyCount = 0
    /// Pending jobs that reached the front while their class was full, in queue order.
    var parked: [String: Deque<Job>] = [:]
    var parkedCount = 0
    var runningPerClass: [String: Int] = [:]
    /// The pending job of each coalescing key.
    var pendingByKey: [String: Job] = [:]
    /// Jobs whose closure is executing.
    var executing: [TaskID: Job] = [:]
    var pendingPerPriority = [Int](repeating: 0, count: PoolPriority.allCases.count)
    var sequence: UInt64 = 0
    var counters = Counters()
    var queueWait = PoolState.histogram()
    var runTime = PoolState.histogram()

    var threads: [ThreadRecord] = []
    /// Threads that returned from their loop and wait to be joined.
    var exitedThreads: [PoolThread] = []
    /// The owner went away on one of the pool's own threads: nobody joins, threads detach.
    var detachOnExit = false
    var shutdownComplete = false

    static func histogram() -> Histogram<UInt64> {
        Histogram(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .two)
    }

    /// Pending jobs, runnable or parked.
    var pendingCount: Int { readyCount + parkedCount }

    /// Whether nothing is pending and no closure executes.
    var isIdle: Bool { pendingCount == 0 && executing.isEmpty }

    // MARK: Queue

    /// Queues a pending job at its position.
    mutating func enqueue(_ job: Job) {
        ready.insert(QueueEntry(order: job.order, job: job))
        readyCount += 1
    }

    /// The next job that may run now, taken out of the queue (parking jobs whose class
    /// is full on the way), or nil.
    mutating func takeNext(limits: [String: Int]) -> Job? {
        while let top = ready.min {
            _ = ready.removeMin()
            guard top.isLive else { continue }
            readyCount -= 1
            let job = top.job
            if let name = job.concurrencyClass, let limit = limits[name], runningPerClass[name, default: 0] >= limit {
                parked[name, default: []].append(job)
                parkedCount += 1
                continue
            }
            return job
        }
        return nil
    }

    /// Marks `job` running on a thread: out of every queue index, into its class slot.
    mutating func start(_ job: Job, at now: MonotonicInstant) {
        job.state = .running
        job.startedAt = now
        pendingPerPriority[job.priority.rawValue] -= 1
        if let key = job.key, pendingByKey[key] === job { pendingByKey[key] = nil }
        if let name = job.concurrencyClass {
            runningPerClass[name, default: 0] += 1
            job.holdsClassSlot = true
        }
        executing[job.id] = job
        counters.started += 1
        queueWait.record(UInt64(clamping: max(0, now.nanoseconds - job.submittedAt.nanoseconds)))
    }

    /// Gives back `job`'s class slot; the first job parked behind the class becomes
    /// runnable again at its old position.
    mutating func releaseClassSlot(of job: Job) {
        guard job.holdsClassSlot, let name = job.concurrencyClass else { return }
        job.holdsClassSlot = false
        runningPerClass[name, default: 1] -= 1
        while var waiting = parked[name], let first = waiting.popFirst() {
            parked[name] = waiting.isEmpty ? nil : waiting
            parkedCount -= 1
            guard first.state == .pending else { continue }
            enqueue(first)
            break
        }
    }

    /// Takes a pending job out of the queue (it was cancelled or replaced).
    mutating func removePending(_ job: Job) {
        pendingPerPriority[job.priority.rawValue] -= 1
        if let key = job.key, pendingByKey[key] === job { pendingByKey[key] = nil }
        if let name = job.concurrencyClass, var waiting = parked[name], let index = waiting.firstIndex(where: { $0 === job }) {
            waiting.remove(at: index)
            parked[name] = waiting.isEmpty ? nil : waiting
            parkedCount -= 1
        } else {
            readyCount -= 1   // its heap entry stays behind, no longer live
        }
    }

    /// Every pending job, in no particular order.
    var pendingJobs: [Job] {
        ready.unordered.lazy.filter(\.isLive).map(\.job) + parked.values.flatMap { $0 }
    }
}

/// One pool thread's record.
final class ThreadRecord: @unchecked Sendable {
    var thread: PoolThread?
}
