import Atomics
import Histogram

/// Process-wide task identifier counter.
let taskIDCounter = ManagedAtomic<UInt64>(0)

/// Work to do after the mutex is released: resuming continuations, dropping closures
/// and values (their deinitialisers may call back into the pool), joining threads.
struct Wakeups {
    var resumptions: [CheckedContinuation<Void, Never>] = []
    var droppedWork: [JobBase] = []
    var discardedValues: [Any] = []
    var joins: [PoolThreadID] = []
    var finishedStreams: [AsyncStream<PoolEvent>.Continuation] = []

    var isEmpty: Bool {
        resumptions.isEmpty && droppedWork.isEmpty && discardedValues.isEmpty && joins.isEmpty
            && finishedStreams.isEmpty
    }

    /// Performs everything and empties itself, so that nothing it held is released
    /// later (possibly with the mutex held again).
    mutating func run() {
        for job in droppedWork { job.dropWork() }
        droppedWork = []
        discardedValues = []
        for continuation in resumptions { continuation.resume() }
        resumptions = []
        for continuation in finishedStreams { continuation.finish() }
        finishedStreams = []
        for thread in joins { joinThread(thread) }
        joins = []
    }
}

/// Counters behind ``PoolStatistics``.
struct Counters {
    var submitted = 0
    var started = 0
    var completed = 0
    var failed = 0
    var cancelled = 0
    var coalesced = 0
    var superseded = 0
    var timedOut = 0
    var replacementWorkersStarted = 0
}

enum Lifecycle: Equatable {
    case paused
    case running
    case shuttingDown(ShutdownMode)
    case terminated

    var acceptsWork: Bool { self == .paused || self == .running }
    var isShuttingDown: Bool { if case .shuttingDown = self { true } else { false } }
    var hasWorkers: Bool { self == .running || isShuttingDown }
}

/// The engine behind ``WorkerPool``: one mutex guards every queue, table, counter and
/// job field; three condition variables (workers, waiters, watchdog) hang off it.
@usableFromInline
final class PoolCore: @unchecked Sendable {

    // MARK: Configuration (immutable)

    let clock: any PoolClock
    /// The clock is a `SystemPoolClock`: read it directly, not through the existential.
    private let usesSystemClock: Bool
    let workerCount: Int
    private let offsets: [UInt64]
    private let classIndexByName: [String: Int]
    /// Indexed by class index; `classLimits[0]` (no class) is unlimited.
    private let classLimits: [Int]
    private let watchdogInterval: UInt64?
    private let maxReplacementWorkers: Int

    // MARK: Synchronisation

    private let mutex = PoolMutex()
    private let workCondition = PoolCondition()
    private let doneCondition = PoolCondition()
    private let watchdogCondition = PoolCondition()
    /// Lock-free submissions not yet queued: a stack of retained jobs linked through
    /// `JobBase.inboxNext` (0: empty; `inboxClosed`: shut down).
    private let inbox = ManagedAtomic<UInt>(0)
    private static let inboxClosed: UInt = 1
    /// Held by the one thread draining the inbox (see "Inbox draining").
    private let drainFlag = ManagedAtomic<Bool>(false)
    /// Workers asleep on `workCondition`, or about to be.
    private let sleepers = ManagedAtomic<Int>(0)
    /// Workers polling the inbox before they sleep (at most one; written under the mutex).
    private let spinners = ManagedAtomic<Int>(0)
    /// A lock-free submitter is waking a sleeper; cleared by the worker that wakes.
    private let wakeRequested = ManagedAtomic<Bool>(false)
    /// Bumped under the mutex when work becomes runnable without a non-empty inbox to show
    /// for it (a locked submission, a drained chain, a class slot freed by a timeout), so
    /// that a worker polling the inbox notices it too.
    private let spinKick = ManagedAtomic<UInt>(0)
    /// Polls of the inbox before an idle worker sleeps, yielding every 32.
    private static let spinLimit = 1024

    // MARK: State (guarded by `mutex`)
    //
    // Every access happens with `mutex` held, which already rules out overlapping
    // accesses; the dynamic exclusivity checks would only cost time on the hot path.

    @exclusivity(unchecked) private var lifecycle: Lifecycle = .paused
    @exclusivity(unchecked) private var queue: ReadyQueue
    /// Running executions per class index.
    private let classRunning: UnsafeMutableBufferPointer<Int>
    @exclusivity(unchecked) private var livePending = 0
    /// Queued tasks per priority.
    private let queued: UnsafeMutableBufferPointer<Int>
    @exclusivity(unchecked) private var timedExecutions = 0
    @exclusivity(unchecked) private var stuckWorkers = 0
    @exclusivity(unchecked) private var nextSequence: UInt64 = 0
    @exclusivity(unchecked) private var lastSubmitTime: UInt64 = 0
    @exclusivity(unchecked) private var pendingByKey: [String: JobBase] = [:]
    @exclusivity(unchecked) private var nameCounts: [String: Int] = [:]

    @exclusivity(unchecked) private var workers: [WorkerRecord] = []
    @exclusivity(unchecked) private var servingWorkers = 0
    @exclusivity(unchecked) private var nextWorkerNumber = 0
    @exclusivity(unchecked) private var idleWorkers = 0
    @exclusivity(unchecked) private var signalsInFlight = 0
    @exclusivity(unchecked) private var exitedThreads: [PoolThreadID] = []
    @exclusivity(unchecked) private var watchdogThread: PoolThreadID?
    @exclusivity(unchecked) private var watchdogStop = false
    /// Set when the owner went away on one of the pool's own threads: nobody can join,
    /// so threads detach themselves.
    @exclusivity(unchecked) private var detachOnExit = false
    @exclusivity(unchecked) private var shutdownComplete = false

    @exclusivity(unchecked) private var idleWaiters = 0
    /// Threads waiting (on `doneCondition`) for a drain outside the mutex to finish.
    @exclusivity(unchecked) private var drainWaiters = 0
    @exclusivity(unchecked) private var observers: [AsyncStream<PoolEvent>.Continuation] = []

    @exclusivity(unchecked) private var counters = Counters()
    /// Latencies of executions on workers that have exited (live workers keep their own).
    private let queueWait = LatencyRecorder()
    private let runTime = LatencyRecorder()

