public import Dispatch
public import DocumentModel
public import MarkdownRenderer
import DequeModule
import Synchronization
public import WorkerPool

/// The live-preview engine an editor backend embeds: documents take keystroke edits, an
/// adaptive debouncer decides when to render, a worker pool renders (HIGH), autosaves
/// (LOW) and counts (IDLE), and results reach subscribers on a serial callback queue in
/// version order. See `Docs/ENGINE.md` for the lifecycle of an edit and the guarantees.
///
/// All methods are thread-safe. None may be called from the callback queue while it
/// blocks on it (`close`, `shutdown`, `waitUntilIdle` wait for deliveries).
public final class PreviewEngine: Sendable {
    /// How an engine behaves.
    public struct Configuration: Sendable {
        /// Render options of documents opened without their own.
        public var renderOptions: RenderOptions
        /// When documents are rendered: ours (adaptive, the default) or another editor's
        /// policy (see `Docs/ADAPTIVE_DEBOUNCER.md`).
        public var policy: RenderPolicyChoice
        /// The longest an edit waits before its version is autosaved. Default 1 s.
        public var autosaveDelay: Duration
        /// First retry delay after a failed autosave; doubles per failure. Default 500 ms.
        public var autosaveRetryBase: Duration
        /// Longest retry delay. Default 30 s.
        public var autosaveRetryMax: Duration
        /// Delay from a delivered render to the statistics task. Default 300 ms.
        public var statisticsDelay: Duration
        /// Whether documents get statistics tasks at all. Default true.
        public var computesStatistics: Bool
        /// The queue subscribers are called on; it should be serial. Default: a private
        /// serial queue.
        public var callbackQueue: DispatchQueue
        /// How autosave files are written. Default ``AtomicFileWriter``.
        public var autosaveWriter: any AutosaveWriter

        /// A configuration; every parameter has the default documented on its property.
        public init(
            renderOptions: RenderOptions = .default,
            policy: RenderPolicyChoice = .default,
            autosaveDelay: Duration = .seconds(1),
            autosaveRetryBase: Duration = .milliseconds(500),
            autosaveRetryMax: Duration = .seconds(30),
            statisticsDelay: Duration = .milliseconds(300),
            computesStatistics: Bool = true,
            callbackQueue: DispatchQueue = DispatchQueue(label: "PreviewEngine.callbacks"),
            autosaveWriter: any AutosaveWriter = AtomicFileWriter()
        ) {
            self.renderOptions = renderOptions
            self.policy = policy
            self.autosaveDelay = autosaveDelay
            self.autosaveRetryBase = autosaveRetryBase
            self.autosaveRetryMax = autosaveRetryMax
            self.statisticsDelay = statisticsDelay
            self.computesStatistics = computesStatistics
            self.callbackQueue = callbackQueue
            self.autosaveWriter = autosaveWriter
        }
    }

    /// The engine's settings.
    public let configuration: Configuration
    /// The engine's time source.
    public let clock: any EngineClock
    /// The pool the engine's tasks run on.
    public let pool: WorkerPool
    private let ownsPool: Bool
    private let state = Locked(EngineState())

    /// An engine on `pool`, or on a pool of its own (one worker per core, at most one
    /// autosave at a time) when `pool` is nil.
    ///
    /// A shared pool must allow at most one task of the concurrency class `autosave` at
    /// a time if autosaves are to be strictly one at a time; the engine also serialises
    /// the writes of each document itself.
    public init(configuration: Configuration = Configuration(), clock: any EngineClock = SystemEngineClock(), pool: WorkerPool? = nil) {
        self.configuration = configuration
        self.clock = clock
        if let pool {
            self.pool = pool
            ownsPool = false
        } else {
            self.pool = WorkerPool(configuration: .init(
                concurrencyLimits: [Self.autosaveClass: 1],
                clock: PoolClockAdapter(clock: clock)
            ))
            ownsPool = true
        }
    }

    static let autosaveClass = "autosave"

    // MARK: Subscribers

    /// Calls `handler` on the callback queue with every event from now on, until the
    /// returned subscription is cancelled.
    @discardableResult
    public func subscribe(_ handler: @escaping @Sendable (PreviewEvent) -> Void) -> Subscription {
        let subscription = Subscription(engine: self)
        state.withLock { $0.subscribers[subscription.id] = handler }
        return subscription
    }

