public import Dispatch
public import DocumentModel
public import MarkdownRenderer
import Primitives
import Synchronization
package import ThreadPool
package import RenderWorkers
package import IncrementalRender
package import Saving

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
        /// Retry delays after a failed autosave: the first is the lower bound, each
        /// further failure doubles it, up to the upper bound. Default 500 ms ... 30 s.
        public var autosaveRetryDelays: ClosedRange<Duration>
        /// Delay from a delivered render to the statistics task; nil computes no
        /// statistics. Default 300 ms.
        public var statisticsDelay: Duration?
        /// The queue subscribers are called on; it should be serial. Default: a private
        /// serial queue.
        public var callbackQueue: DispatchQueue
        /// Where documents are parsed. Default ``RenderIsolation/automatic``: worker
        /// processes with hard limits when the `mdpreview` executable is found.
        public var isolation: RenderIsolation
        /// When a document's automatic renders pause after failures.
        public var circuitBreaker: CircuitBreakerSettings
        /// Whether a render re-parses only the blocks around what changed when that gives
        /// the full render (see `Docs/INCREMENTAL.md`). Default true; false parses the
        /// whole text at every render (the same HTML, at the cost of the whole text).
        public var incrementalRendering: Bool
        /// How autosave files are written (the package's tests inject failing or gated
        /// writers). Default ``AtomicFileWriter``.
        package var autosaveWriter: any AutosaveWriter = AtomicFileWriter()
        /// Parses instead of ``isolation`` when set (the package's tests inject parses
        /// that fail on cue); it gets the text of each window the engine re-parses.
        package var injectedRender: (@Sendable (String, RenderOptions) -> Result<BlockParse, RenderFailure>)?
        /// Render workers made by the caller, used instead of ``isolation`` when set (the
        /// package's tests make them with a manual clock for their deadlines).
        package var renderWorkers: RenderWorkerPool?

        /// A configuration; every parameter has the default documented on its property.
        public init(
            renderOptions: RenderOptions = .default,
            policy: RenderPolicyChoice = .default,
            autosaveDelay: Duration = .seconds(1),
            autosaveRetryDelays: ClosedRange<Duration> = .milliseconds(500) ... .seconds(30),
            statisticsDelay: Duration? = .milliseconds(300),
            callbackQueue: DispatchQueue = DispatchQueue(label: "PreviewEngine.callbacks"),
            isolation: RenderIsolation = .automatic,
            circuitBreaker: CircuitBreakerSettings = CircuitBreakerSettings(),
            incrementalRendering: Bool = true
        ) {
            self.incrementalRendering = incrementalRendering
            self.isolation = isolation
            self.circuitBreaker = circuitBreaker
            self.renderOptions = renderOptions
            self.policy = policy
            self.autosaveDelay = autosaveDelay
            self.autosaveRetryDelays = autosaveRetryDelays
            self.statisticsDelay = statisticsDelay
            self.callbackQueue = callbackQueue
        }
    }

    /// The engine's settings.
    package let configuration: Configuration
    /// The engine's time source.
    package let clock: any EngineClock
    let pool: ThreadPool
    let ownsPool: Bool
    let autosaver: Autosaver
    /// Where renders run; its workers end with the engine's shutdown (or its release).
    let renderBackend: RenderBackend
    let state = Locked(EngineState())

    /// An engine on `pool`, or on a pool of its own (one worker per core, at most one
    /// autosave at a time) when `pool` is nil.
    ///
    /// A shared pool must allow at most one task of the concurrency class `autosave` at
    /// a time if autosaves are to be strictly one at a time; writes to one file are
    /// serialised by the engine whatever the pool allows.
    package init(configuration: Configuration, clock: any EngineClock, pool: ThreadPool? = nil) {
        self.configuration = configuration
        self.clock = clock
        autosaver = Autosaver(writer: configuration.autosaveWriter)
        renderBackend = configuration.injectedRender.map(RenderBackend.injected)
            ?? configuration.renderWorkers.map(RenderBackend.workers)
            ?? RenderBackend(configuration.isolation)
        if let pool {
            self.pool = pool
            ownsPool = false
        } else {
            self.pool = ThreadPool(configuration: .init(
                concurrencyLimits: [Self.autosaveClass: 1],
                clock: clock
            ))
            ownsPool = true
        }
    }

    /// An engine in real time on a pool of its own: one worker per core, at most one
    /// autosave at a time.
    public convenience init(configuration: Configuration = Configuration()) {
        self.init(configuration: configuration, clock: SystemEngineClock(), pool: nil)
    }

    static let autosaveClass = "autosave"

    // No deinit: the engine's own pool stops when its last reference goes (its deinit
    // cancels queued work), which may be on one of its own threads, where a shutdown
    // would wait for itself.

    // MARK: Documents

    /// Opens a document holding `text` (version 0), rendered with `renderOptions` (the
    /// configuration's by default) and autosaved to `autosavePath` if given. Its first
    /// render starts at once. Temporary files that killed saves left beside the
    /// autosave file are removed.
    public func open(_ id: DocumentID, text: String, renderOptions: RenderOptions? = nil, autosavePath: String? = nil) throws(EngineError) {
        if let autosavePath {
            if let problem = Autosaver.problem(with: autosavePath) { throw .invalidPath(id, path: autosavePath, reason: problem) }
            autosaver.prepare(autosavePath)
        }
        try state.withLock { state throws(EngineError) in
            guard !state.isShuttingDown else { throw .shutDown }
            guard state.sessions[id] == nil else { throw .documentAlreadyOpen(id) }
            let now = clock.now
            var session = Session(
                id: id, document: TextDocument(text),
                renderer: MarkdownRenderer(options: renderOptions ?? configuration.renderOptions),
                policy: configuration.policy.makePolicy(), breaker: configuration.circuitBreaker,
                openedAt: now, autosavePath: autosavePath,
                autosaveDelays: .init(delay: configuration.autosaveDelay, retryBase: configuration.autosaveRetryDelays.lowerBound, retryMax: configuration.autosaveRetryDelays.upperBound)
            )
            state.nextGeneration += 1
            session.generation = state.nextGeneration
            state.sessions[id] = session
            act(on: .submit, for: id, in: &state)   // the first render
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
            let action = session.render.edited(version: version, at: now, textSize: session.document.utf8Count)
            if session.autosavePath != nil { perform(session.autosave.edited(at: now), for: &session) }
            state.sessions[id] = session
            act(on: action, for: id, in: &state)
            return version
        }
    }

    /// Renders the current version now, whatever the debouncer would do (a render
    /// already running finishes first, then the next starts at once). This also ends a
    /// pause after failures (``PreviewEvent/previewPaused(_:)``): the render is the trial.
    public func renderNow(_ id: DocumentID) throws(EngineError) {
        try state.withLock { state throws(EngineError) in
            guard state.sessions[id] != nil else { throw .unknownDocument(id) }
            act(on: state.sessions[id]!.render.renderRequested(), for: id, in: &state)
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
    package func renderCounters(of id: DocumentID) throws(EngineError) -> RenderCounters {
        try state.withLock { state throws(EngineError) in
            guard let session = state.sessions[id] else { throw .unknownDocument(id) }
            return session.render.counters
        }
    }

    /// What a document's renders parsed: windows, and full parses by reason. Nil while a
    /// render has the document's blocks.
    package func incrementalStatistics(of id: DocumentID) throws(EngineError) -> IncrementalStatistics? {
        try state.withLock { state throws(EngineError) in
            guard let session = state.sessions[id] else { throw .unknownDocument(id) }
            return session.blocks?.statistics
        }
    }

    /// The blocks a document keeps: how many, and the bytes of their table and HTML
    /// (see ``IncrementalDocument/memoryFootprint``). Nil while a render has them.
    package func blockMemory(of id: DocumentID) throws(EngineError) -> (blocks: Int, perBlock: Int, total: Int)? {
        try state.withLock { state throws(EngineError) in
            guard let session = state.sessions[id] else { throw .unknownDocument(id) }
            return session.blocks.map { ($0.blockCount, $0.memoryFootprint.perBlock, $0.memoryFootprint.total) }
        }
    }

    /// Blocks until no task is queued or running and every event decided so far has been
    /// delivered. With a ``ManualEngineClock``, timers that are not due stay armed.
    package func waitUntilIdle() {
        pool.waitUntilIdle()
        repeat {
            configuration.callbackQueue.sync {}
            for queue in state.withLock({ $0.fanOut.queues }) { queue.sync {} }
        } while state.withLock { $0.fanOut.undeliveredCount > 0 }
    }
}