    init(configuration: WorkerPool.Configuration) {
        precondition(configuration.workerCount >= 1, "workerCount must be at least 1")
        precondition(configuration.maxReplacementWorkers >= 0, "maxReplacementWorkers must not be negative")
        clock = configuration.clock
        usesSystemClock = configuration.clock is SystemPoolClock
        workerCount = configuration.workerCount
        offsets = PoolPriority.allCases.map { priority in
            nanoseconds(configuration.deadlineOffsets[priority]
                ?? WorkerPool.Configuration.defaultDeadlineOffsets[priority]!)
        }
        precondition(configuration.concurrencyLimits.count < Int(Int8.max), "too many concurrency classes")
        var indexByName: [String: Int] = [:]
        var limits = [Int.max]
        for (name, limit) in configuration.concurrencyLimits.sorted(by: { $0.key < $1.key }) {
            precondition(limit >= 1, "concurrency limit for \(name) must be at least 1")
            indexByName[name] = limits.count
            limits.append(limit)
        }
        classIndexByName = indexByName
        classLimits = limits
        watchdogInterval = configuration.timeoutCheckInterval.map { Swift.max(1, nanoseconds($0)) }
        maxReplacementWorkers = configuration.maxReplacementWorkers
        queue = ReadyQueue(classCount: limits.count)
        classRunning = .allocate(capacity: limits.count)
        classRunning.initialize(repeating: 0)
        queued = .allocate(capacity: ReadyQueue.laneCount)
        queued.initialize(repeating: 0)
    }

    deinit {
        // Only reached once every thread is gone; give back what the queue still owns.
        var head = inbox.exchange(PoolCore.inboxClosed, ordering: .acquiring)
        while head != 0 && head != PoolCore.inboxClosed {
            let job = Unmanaged<JobBase>.fromOpaque(UnsafeRawPointer(bitPattern: head)!).takeRetainedValue()
            head = job.inboxNext
        }
        queue.deallocate()
        classRunning.deallocate()
        queued.deallocate()
    }

    /// The pool clock's reading.
    @inline(__always)
    private func readClock() -> UInt64 {
        usesSystemClock ? SystemPoolClock.monotonicNanoseconds() : clock.now
    }

    // MARK: Jobs

    /// The options object for a submission, or nil when it uses none of them.
    @usableFromInline
    func options(name: String?, key: String?, supersedesRunning: Bool, concurrencyClass: String?,
                 timeout: Duration?) -> JobOptions? {
        let timeoutNanoseconds = timeout.map { Swift.max(1, nanoseconds($0)) } ?? 0
        let classIndex = concurrencyClass.flatMap { classIndexByName[$0] } ?? 0
        guard name != nil || key != nil || classIndex != 0 || timeoutNanoseconds != 0 else { return nil }
        return JobOptions(name: name, key: key, classIndex: Int32(classIndex), timeout: timeoutNanoseconds,
                          supersedesRunning: supersedesRunning && key != nil)
    }

    @usableFromInline
    static func nextTaskID() -> TaskID {
        TaskID(rawValue: taskIDCounter.wrappingIncrementThenLoad(ordering: .relaxed))
    }

    // MARK: Lifecycle

    func start() {
        mutex.lock()
        if lifecycle == .paused {
            lifecycle = .running
            spawnInitialThreadsLocked()
        }
        mutex.unlock()
    }

    private func spawnInitialThreadsLocked() {
        for _ in 0..<workerCount { spawnWorkerLocked() }
        if watchdogInterval != nil, watchdogThread == nil {
            watchdogThread = spawnThread(name: "pool-watchdog") { [self] in watchdogLoop() }
        }
    }

    private func spawnWorkerLocked() {
        let record = WorkerRecord(number: nextWorkerNumber, core: self)
        nextWorkerNumber += 1
        workers.append(record)
        servingWorkers += 1
        // The new thread blocks on the mutex until we release it, so `thread` is set
        // before it can look.
        record.thread = spawnThread(name: "pool-worker-\(record.number)") { [self] in workerLoop(record) }
    }

    private func currentThreadIsPoolThreadLocked() -> Bool {
        if let watchdogThread, isCurrentThread(watchdogThread) { return true }
        return workers.contains { $0.thread.map(isCurrentThread) ?? false }
    }

    func shutdown(_ mode: ShutdownMode) {
        var wake = Wakeups()
        mutex.lock()
        precondition(!currentThreadIsPoolThreadLocked(),
                     "WorkerPool.shutdown called from one of the pool's own threads would wait for itself")
        switch lifecycle {
        case .shuttingDown, .terminated:
            while !shutdownComplete && !detachOnExit { doneCondition.wait(mutex) }
            mutex.unlock()
            return
        case .paused, .running:
            break
        }
        let wasPaused = lifecycle == .paused
        lifecycle = .shuttingDown(mode)
        closeInboxLocked(&wake)
        let now = readClock()
        if mode == .cancelPending {
            cancelAllPendingLocked(reason: .shutdown, now: now, &wake)
        }
        if wasPaused && livePending > 0 {
            spawnInitialThreadsLocked()
        }
        workCondition.broadcast()
        notifyIfIdleLocked()
        if !wake.isEmpty {
            mutex.unlock()
            wake.run()
            mutex.lock()
        }
        // Join workers as they exit, so that only a worker still stuck in a closure is
        // ever left unjoined (say, when the process exits meanwhile).
        while !workers.isEmpty {
            if !exitedThreads.isEmpty {
                let exited = exitedThreads
                exitedThreads = []
                mutex.unlock()
                for thread in exited { joinThread(thread) }
                mutex.lock()
                continue
            }
            doneCondition.wait(mutex)
        }
        watchdogStop = true
        watchdogCondition.signal()
        wake.joins = exitedThreads
        exitedThreads = []
        if let watchdogThread { wake.joins.append(watchdogThread) }
        watchdogThread = nil
        lifecycle = .terminated
        wake.finishedStreams = observers
        observers = []
        mutex.unlock()
        wake.run()
        mutex.lock()
        shutdownComplete = true
        doneCondition.broadcast()
        mutex.unlock()
    }