    /// A registration made with ``subscribe(_:)``.
    public final class Subscription: Sendable {
        private static let counter = Atomic<UInt64>(0)
        let id: UInt64
        private weak let engine: PreviewEngine?

        init(engine: PreviewEngine) {
            id = Self.counter.add(1, ordering: .relaxed).newValue
            self.engine = engine
        }

        /// Stops deliveries to this subscriber (ones already queued are dropped too).
        public func cancel() {
            _ = engine?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
    }

    /// Queues `event` for every subscriber. Call it with the state lock held, so events
    /// are queued in the order the engine decided them.
    private func emit(_ event: PreviewEvent) {
        let clock = clock
        configuration.callbackQueue.async { [self] in
            let handlers = self.state.withLock { Array($0.subscribers.values) }
            var event = event
            if case .rendered(let result) = event {
                event = .rendered(result.delivered(at: clock.now))
            }
            for handler in handlers { handler(event) }
        }
    }

    // MARK: Documents

    /// Opens a document holding `text` (version 0), rendered with `renderOptions` (the
    /// configuration's by default) and autosaved to `autosavePath` if given. Its first
    /// render starts at once.
    public func open(_ id: DocumentID, text: String, renderOptions: RenderOptions? = nil, autosavePath: String? = nil) throws(EngineError) {
        try state.withLock { state throws(EngineError) in
            guard !state.isShuttingDown else { throw .shutDown }
            guard state.sessions[id] == nil else { throw .documentAlreadyOpen(id) }
            let now = clock.now
            var session = Session(
                id: id, document: TextDocument(text),
                renderer: MarkdownRenderer(options: renderOptions ?? configuration.renderOptions),
                policy: configuration.policy.makePolicy(),
                openedAt: now, autosavePath: autosavePath
            )
            session.editTimes.append((0, now))
            state.nextGeneration += 1
            session.generation = state.nextGeneration
            state.sessions[id] = session
            submitRender(for: id, in: &state)
        }
    }

    /// Applies one patch; returns the new version.
    @discardableResult
    public func edit(_ id: DocumentID, _ patch: TextPatch) throws(EngineError) -> UInt64 {
        try edit(id, transaction: CollectionOfOne(patch))
    }

    /// Applies several patches as one transaction (one version); each patch addresses the
    /// text left by the one before. All or nothing: an invalid patch changes nothing.
    @discardableResult
    public func edit(_ id: DocumentID, transaction patches: some Collection<TextPatch>) throws(EngineError) -> UInt64 {
        if patches.count == 1, let patch = patches.first {
            return try mutate(id) { document throws(EditError) in try document.apply(patch) }
        }
        return try mutate(id) { document throws(EditError) in try document.apply(transaction: patches) }
    }

    /// Replaces the whole text; returns the new version.
    @discardableResult
    public func replaceText(_ id: DocumentID, with text: String) throws(EngineError) -> UInt64 {
        try mutate(id) { document throws(EditError) in document.replaceAll(with: text) }
    }

    private func mutate(_ id: DocumentID, _ change: (inout TextDocument) throws(EditError) -> Void) throws(EngineError) -> UInt64 {
        try state.withLock { state throws(EngineError) in
            guard !state.isShuttingDown else { throw .shutDown }
            guard state.sessions[id] != nil else { throw .unknownDocument(id) }
            let now = clock.now
            do throws(EditError) {
                try change(&state.sessions[id]!.document)
            } catch {
                throw .invalidEdit(id, error)
            }
            var session = state.sessions[id]!
            let version = session.document.version
            session.editTimes.append((version, now))
            let decision = session.policy.keystroke(at: now)
            if session.autosavePath != nil, session.saveTimer == nil, !session.isSaving {
                session.saveTimer = armSaveTimer(for: id, at: now.advanced(by: configuration.autosaveDelay))
            }
            state.sessions[id] = session
            act(on: decision, for: id, in: &state)
            return version
        }
    }

    /// Renders the current version now, whatever the debouncer would do (a render
    /// already running finishes first, then the next starts at once).
    public func renderNow(_ id: DocumentID) throws(EngineError) {
        try state.withLock { state throws(EngineError) in
            guard state.sessions[id] != nil else { throw .unknownDocument(id) }
            if state.sessions[id]!.isRendering {
                state.sessions[id]!.renderAgainAtOnce = true
            } else {
                submitRender(for: id, in: &state)
            }
        }
    }

    /// The current text and version of a document.
    public func snapshot(of id: DocumentID) throws(EngineError) -> TextSnapshot {
        try state.withLock { state throws(EngineError) in
            guard let session = state.sessions[id] else { throw .unknownDocument(id) }
            return session.document.snapshot
        }
    }

    /// The ids of the open documents.
    public var openDocuments: [DocumentID] {
        state.withLock { Array($0.sessions.keys) }
    }

    /// Render counters of one document.
    public func renderCounters(of id: DocumentID) throws(EngineError) -> RenderCounters {
        try state.withLock { state throws(EngineError) in
            guard let session = state.sessions[id] else { throw .unknownDocument(id) }
            return session.counters
        }
    }

    /// Counts the current version now (IDLE task); the result arrives as a
    /// ``PreviewEvent/statistics(_:)`` event.
    public func requestStatistics(_ id: DocumentID) throws(EngineError) {
        try state.withLock { state throws(EngineError) in
            guard state.sessions[id] != nil else { throw .unknownDocument(id) }
            submitStatistics(for: id, in: &state)
        }
    }

    /// Writes the current version now, on the calling thread, and waits: to the autosave
    /// path, or to `path`, which becomes the autosave path once the write succeeds. A
    /// failure is thrown (not also sent as an event); a failed write to the autosave path
    /// is retried later.
    public func save(_ id: DocumentID, to path: String? = nil) throws(EngineError) {
        guard let path else {
            try flush(id)
            return
        }
        let job: SaveJob = try state.withLock { state throws(EngineError) in
            guard let session = state.sessions[id] else { throw .unknownDocument(id) }
            return SaveJob(id: id, path: path, snapshot: session.document.snapshot, writeLock: WriteLock(savedVersion: nil), retries: false)
        }
        if let failure = write(job, context: nil, reportsFailure: false) {
            throw .saveFailed(id, path: path, message: failure.message)
        }
        try state.withLock { state throws(EngineError) in
            guard state.sessions[id] != nil else { throw .unknownDocument(id) }
            // The new file has its own write lock, knowing the version just written.
            state.sessions[id]!.autosavePath = path
            state.sessions[id]!.savedVersion = job.snapshot.version
            state.sessions[id]!.writeLock = WriteLock(savedVersion: job.snapshot.version)
        }
        try flush(id)
    }

    /// Writes the latest version to disk and closes the document: its timers stop, queued
    /// work is cancelled, a render still running is discarded, and a ``PreviewEvent/closed(_:)``
    /// event follows every event of the document. If the final save fails the document
    /// stays open (nothing is lost) and this throws.
    public func close(_ id: DocumentID) throws(EngineError) {
        try flush(id)
        try state.withLock { state throws(EngineError) in
            guard let session = state.sessions.removeValue(forKey: id) else { throw .unknownDocument(id) }
            session.cancelAll()
            emit(.closed(id))
        }
    }

    /// Writes the latest version to the document's file until the file holds the version
    /// that is current when this returns.
    private func flush(_ id: DocumentID, reportsFailures: Bool = false) throws(EngineError) {
        while true {
            let job: SaveJob? = try state.withLock { state throws(EngineError) in
                guard let session = state.sessions[id] else { throw .unknownDocument(id) }
                guard let path = session.autosavePath else { return nil }
                if session.savedVersion == session.document.version { return nil }
                return SaveJob(id: id, path: path, snapshot: session.document.snapshot, writeLock: session.writeLock)
            }
            guard let job else { return }
            if let failure = write(job, context: nil, reportsFailure: reportsFailures) {
                throw .saveFailed(id, path: job.path, message: failure.message)
            }
        }
    }

    /// Blocks until no task is queued or running and every event decided so far has been
    /// delivered. With a ``ManualEngineClock``, timers that are not due stay armed.
    public func waitUntilIdle() {
        pool.waitUntilIdle()
        configuration.callbackQueue.sync {}
    }