    /// The owning ``WorkerPool`` went away without a shutdown.
    func ownerDidDeinit() {
        mutex.lock()
        guard lifecycle.acceptsWork else {
            mutex.unlock()
            return
        }
        guard currentThreadIsPoolThreadLocked() else {
            mutex.unlock()
            shutdown(.cancelPending)
            return
        }
        // On one of our own threads: cancel, stop, and let every thread detach itself.
        var wake = Wakeups()
        lifecycle = .shuttingDown(.cancelPending)
        closeInboxLocked(&wake)
        cancelAllPendingLocked(reason: .shutdown, now: readClock(), &wake)
        detachOnExit = true
        for thread in exitedThreads { detachThread(thread) }
        exitedThreads = []
        watchdogStop = true
        watchdogCondition.signal()
        workCondition.broadcast()
        wake.finishedStreams = observers
        observers = []
        doneCondition.broadcast()
        mutex.unlock()
        wake.run()
    }

    // MARK: Submission

    /// Queues a job without a name or key: lock-free. The job is pushed on the inbox (a
    /// Treiber stack) and moved into the queues by the next thread that takes the mutex.
    private func submitUnnamed(_ job: JobBase) throws(PoolError) {
        job.submitTime = readClock()
        let node = UInt(bitPattern: Unmanaged.passRetained(job).toOpaque())
        var head = inbox.load(ordering: .relaxed)
        while true {
            if head == PoolCore.inboxClosed {
                Unmanaged<JobBase>.fromOpaque(UnsafeRawPointer(bitPattern: node)!).release()
                throw PoolError.shutDown
            }
            job.inboxNext = head
            let (exchanged, original) = inbox.compareExchange(
                expected: head, desired: node, ordering: .sequentiallyConsistent)
            if exchanged { break }
            head = original
        }
        // Pairs with the sleeper's increment-then-check in `workerLoop`: either it sees
        // the job, or we see it sleeping.
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 && spinners.load(ordering: .relaxed) == 0
            && wakeRequested.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
        {
            mutex.lock()
            if idleWorkers > signalsInFlight {
                signalsInFlight += 1
                workCondition.signal()
            } else if idleWorkers == 0 {
                wakeRequested.store(false, ordering: .relaxed)
            }
            mutex.unlock()
        }
    }

    /// Queues `job`. Returns false (and queues nothing) when `ifIdle` and a task with the
    /// job's name is pending or running. Jobs without name and key take the lock-free path.
    @usableFromInline
    func submit(_ job: JobBase, ifIdle: Bool) throws(PoolError) -> Bool {
        if job.options?.name == nil && job.options?.key == nil {
            try submitUnnamed(job)
            return true
        }
        let now = readClock()
        var wake = Wakeups()
        mutex.lock()
        guard lifecycle.acceptsWork else {
            mutex.unlock()
            throw PoolError.shutDown
        }
        // Earlier lock-free submissions come first (FIFO per submitting thread).
        drainInboxLocked(&wake)
        if ifIdle, let name = job.name, nameCounts[name, default: 0] > 0 {
            mutex.unlock()
            if !wake.isEmpty { wake.run() }
            return false
        }
        job.submitTime = now
        enqueueLocked(job, transferringRetain: false, &wake)
        spinKick.wrappingIncrement(ordering: .relaxed)
        if lifecycle == .running && spinners.load(ordering: .relaxed) == 0 && idleWorkers > signalsInFlight {
            signalsInFlight += 1
            workCondition.signal()
        }
        mutex.unlock()
        if !wake.isEmpty { wake.run() }
        return true
    }

    // MARK: Inbox draining
    //
    // Only one thread drains at a time: the one holding `drainFlag`. A worker that has
    // just run a task claims the flag and the whole inbox *outside* the mutex and puts
    // the chain in order there (the first touch of every job, cache misses included),
    // then queues it under the mutex and gives the flag back. Inside the mutex, a thread
    // that needs every earlier submission queued (a locked submission, cancel, statistics,
    // idle checks, shutdown) waits for such a drain to finish and then drains the rest
    // itself; a worker looking for work just takes what is queued.