    /// Stops the engine: edits and opens are refused from now on; every open document's
    /// final version is rendered (if not delivered yet) and written to its autosave path;
    /// the pool stops (if the engine owns it); every event is delivered before this
    /// returns. Save failures are reported as events. Idempotent.
    public func shutdown() {
        let ids: [DocumentID]? = state.withLock { state in
            guard !state.isShuttingDown else { return nil }
            state.isShuttingDown = true
            return Array(state.sessions.keys).sorted()
        }
        guard let ids else { return }
        for id in ids {
            renderFinalVersion(of: id)
            try? flush(id, reportsFailures: true)
            state.withLock { state in
                state.sessions[id]?.cancelAll()
                state.sessions[id]?.isClosed = true
            }
        }
        if ownsPool {
            pool.shutdown(.cancelPending)
        } else {
            pool.waitUntilIdle()
        }
        configuration.callbackQueue.sync {}
    }

    /// Renders and delivers the current version on the calling thread, unless it was
    /// delivered already.
    private func renderFinalVersion(of id: DocumentID) {
        let work: (TextSnapshot, MarkdownRenderer, MonotonicInstant)? = state.withLock { state in
            guard let session = state.sessions[id], session.lastDeliveredVersion != session.document.version else { return nil }
            return (session.document.snapshot, session.renderer, clock.now)
        }
        guard let (snapshot, renderer, startedAt) = work else { return }
        let text = snapshot.text
        var html = ""
        let duration = clock.measure { html = renderer.render(text) }
        state.withLock { state in
            deliver(RenderOutput(version: snapshot.version, html: html, duration: duration, startedAt: startedAt), for: id, in: &state)
        }
    }

    deinit {
        if ownsPool { pool.shutdown(.cancelPending) }
    }
}

// MARK: - Rendering

extension PreviewEngine {
    /// Does what the debouncer decided. Called with the lock held.
    private func act(on decision: RenderDecision, for id: DocumentID, in state: inout EngineState) {
        switch decision {
        case .renderNow:
            submitRender(for: id, in: &state)
        case .renderAt(let deadline):
            state.sessions[id]?.renderTimer?.cancel()
            state.sessions[id]?.renderTimer = clock.schedule(at: deadline) { [weak self] in self?.renderTimerFired(for: id) }
        case .awaitingRender, .idle:
            break
        }
    }

    private func renderTimerFired(for id: DocumentID) {
        state.withLock { state in
            guard let session = state.sessions[id], !session.isClosed else { return }
            state.sessions[id]!.renderTimer = nil
            act(on: session.policy.tick(at: clock.now), for: id, in: &state)
        }
    }

    /// Queues a HIGH render task for the document. A render of it still queued is
    /// replaced (coalesced): the new task takes its place and renders the text current
    /// when it starts. Called with the lock held.
    private func submitRender(for id: DocumentID, in state: inout EngineState) {
        guard var session = state.sessions[id], !session.isClosed else { return }
        session.renderTimer?.cancel()
        session.renderTimer = nil
        let generation = session.generation
        do {
            let handle = try pool.submit(name: "render", priority: .high, key: "render/\(id)") { [weak self] context in
                guard let self else { return }
                runRender(for: id, generation: generation, context: context)
            }
            session.counters.requested += 1
            if handle.coalescedTaskID != nil { session.counters.coalesced += 1 }
            session.queuedRender = handle
        } catch {
            // The pool is shutting down: the final render happens in `shutdown`.
        }
        state.sessions[id] = session
    }

    /// The body of a render task, on a worker thread.
    private func runRender(for id: DocumentID, generation: UInt64, context: TaskContext) {
        let start: (TextSnapshot, MarkdownRenderer, MonotonicInstant)? = state.withLock { state in
            guard var session = state.sessions[id], session.generation == generation, !session.isClosed,
                  !context.isCancelled, !session.isRendering,
                  session.lastDeliveredVersion != session.document.version || session.renderAgainAtOnce
            else { return nil }
            let now = clock.now
            session.queuedRender = nil
            session.isRendering = true
            session.renderTimer?.cancel()
            session.renderTimer = nil
            session.policy.renderStarted(at: now)
            session.counters.started += 1
            let snapshot = session.document.snapshot
            state.sessions[id] = session
            return (snapshot, session.renderer, now)
        }
        guard let (snapshot, renderer, startedAt) = start else { return }
        let text = snapshot.text
        var html = ""
        let duration = clock.measure { html = renderer.render(text) }
        let output = RenderOutput(version: snapshot.version, html: html, duration: duration, startedAt: startedAt)
        let cancelled = context.isCancelled
        clock.completeWork(after: duration) { [weak self] in
            self?.finishRender(output, for: id, generation: generation, cancelled: cancelled)
        }
    }

    /// A render task finished: deliver it if it is still news, then decide what next.
    private func finishRender(_ output: RenderOutput, for id: DocumentID, generation: UInt64, cancelled: Bool) {
        state.withLock { state in
            guard var session = state.sessions[id], session.generation == generation, !session.isClosed else { return }
            session.isRendering = false
            session.counters.renderTime += output.duration
            var decision = session.policy.renderFinished(at: clock.now, duration: output.duration)
            if session.renderAgainAtOnce, session.policy.hasUnrenderedEdits || session.lastDeliveredVersion != session.document.version {
                decision = .renderNow
            }
            session.renderAgainAtOnce = false
            state.sessions[id] = session
            if cancelled {
                state.sessions[id]!.counters.discarded += 1
            } else {
                deliver(output, for: id, in: &state)
            }
            act(on: decision, for: id, in: &state)
        }
    }

    /// Queues the result for subscribers unless a version as new was delivered already.
    /// Called with the lock held, so deliveries are queued in version order.
    private func deliver(_ output: RenderOutput, for id: DocumentID, in state: inout EngineState) {
        guard var session = state.sessions[id] else { return }
        if let last = session.lastDeliveredVersion, last >= output.version {
            session.counters.discarded += 1
            state.sessions[id] = session
            return
        }
        session.lastDeliveredVersion = output.version
        session.counters.delivered += 1
        var editedAt = session.openedAt
        while let first = session.editTimes.first, first.version <= output.version {
            editedAt = first.at
            session.editTimes.removeFirst()
        }
        let result = RenderResult(
            documentID: id, version: output.version, html: output.html, renderDuration: output.duration,
            editedAt: editedAt, startedAt: output.startedAt, deliveredAt: output.startedAt.advanced(by: output.duration)
        )
        if configuration.computesStatistics, session.statisticsTimer == nil, !session.isClosed, !state.isShuttingDown {
            session.statisticsTimer = clock.schedule(at: clock.now.advanced(by: configuration.statisticsDelay)) { [weak self] in
                self?.statisticsTimerFired(for: id)
            }
        }
        state.sessions[id] = session
        emit(.rendered(result))
    }
}

// MARK: - Progress

extension PreviewEngine {
    /// Documents at least this large report the progress of autosaves as events.
    static let progressThresholdBytes = 1 << 20

    private func emitProgress(_ id: DocumentID, task: String, fraction: Double, message: String) {
        state.withLock { state in
            emit(.progress(TaskProgressReport(documentID: id, task: task, fraction: fraction, message: message)))
        }
    }
}

// MARK: - Statistics

extension PreviewEngine {
    private func statisticsTimerFired(for id: DocumentID) {
        state.withLock { state in
            guard state.sessions[id] != nil, !state.isShuttingDown else { return }
            state.sessions[id]!.statisticsTimer = nil
            submitStatistics(for: id, in: &state)
        }
    }

    private func submitStatistics(for id: DocumentID, in state: inout EngineState) {
        guard let session = state.sessions[id], !session.isClosed else { return }
        let generation = session.generation
        _ = try? pool.submit(name: "statistics", priority: .idle, key: "statistics/\(id)") { [weak self] context in
            guard let self else { return }
            runStatistics(for: id, generation: generation, context: context)
        }
    }