    /// Outside the mutex: claims the inbox if nobody else is draining it and returns its
    /// jobs oldest first (a chain through `inboxNext`), or 0. On a non-zero return the
    /// caller holds `drainFlag` and must call `finishDrainLocked(_:_:)`.
    private func takeInboxUnlocked() -> UInt {
        let head = inbox.load(ordering: .relaxed)
        if head == 0 || head == PoolCore.inboxClosed { return 0 }
        guard drainFlag.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return 0
        }
        let chain = exchangeInbox()
        if chain == 0 {
            // Somebody drained it meanwhile; give the flag back under the mutex, where
            // waiters check it.
            return PoolCore.emptyClaim
        }
        return PoolCore.reversed(chain)
    }

    /// Queues a chain claimed by `takeInboxUnlocked()` and gives the flag back.
    private func finishDrainLocked(_ claim: UInt, _ wake: inout Wakeups) {
        if claim != PoolCore.emptyClaim { enqueueChainLocked(claim, &wake) }
        drainFlag.store(false, ordering: .releasing)
        if drainWaiters > 0 { doneCondition.broadcast() }
    }

    /// Moves lock-free submissions from the inbox into the queues, oldest first. With
    /// `waiting`, first waits for a drain in progress outside the mutex (so that nothing
    /// submitted earlier is left out); without, leaves the inbox to that drain.
    @inline(__always)
    private func drainInboxLocked(waiting: Bool = true, _ wake: inout Wakeups) {
        // Acquiring: if a drainer emptied the inbox, its claim of the flag is visible too.
        let head = inbox.load(ordering: .acquiring)
        if head != 0 && head != PoolCore.inboxClosed || waiting && drainFlag.load(ordering: .acquiring) {
            drainInboxSlowLocked(waiting: waiting, &wake)
        }
    }

    private func drainInboxSlowLocked(waiting: Bool, _ wake: inout Wakeups) {
        while !drainFlag.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            guard waiting else { return }
            drainWaiters += 1
            doneCondition.wait(mutex)
            drainWaiters -= 1
        }
        let chain = exchangeInbox()
        if chain != 0 { enqueueChainLocked(PoolCore.reversed(chain), &wake) }
        drainFlag.store(false, ordering: .releasing)
        if drainWaiters > 0 { doneCondition.broadcast() }
    }

    /// Takes the inbox's chain (newest first), leaving it empty; 0 if empty or closed.
    private func exchangeInbox() -> UInt {
        var head = inbox.load(ordering: .acquiring)
        while head != 0 && head != PoolCore.inboxClosed {
            let (exchanged, original) = inbox.compareExchange(
                expected: head, desired: 0, ordering: .acquiringAndReleasing)
            if exchanged { return head }
            head = original
        }
        return 0
    }

    /// Closes the inbox (later lock-free submissions throw) and queues what it held.
    private func closeInboxLocked(_ wake: inout Wakeups) {
        while !drainFlag.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            drainWaiters += 1
            doneCondition.wait(mutex)
            drainWaiters -= 1
        }
        let head = inbox.exchange(PoolCore.inboxClosed, ordering: .acquiringAndReleasing)
        if head != 0 && head != PoolCore.inboxClosed { enqueueChainLocked(PoolCore.reversed(head), &wake) }
        drainFlag.store(false, ordering: .releasing)
        if drainWaiters > 0 { doneCondition.broadcast() }
    }

    /// Marks "claimed the flag, but the inbox was already empty".
    private static let emptyClaim: UInt = 1

    /// Reverses a newest-first chain in place; returns the oldest job's node.
    private static func reversed(_ head: UInt) -> UInt {
        var reversed: UInt = 0
        var node = head
        while node != 0 {
            Unmanaged<JobBase>.fromOpaque(UnsafeRawPointer(bitPattern: node)!)._withUnsafeGuaranteedRef { job in
                let next = job.inboxNext
                job.inboxNext = reversed
                reversed = node
                node = next
            }
        }
        return reversed
    }

    /// Queues an oldest-first chain. The inbox's retain of each job passes to its entry.
    private func enqueueChainLocked(_ oldest: UInt, _ wake: inout Wakeups) {
        // A worker polling the (now empty) inbox should look at the queue instead.
        spinKick.wrappingIncrement(ordering: .relaxed)
        var node = oldest
        while node != 0 {
            Unmanaged<JobBase>.fromOpaque(UnsafeRawPointer(bitPattern: node)!)._withUnsafeGuaranteedRef { job in
                node = job.inboxNext
                enqueueLocked(job, transferringRetain: true, &wake)
            }
        }
    }

    /// Gives `job` its queue position (coalescing it with a queued task with the same
    /// key, superseding running ones if asked) and counts it as submitted.
    private func enqueueLocked(_ job: JobBase, transferringRetain: Bool, _ wake: inout Wakeups) {
        // Deadlines within a lane must not decrease: clamp to the latest submit time.
        var now = job.submitTime
        if now < lastSubmitTime { now = lastSubmitTime } else { lastSubmitTime = now }
        job.submitTime = now
        let lane = job.priority.rawValue
        let (sum, overflow) = now.addingReportingOverflow(offsets[lane])
        job.deadline = overflow ? .max : sum
        job.sequence = nextSequence
        nextSequence &+= 1
        var replaced: JobBase?
        var inherited = false
        if let key = job.key {
            if let old = pendingByKey[key] {
                replaced = old
                if (old.deadline, old.sequence) < (job.deadline, job.sequence) {
                    // Latest work, earliest position.
                    job.deadline = old.deadline
                    job.sequence = old.sequence
                    inherited = true
                }
            }
            pendingByKey[key] = job
        }
        if inherited {
            queue.pushOutOfOrder(job)
        } else {
            queue.push(job, transferringRetain: transferringRetain)
        }
        livePending += 1
        queued[lane] += 1
        counters.submitted += 1
        if let name = job.name { nameCounts[name, default: 0] += 1 }
        if let replaced {
            job.more.replacedTaskID = replaced.id
            if !observers.isEmpty { emitLocked(job, .submitted(replacing: replaced.id), now) }
            cancelLocked(replaced, reason: .coalesced(into: job.id), now: now, &wake)
        } else if !observers.isEmpty {
            emitLocked(job, .submitted(replacing: nil), now)
        }
        if job.supersedesRunning, let key = job.key {
            for worker in workers {
                if let current = worker.current, current.state == .running, current.key == key {
                    cancelLocked(current, reason: .superseded(by: job.id), now: now, &wake)
                }
            }
        }
    }

    // MARK: Dispatch

    /// Removes and returns the runnable job with the earliest (deadline, sequence).
    ///
    /// When nothing is queued but submissions are on their way (in the inbox, or taken
    /// by another worker draining it outside the mutex), waits for that drain — on
    /// `doneCondition`, which releases the mutex — rather than returning nil: a worker
    /// that looked again with the mutex held would keep the drainer from ever queueing
    /// what it took.
    private func popRunnableLocked(_ wake: inout Wakeups) -> JobBase? {
        drainInboxLocked(waiting: false, &wake)
        if let job = popQueuedLocked() { return job }
        drainInboxLocked(waiting: true, &wake)
        return popQueuedLocked()
    }

    private func popQueuedLocked() -> JobBase? {
        if livePending == 0 {
            if queue.tombstones > 0 { queue.removeAll() }
            return nil
        }
        return queue.popRunnable(classRunning: classRunning, classLimits: classLimits)
    }

    /// Whether some queued job may be runnable now (an over-estimate: jobs still in a lane
    /// whose class is full count as runnable).
    private func mayHaveRunnableLocked() -> Bool {
        var blocked = 0
        for index in 1..<classLimits.count where classRunning[index] >= classLimits[index] {
            blocked += queue.heapLive[index]
        }
        return livePending > blocked
    }

    private func startLocked(_ job: JobBase, on worker: WorkerRecord, now: UInt64) {
        job.state = .running
        livePending -= 1
        queued[job.priority.rawValue] -= 1
        if let key = job.key { pendingByKey.removeValue(forKey: key) }
        worker.current = job
        worker.startTime = now
        worker.queueWait.record(from: job.submitTime, to: now)
        worker.runDeadline = 0
        if let options = job.options {
            if options.timeout != 0 {
                let (sum, overflow) = now.addingReportingOverflow(options.timeout)
                worker.runDeadline = overflow ? .max : sum
                timedExecutions += 1
                if timedExecutions == 1 { watchdogCondition.signal() }
            }
            if options.classIndex != 0 { classRunning[Int(options.classIndex)] += 1 }
        }
        worker.started += 1
        if !observers.isEmpty { emitLocked(job, .started, now) }
        if livePending == 0 && lifecycle.isShuttingDown { workCondition.broadcast() }
        if idleWorkers > signalsInFlight && livePending > 0 && mayHaveRunnableLocked() {
            signalsInFlight += 1
            workCondition.signal()
        }
    }

    /// Releases what an execution holds: its name, its class slot, its watchdog entry.
    private func releaseExecutionLocked(_ job: JobBase, on worker: WorkerRecord) {
        if worker.runDeadline != 0 { timedExecutions -= 1 }
        guard let options = job.options else { return }
        if let name = options.name { releaseNameLocked(name) }
        if options.classIndex != 0 { classRunning[Int(options.classIndex)] -= 1 }
    }

    private func releaseNameLocked(_ name: String) {
        let count = nameCounts[name, default: 0]
        if count <= 1 { nameCounts.removeValue(forKey: name) } else { nameCounts[name] = count - 1 }
    }

    private func finishExecutionLocked(_ job: JobBase, on worker: WorkerRecord, error: (any Error)?,
                                       now: UInt64, _ wake: inout Wakeups) {
        worker.runTime.record(from: worker.startTime, to: now)
        if job.detached {
            stuckWorkers -= 1
        } else {
            releaseExecutionLocked(job, on: worker)
        }
        worker.current = nil
        worker.runDeadline = 0
        if job.state == .running {
            if let error {
                job.more.error = error
                job.state = .failed
                counters.failed += 1
                if !observers.isEmpty { emitLocked(job, .failed(error), now) }
            } else {
                if worker.hasReturnedValue {
                    worker.hasReturnedValue = false
                    job.more.result = worker.returnedValue.take()
                }
                job.state = .finished
                worker.completed += 1
                if !observers.isEmpty { emitLocked(job, .completed, now) }
            }
            terminalLocked(job, &wake)
        } else if worker.hasReturnedValue {
            // Never delivered; dropped after the mutex is released.
            worker.hasReturnedValue = false
            wake.discardedValues.append(worker.returnedValue.take()!)
        }
        notifyIfIdleLocked()
    }

    // MARK: Terminal transitions

    private func terminalLocked(_ job: JobBase, _ wake: inout Wakeups) {
        guard let extras = job.extras else { return }
        if extras.blockingWaiters > 0 { doneCondition.broadcast() }
        if !extras.continuations.isEmpty {
            wake.resumptions.append(contentsOf: extras.continuations)
            extras.continuations = []
        }
    }

    /// No task queued and no closure executing (closures of timed-out tasks excluded).
    private func isIdleLocked() -> Bool {
        livePending == 0 && inbox.load(ordering: .relaxed) & ~PoolCore.inboxClosed == 0
            && !drainFlag.load(ordering: .relaxed)
            && !workers.contains { ($0.current.map { !$0.detached } ?? false) || !$0.batch.isEmpty }
    }

    private func notifyIfIdleLocked() {
        if idleWaiters > 0 && isIdleLocked() { doneCondition.broadcast() }
    }

    /// Removes a pending job from the queue bookkeeping (its entry becomes a tombstone).
    private func removePendingLocked(_ job: JobBase) {
        livePending -= 1
        queued[job.priority.rawValue] -= 1
        queue.markDead(job)
        if let key = job.key, pendingByKey[key] === job { pendingByKey.removeValue(forKey: key) }
        if let name = job.name { releaseNameLocked(name) }
        if livePending == 0 && lifecycle.isShuttingDown { workCondition.broadcast() }
    }

    /// Cancels a pending or running job for `reason`. Returns false when it already ended.
    @discardableResult
    private func cancelLocked(_ job: JobBase, reason: CancellationReason, now: UInt64,
                              compacting: Bool = true, _ wake: inout Wakeups) -> Bool {
        switch job.state {
        case .pending:
            removePendingLocked(job)
            wake.droppedWork.append(job)
        case .running:
            job.cancelRequested.store(true, ordering: .releasing)
        case .finished, .failed, .cancelled, .timedOut:
            return false
        }
        job.state = .cancelled
        job.more.cancellationReason = reason
        let kind: PoolEvent.Kind
        switch reason {
        case .requested, .shutdown:
            counters.cancelled += 1
            kind = .cancelled(reason)
        case .coalesced(let newer):
            counters.coalesced += 1
            kind = .coalesced(into: newer)
        case .superseded(let newer):
            counters.superseded += 1
            kind = .superseded(by: newer)
        }
        if !observers.isEmpty { emitLocked(job, kind, now) }
        terminalLocked(job, &wake)
        if compacting {
            queue.compactIfNeeded(livePending: livePending)
            notifyIfIdleLocked()
        }
        return true
    }

    @discardableResult
    private func cancelAllPendingLocked(reason: CancellationReason, now: UInt64, _ wake: inout Wakeups) -> Int {
        guard livePending > 0 else { return 0 }
        let victims = queue.liveJobs()
        for job in victims { cancelLocked(job, reason: reason, now: now, compacting: false, &wake) }
        queue.removeAll()
        notifyIfIdleLocked()
        return victims.count
    }

    func cancel(_ job: JobBase) -> Bool {
        var wake = Wakeups()
        let now = readClock()
        mutex.lock()
        drainInboxLocked(&wake)
        let cancelled = cancelLocked(job, reason: .requested, now: now, &wake)
        mutex.unlock()
        wake.run()
        return cancelled
    }

    func cancelAll() -> Int {
        var wake = Wakeups()
        let now = readClock()
        mutex.lock()
        drainInboxLocked(&wake)
        var count = cancelAllPendingLocked(reason: .requested, now: now, &wake)
        for worker in workers {
            if let job = worker.current, cancelLocked(job, reason: .requested, now: now, &wake) { count += 1 }
            for job in worker.batch where cancelLocked(job, reason: .requested, now: now, &wake) { count += 1 }
        }
        mutex.unlock()
        wake.run()
        return count
    }

    // MARK: Timeouts

    func checkTimeouts() -> Int {
        var wake = Wakeups()
        mutex.lock()
        let count = checkTimeoutsLocked(now: readClock(), &wake)
        mutex.unlock()
        wake.run()
        return count
    }

    private func checkTimeoutsLocked(now: UInt64, _ wake: inout Wakeups) -> Int {
        guard timedExecutions > 0 else { return 0 }
        var count = 0
        for worker in workers where !worker.retired {
            guard let job = worker.current, worker.runDeadline != 0, !job.detached, now >= worker.runDeadline else {
                continue
            }
            job.cancelRequested.store(true, ordering: .releasing)
            job.detached = true
            worker.retired = true
            servingWorkers -= 1
            stuckWorkers += 1
            releaseExecutionLocked(job, on: worker)
            worker.runDeadline = 0
            var replaced = false
            if lifecycle.hasWorkers && !detachOnExit && workers.count < workerCount + maxReplacementWorkers {
                spawnWorkerLocked()
                counters.replacementWorkersStarted += 1
                replaced = true
            }
            if job.state == .running {
                    job.state = .timedOut
                counters.timedOut += 1
                if !observers.isEmpty { emitLocked(job, .timedOut(workerReplaced: replaced), now) }
                terminalLocked(job, &wake)
                count += 1
            }
            // Its class slot may have been what held other work back.
            spinKick.wrappingIncrement(ordering: .relaxed)
            workCondition.broadcast()
        }
        notifyIfIdleLocked()
        if !detachOnExit {
            wake.joins.append(contentsOf: exitedThreads)
            exitedThreads = []
        }
        return count
    }

    private func watchdogLoop() {
        guard let interval = watchdogInterval else { return }
        mutex.lock()
        while !watchdogStop {
            if timedExecutions == 0 {
                watchdogCondition.wait(mutex)
                continue
            }
            _ = watchdogCondition.wait(mutex, until: wallClockDeadline(afterNanoseconds: interval))
            if watchdogStop { break }
            var wake = Wakeups()
            _ = checkTimeoutsLocked(now: readClock(), &wake)
            if !wake.isEmpty {
                mutex.unlock()
                wake.run()
                mutex.lock()
            }
        }
        if detachOnExit { detachThread(pthreadSelf()) }
        mutex.unlock()
    }

    // MARK: Workers

    private func workerLoop(_ worker: WorkerRecord) {
        var finished: JobBase?
        var finishedError: (any Error)?
        // The job (and error) just finished: released only after the mutex is, since the
        // last release may run user deinitialisers (a returned value, captured state).
        var retiring: JobBase?
        var retiringError: (any Error)?
        var retiringBatch: [JobBase] = []
        // When the job just finished ended, and how its batch went.
        var finishedAt: UInt64 = 0
        var batchRuns: [BatchRun] = []
        // How many tasks this worker may take as a batch next: none after a long task,
        // then one, doubling after every round of short ones up to `batchLimit`.
        var batchSize = PoolCore.batchLimit
        var maySpin = true
        // A chain of submissions claimed outside the mutex, queued once it is taken again.
        var claim: UInt = 0
        mutex.lock()
        var now = readClock()
        while true {
            var wake = Wakeups()
            if claim != 0 {
                finishDrainLocked(claim, &wake)
                claim = 0
            }
            if let job = finished {
                finishExecutionLocked(job, on: worker, error: finishedError, now: finishedAt, &wake)
                retiring = finished.take()
                retiringError = finishedError.take()
                if !worker.batch.isEmpty {
                    publishBatchLocked(worker, batchRuns, &wake)
                    swap(&retiringBatch, &worker.batch)
                    batchRuns.removeAll(keepingCapacity: true)
                    notifyIfIdleLocked()
                }
            }
            if worker.retired {
                if servingWorkers < workerCount {
                    worker.retired = false
                    servingWorkers += 1
                } else {
                    exitWorkerLocked(worker)
                    mutex.unlock()
                    wake.run()
                    withExtendedLifetime((retiring, retiringError, retiringBatch)) {}
                    return
                }
            }
            if lifecycle.hasWorkers, let job = popRunnableLocked(&wake) {
                startLocked(job, on: worker, now: now)
                if batchSize > 0 && job.options == nil && observers.isEmpty {
                    dispatchBatchLocked(to: worker, limit: batchSize)
                }
                let startedAt = now
                let context = TaskContext(job: job, worker: worker)
                mutex.unlock()
                if !wake.isEmpty { wake.run() }
                withExtendedLifetime((retiring, retiringError)) {}
                retiring = nil
                retiringError = nil
                retiringBatch.removeAll(keepingCapacity: true)
                finishedError = job.execute(context, on: worker)
                now = readClock()
                finishedAt = now
                var allShort = now &- startedAt < PoolCore.shortRun
                if !worker.batch.isEmpty {
                    now = runBatch(on: worker, from: now, into: &batchRuns, allShort: &allShort)
                }
                batchSize = allShort ? Swift.min(Swift.max(1, batchSize * 2), PoolCore.batchLimit) : batchSize / 2
                finished = job
                maySpin = true
                claim = takeInboxUnlocked()
                mutex.lock()
                continue
            }
            if !wake.isEmpty || retiring != nil || retiringError != nil || !retiringBatch.isEmpty {
                mutex.unlock()
                wake.run()
                withExtendedLifetime((retiring, retiringError)) {}
                retiring = nil
                retiringError = nil
                retiringBatch.removeAll(keepingCapacity: true)
                mutex.lock()
                now = readClock()
                continue
            }
            if lifecycle.isShuttingDown && livePending == 0 || lifecycle == .terminated {
                exitWorkerLocked(worker)
                mutex.unlock()
                return
            }
            if maySpin && lifecycle == .running && spinners.load(ordering: .relaxed) == 0 {
                // Poll the inbox briefly before paying for a sleep and a wake-up.
                maySpin = false
                spinners.wrappingIncrement(ordering: .relaxed)
                let kick = spinKick.load(ordering: .relaxed)
                mutex.unlock()
                var spins = 0
                while spins < PoolCore.spinLimit && inbox.load(ordering: .relaxed) == 0
                    && spinKick.load(ordering: .relaxed) == kick
                {
                    spins += 1
                    if spins & 31 == 0 { yieldThread() }
                }
                mutex.lock()
                spinners.wrappingDecrement(ordering: .relaxed)
                if spins < PoolCore.spinLimit { maySpin = true }
                now = readClock()
                continue
            }
            // Pairs with `submitUnnamed`: announce the sleep, then look at the inbox once more.
            sleepers.wrappingIncrement(ordering: .sequentiallyConsistent)
            let head = inbox.load(ordering: .sequentiallyConsistent)
            if head != 0 && head != PoolCore.inboxClosed {
                sleepers.wrappingDecrement(ordering: .relaxed)
                now = readClock()
                continue
            }
            idleWorkers += 1
            workCondition.wait(mutex)
            idleWorkers -= 1
            sleepers.wrappingDecrement(ordering: .relaxed)
            wakeRequested.store(false, ordering: .relaxed)
            if signalsInFlight > 0 { signalsInFlight -= 1 }
            now = readClock()
        }
    }

    // MARK: Batches
    //
    // Taking the mutex for every task is what limits a pool of tiny tasks: the lock and
    // the queue's cache lines travel between the workers' cores for each one. So a
    // worker that starts a plain task (no name, key, class or timeout) while no event
    // stream is open also takes more plain tasks from the front of the queue, leaving at
    // least `workerCount` for the others: up to `batchLimit` at first, none after a task
    // that ran long, then one, twice as many after each round of short tasks (so that
    // tasks of borderline length do not make it take and give back batches over and
    // over). They are `running` from then on (dispatched to this worker); it runs
    // them in order after the first, without the mutex, and reports them all at its
    // next acquisition. As soon as one task runs long, the tasks not yet begun go back
    // to the queue at their old positions (`pending` again), so that a batch never
    // holds work back longer than the one task that turned out long. A batched task
    // cancelled before its closure was invoked is never invoked; one cancelled while
    // running sees its token and its result is discarded, as for any running task.

    /// Most plain tasks dispatched to a worker beyond the one it starts.
    private static let batchLimit = 16
    /// A task shorter than this (clock nanoseconds) lets its worker take a batch next.
    private static let shortRun: UInt64 = 20_000

    /// How one batched task went (recorded outside the mutex by its worker).
    struct BatchRun {
        var start: UInt64
        var end: UInt64
        var error: (any Error)?
        var value: Any?
        var hasValue: Bool
        var outcome: Outcome

        enum Outcome {
            /// The closure ran.
            case executed
            /// Cancelled before its closure was invoked: never run.
            case skipped
            /// Not begun because a task before it ran long: back to the queue.
            case returned
        }
    }

    /// Takes further plain tasks from the front of the queue into `worker.batch`.
    private func dispatchBatchLocked(to worker: WorkerRecord, limit: Int) {
        while worker.batch.count < limit && livePending > workerCount,
              let job = queue.popRunnable(classRunning: classRunning, classLimits: classLimits, plainOnly: true)
        {
            job.state = .running
            livePending -= 1
            queued[job.priority.rawValue] -= 1
            worker.batch.append(job)
        }
    }

    /// Outside the mutex: runs `worker.batch` in order, starting at `now`, while every
    /// task (the one before the batch included: `allShort`) is short; returns the clock
    /// reading after the last one. Clears `allShort` if one ran long.
    private func runBatch(on worker: WorkerRecord, from now: UInt64, into runs: inout [BatchRun],
                          allShort: inout Bool) -> UInt64 {
        // The first task's returned value waits in the worker record until it is reported.
        let firstValue = worker.returnedValue.take()
        let firstHasValue = worker.hasReturnedValue
        worker.hasReturnedValue = false
        var now = now
        let batch = worker.batch
        for index in batch.indices {
            let job = batch[index]
            if !allShort {
                runs.append(BatchRun(start: now, end: now, error: nil, value: nil, hasValue: false, outcome: .returned))
                continue
            }
            if job.cancelRequested.load(ordering: .acquiring) {
                job.dropWork()
                runs.append(BatchRun(start: now, end: now, error: nil, value: nil, hasValue: false, outcome: .skipped))
                continue
            }
            let start = now
            let error = job.execute(TaskContext(job: job, worker: worker), on: worker)
            now = readClock()
            if now &- start >= PoolCore.shortRun { allShort = false }
            if worker.hasReturnedValue {
                runs.append(BatchRun(start: start, end: now, error: error, value: worker.returnedValue.take(),
                                     hasValue: true, outcome: .executed))
                worker.hasReturnedValue = false
            } else {
                runs.append(BatchRun(start: start, end: now, error: error, value: nil, hasValue: false,
                                     outcome: .executed))
            }
        }
        worker.returnedValue = firstValue
        worker.hasReturnedValue = firstHasValue
        return now
    }

    /// Reports the batch `runs` describes, like single executions, and puts the tasks
    /// that were not begun back in the queue.
    private func publishBatchLocked(_ worker: WorkerRecord, _ runs: [BatchRun], _ wake: inout Wakeups) {
        let batch = worker.batch
        runs.withUnsafeBufferPointer { runs in
            // Newest first, so that each goes back in front of the ones after it.
            for index in batch.indices.reversed() where runs[index].outcome == .returned {
                let job = batch[index]
                if job.state == .running {
                    job.state = .pending
                    livePending += 1
                    queued[job.priority.rawValue] += 1
                    queue.pushFront(job)
                    spinKick.wrappingIncrement(ordering: .relaxed)
                    // Pending again after `shutdown(.cancelPending)` swept the queue:
                    // cancelled like the tasks it found there.
                    if lifecycle == .shuttingDown(.cancelPending) {
                        cancelLocked(job, reason: .shutdown, now: runs[index].start, &wake)
                    }
                } else {
                    // Cancelled meanwhile: its closure is this worker's to drop.
                    wake.droppedWork.append(job)
                }
            }
            // One idle worker is enough: each worker that starts a task wakes the next.
            if livePending > 0 && idleWorkers > signalsInFlight {
                signalsInFlight += 1
                workCondition.signal()
            }
            for index in batch.indices where runs[index].outcome == .executed {
                let job = batch[index]
                worker.started += 1
                if !observers.isEmpty { emitLocked(job, .started, runs[index].start) }
                worker.queueWait.record(from: job.submitTime, to: runs[index].start)
                worker.current = job
                worker.startTime = runs[index].start
                if runs[index].hasValue {
                    worker.returnedValue = runs[index].value
                    worker.hasReturnedValue = true
                }
                finishExecutionLocked(job, on: worker, error: runs[index].error, now: runs[index].end, &wake)
            }
        }
    }

    private func exitWorkerLocked(_ worker: WorkerRecord) {
        counters.started += worker.started
        counters.completed += worker.completed
        queueWait.add(worker.queueWait)
        runTime.add(worker.runTime)
        if !worker.retired { servingWorkers -= 1 }
        workers.removeAll { $0 === worker }
        if detachOnExit {
            detachThread(pthreadSelf())
        } else if let thread = worker.thread {
            exitedThreads.append(thread)
        }
        doneCondition.broadcast()
    }

    // MARK: Queries

    func state(of job: JobBase) -> TaskState {
        mutex.lock()
        defer { mutex.unlock() }
        return job.state
    }

    func outcome<Value>(of job: Job<Value>) -> TaskOutcome<Value>? {
        mutex.lock()
        defer { mutex.unlock() }
        return job.outcomeLocked()
    }

    func replacedTaskID(of job: JobBase) -> TaskID? {
        mutex.lock()
        defer { mutex.unlock() }
        return job.extras?.replacedTaskID
    }

    func progress(of job: JobBase) -> TaskProgress? {
        mutex.lock()
        defer { mutex.unlock() }
        return job.extras?.progress
    }

    func awaitOutcome<Value>(of job: Job<Value>) async -> TaskOutcome<Value> {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            mutex.lock()
            if job.state.isTerminal {
                mutex.unlock()
                continuation.resume()
            } else {
                job.more.continuations.append(continuation)
                mutex.unlock()
            }
        }
        // Terminal states are final: the outcome is there now.
        return outcome(of: job)!
    }

    func wait<Value>(for job: Job<Value>, timeout: UInt64?) -> TaskOutcome<Value>? {
        let deadline = timeout.map(wallClockDeadline(afterNanoseconds:))
        mutex.lock()
        job.more.blockingWaiters += 1
        while !job.state.isTerminal {
            if let deadline {
                if !doneCondition.wait(mutex, until: deadline) { break }
            } else {
                doneCondition.wait(mutex)
            }
        }
        job.more.blockingWaiters -= 1
        let outcome = job.outcomeLocked()
        mutex.unlock()
        return outcome
    }

    func waitUntilIdle(timeout: UInt64?) -> Bool {
        let deadline = timeout.map(wallClockDeadline(afterNanoseconds:))
        var wake = Wakeups()
        mutex.lock()
        idleWaiters += 1
        drainInboxLocked(&wake)
        while !isIdleLocked() {
            if let deadline {
                if !doneCondition.wait(mutex, until: deadline) { break }
            } else {
                doneCondition.wait(mutex)
            }
        }
        idleWaiters -= 1
        let idle = isIdleLocked()
        mutex.unlock()
        wake.run()
        return idle
    }

    func isBusy(name: String) -> Bool {
        mutex.lock()
        defer { mutex.unlock() }
        return nameCounts[name, default: 0] > 0
    }

    var isAcceptingWork: Bool {
        mutex.lock()
        defer { mutex.unlock() }
        return lifecycle.acceptsWork
    }

    // MARK: Progress and events

    func reportProgress(of job: JobBase, _ progress: TaskProgress) {
        let now = readClock()
        mutex.lock()
        if job.state == .running {
            job.more.progress = progress
            if !observers.isEmpty { emitLocked(job, .progress(progress), now) }
        }
        mutex.unlock()
    }

    func events(bufferingPolicy: AsyncStream<PoolEvent>.Continuation.BufferingPolicy) -> AsyncStream<PoolEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: PoolEvent.self, bufferingPolicy: bufferingPolicy)
        mutex.lock()
        let open = lifecycle != .terminated && !detachOnExit
        if open { observers.append(continuation) }
        mutex.unlock()
        if !open { continuation.finish() }
        return stream
    }

    private func emitLocked(_ job: JobBase, _ kind: PoolEvent.Kind, _ now: UInt64) {
        let event = PoolEvent(kind: kind, taskID: job.id, name: job.name, key: job.key,
                              priority: job.priority, time: now)
        var terminated: [Int] = []
        for (index, continuation) in observers.enumerated() {
            if case .terminated = continuation.yield(event) { terminated.append(index) }
        }
        // A terminated stream's continuation has nothing left to call back: drop it here.
        for index in terminated.reversed() { observers.remove(at: index) }
    }

    // MARK: Statistics

    func statistics() -> PoolStatistics {
        var wake = Wakeups()
        mutex.lock()
        drainInboxLocked(&wake)
        var counters = self.counters
        let queued = Array(self.queued)
        let running = workers.reduce(0) { count, worker in
            count + (worker.current?.state == .running ? 1 : 0) + worker.batch.count { $0.state == .running }
        }
        let stuck = stuckWorkers
        var queueWait = self.queueWait.histogram
        var runTime = self.runTime.histogram
        for worker in workers {
            counters.started += worker.started
            counters.completed += worker.completed
            queueWait.add(worker.queueWait.histogram)
            runTime.add(worker.runTime.histogram)
        }
        mutex.unlock()
        wake.run()
        var byPriority: [PoolPriority: Int] = [:]
        for priority in PoolPriority.allCases { byPriority[priority] = queued[priority.rawValue] }
        return PoolStatistics(
            submitted: counters.submitted, started: counters.started, completed: counters.completed,
            failed: counters.failed, cancelled: counters.cancelled, coalesced: counters.coalesced,
            superseded: counters.superseded, timedOut: counters.timedOut, queued: byPriority,
            running: running, stuckWorkers: stuck,
            replacementWorkersStarted: counters.replacementWorkersStarted,
            queueWait: LatencySummary(queueWait), runTime: LatencySummary(runTime))
    }
}