    private func runStatistics(for id: DocumentID, generation: UInt64, context: TaskContext) {
        let snapshot: TextSnapshot? = state.withLock { state in
            guard let session = state.sessions[id], session.generation == generation else { return nil }
            return session.document.snapshot
        }
        guard let snapshot else { return }
        let reportsProgress = snapshot.utf8Count >= Self.progressThresholdBytes
        let statistics = DocumentStatistics.compute(documentID: id, version: snapshot.version, text: snapshot.text) { fraction in
            context.reportProgress(fraction, message: "counting")
            if reportsProgress { emitProgress(id, task: "statistics", fraction: fraction, message: "counting") }
        }
        guard !context.isCancelled else { return }
        state.withLock { state in
            guard let session = state.sessions[id], session.generation == generation else { return }
            emit(.statistics(statistics))
        }
    }
}

// MARK: - Autosave

extension PreviewEngine {
    private func armSaveTimer(for id: DocumentID, at deadline: MonotonicInstant) -> any ScheduledTimer {
        clock.schedule(at: deadline) { [weak self] in self?.saveTimerFired(for: id) }
    }

    private func saveTimerFired(for id: DocumentID) {
        state.withLock { state in
            guard var session = state.sessions[id], !session.isClosed, let path = session.autosavePath else { return }
            session.saveTimer = nil
            guard session.savedVersion != session.document.version, !session.isSaving else {
                state.sessions[id] = session
                return
            }
            session.isSaving = true
            let job = SaveJob(id: id, path: path, snapshot: session.document.snapshot, writeLock: session.writeLock)
            state.sessions[id] = session
            do {
                try pool.submit(name: "autosave", priority: .low, key: "autosave/\(id)", concurrencyClass: Self.autosaveClass) { [weak self] context in
                    guard let self else { return }
                    runAutosave(job, context: context)
                }
            } catch {
                state.sessions[id]!.isSaving = false
            }
        }
    }

    private func runAutosave(_ job: SaveJob, context: TaskContext) {
        _ = write(job, context: context)
        state.withLock { state in
            guard var session = state.sessions[job.id] else { return }
            session.isSaving = false
            // Edits that came while saving: save again after the usual delay.
            if session.savedVersion != session.document.version, session.saveTimer == nil, session.consecutiveSaveFailures == 0 {
                session.saveTimer = armSaveTimer(for: job.id, at: clock.now.advanced(by: configuration.autosaveDelay))
            }
            state.sessions[job.id] = session
        }
    }

    /// Writes one version under the document's write lock (so versions on disk only move
    /// forward), records the outcome and emits `saved`, or `saveFailed` when
    /// `reportsFailure` (a caller that gets the error thrown is told that way instead).
    /// Returns the failure, if any.
    @discardableResult
    private func write(_ job: SaveJob, context: TaskContext?, reportsFailure: Bool = true) -> SaveFailure? {
        job.writeLock.withLock { savedVersion -> SaveFailure? in
            if let savedVersion, savedVersion >= job.snapshot.version { return nil }
            let text = job.snapshot.text
            var result: Result<Void, AutosaveError> = .success(())
            var copy = text
            copy.withUTF8 { bytes in
                do throws(AutosaveError) {
                    let reportsProgress = bytes.count >= Self.progressThresholdBytes
                    try configuration.autosaveWriter.write(UnsafeRawBufferPointer(bytes), to: job.path) { fraction in
                        context?.reportProgress(fraction, message: "writing \(job.path)")
                        if reportsProgress { self.emitProgress(job.id, task: "autosave", fraction: fraction, message: "writing \(job.path)") }
                    }
                } catch {
                    result = .failure(error)
                }
            }
            return state.withLock { state -> SaveFailure? in
                switch result {
                case .success:
                    savedVersion = job.snapshot.version
                    if job.retries, state.sessions[job.id] != nil {
                        state.sessions[job.id]!.savedVersion = max(state.sessions[job.id]!.savedVersion ?? 0, job.snapshot.version)
                        state.sessions[job.id]!.consecutiveSaveFailures = 0
                    }
                    emit(.saved(SaveResult(documentID: job.id, version: job.snapshot.version, path: job.path)))
                    return nil
                case .failure(let error):
                    var retryAt: MonotonicInstant?
                    var failures = 1
                    if job.retries, var session = state.sessions[job.id], !session.isClosed, !state.isShuttingDown {
                        session.consecutiveSaveFailures += 1
                        failures = session.consecutiveSaveFailures
                        let delay = min(configuration.autosaveRetryMax, configuration.autosaveRetryBase * (1 << min(20, failures - 1)))
                        let deadline = clock.now.advanced(by: delay)
                        session.saveTimer?.cancel()
                        session.saveTimer = armSaveTimer(for: job.id, at: deadline)
                        retryAt = deadline
                        state.sessions[job.id] = session
                    }
                    let failure = SaveFailure(
                        documentID: job.id, version: job.snapshot.version, path: job.path,
                        message: error.description, consecutiveFailures: failures, retryAt: retryAt
                    )
                    if reportsFailure { emit(.saveFailed(failure)) }
                    return failure
                }
            }
        }
    }
}

// MARK: - State

/// How many renders a document asked for and what became of them.
public struct RenderCounters: Sendable, Hashable {
    /// Render tasks submitted to the pool.
    public var requested = 0
    /// Submissions that replaced a render still queued (that one never ran).
    public var coalesced = 0
    /// Renders that ran.
    public var started = 0
    /// Renders delivered to subscribers.
    public var delivered = 0
    /// Renders that ran but were not delivered (cancelled, or a newer version had been
    /// delivered already).
    public var discarded = 0
    /// The time all renders that ran took, delivered or not.
    public var renderTime = Duration.zero
}

/// The output of one render, before delivery.
struct RenderOutput: Sendable {
    let version: UInt64
    let html: String
    let duration: Duration
    let startedAt: MonotonicInstant
}

/// One version to write to a document's file.
struct SaveJob: Sendable {
    let id: DocumentID
    let path: String
    let snapshot: TextSnapshot
    /// Held while writing; guards the version known to be on disk.
    let writeLock: WriteLock
    /// Whether a failure arms the document's retry timer (false for a save to another path).
    var retries = true
}

/// Serialises one document's writes; holds the newest version written.
final class WriteLock: Sendable {
    private let savedVersion: Locked<UInt64?>

    init(savedVersion: UInt64?) {
        self.savedVersion = Locked(savedVersion)
    }

    func withLock<Result>(_ body: (inout UInt64?) -> Result) -> Result {
        savedVersion.withLock { version in body(&version) }
    }
}

/// One open document and its scheduling state. Guarded by the engine's lock.
struct Session {
    let id: DocumentID
    var document: TextDocument
    let renderer: MarkdownRenderer
    var policy: any RenderPolicy
    let openedAt: MonotonicInstant
    var autosavePath: String?

    /// Versions not delivered yet and when their edits happened, oldest first.
    var editTimes = Deque<(version: UInt64, at: MonotonicInstant)>()
    var renderTimer: (any ScheduledTimer)?
    var queuedRender: TaskHandle<Void>?
    var isRendering = false
    var renderAgainAtOnce = false
    var lastDeliveredVersion: UInt64?
    var counters = RenderCounters()
    /// Unique per opening of an id, so work of an earlier opening is recognised.
    var generation: UInt64 = 0
    var isClosed = false

    var statisticsTimer: (any ScheduledTimer)?

    var saveTimer: (any ScheduledTimer)?
    var isSaving = false
    var savedVersion: UInt64?
    var consecutiveSaveFailures = 0
    var writeLock = WriteLock(savedVersion: nil)

    init(id: DocumentID, document: TextDocument, renderer: MarkdownRenderer, policy: any RenderPolicy, openedAt: MonotonicInstant, autosavePath: String?) {
        self.id = id
        self.document = document
        self.renderer = renderer
        self.policy = policy
        self.openedAt = openedAt
        self.autosavePath = autosavePath
    }

    /// Stops the document's timers and queued work.
    func cancelAll() {
        renderTimer?.cancel()
        statisticsTimer?.cancel()
        saveTimer?.cancel()
        _ = queuedRender?.cancel()
    }
}

/// Everything the engine's lock guards.
struct EngineState {
    var sessions: [DocumentID: Session] = [:]
    var subscribers: [UInt64: @Sendable (PreviewEvent) -> Void] = [:]
    var isShuttingDown = false
    /// Source of ``Session/generation``: a reopened id never matches older work.
    var nextGeneration: UInt64 = 0
}

extension RenderResult {
    /// The result as delivered at `instant`; a virtual clock keeps the instant the render
    /// finished, which is the later of the two.
    func delivered(at instant: MonotonicInstant) -> RenderResult {
        RenderResult(
            documentID: documentID, version: version, html: html, renderDuration: renderDuration,
            editedAt: editedAt, startedAt: startedAt, deliveredAt: max(deliveredAt, instant)
        )
    }
}
