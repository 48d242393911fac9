import DocumentModel
import IncrementalRender
import MarkdownRenderer
import Primitives
import RenderWorkers
import ThreadPool
import Saving

/// How many renders a document asked for and what became of them.
package struct RenderCounters: Sendable, Hashable {
    /// Render tasks submitted to the pool.
    package var requested = 0
    /// Submissions that replaced a render still queued (that one never ran).
    package var coalesced = 0
    /// Renders that ran.
    package var started = 0
    /// Renders delivered to subscribers.
    package var delivered = 0
    /// Renders that ran but were not delivered (cancelled, or a newer version had been
    /// delivered already).
    package var discarded = 0
    /// Renders that failed (over a limit, or their worker died).
    package var failed = 0
    /// The time all renders that ran took, delivered or not.
    package var renderTime = Duration.zero
}

/// The output of one render, before delivery.
struct RenderOutput: Sendable {
    let version: UInt64
    /// The patch against the version rendered before and the blocks, or why there are
    /// none.
    let result: Result<(patch: BlockPatch, content: RenderedContent, update: UpdateKind), RenderFailure>
    /// The UTF-8 size of the text rendered.
    let textSize: Int
    let duration: Duration
    let startedAt: MonotonicInstant
}

/// One version to write to a file.
struct SaveJob: Sendable {
    let id: DocumentID
    let generation: UInt64
    let path: String
    let snapshot: TextSnapshot
    /// Whether a failure arms the document's retry timer (false for a save to another
    /// path, whose caller is told instead).
    var retries = true
}

/// One open document and its scheduling state. Guarded by the engine's lock.
struct Session: Sendable {
    let id: DocumentID
    var document: TextDocument
    let renderer: MarkdownRenderer
    var autosavePath: String?
    /// The rendered blocks; nil while a render has them out.
    var blocks: IncrementalDocument?

    /// When the text is rendered and which renders are delivered (versions, counters).
    var render: RenderPlan
    var renderTimer: (any ScheduledTimer)?
    var queuedRender: TaskHandle<Void>?
    /// Unique per opening of an id, so work of an earlier opening is recognised.
    var generation: UInt64 = 0
    var isClosed = false

    var statisticsTimer: (any ScheduledTimer)?

    var saveTimer: (any ScheduledTimer)?
    /// When the text is written (versions on disk, saves and retries).
    var autosave: AutosavePlan

    init(id: DocumentID, document: TextDocument, renderer: MarkdownRenderer, policy: any RenderPolicy,
         breaker: PreviewEngine.CircuitBreakerSettings, openedAt: MonotonicInstant,
         autosavePath: String?, autosaveDelays: AutosavePlan.Delays) {
        self.id = id
        self.document = document
        self.renderer = renderer
        self.autosavePath = autosavePath
        blocks = IncrementalDocument(options: renderer.options)
        render = RenderPlan(policy: policy, openedAt: openedAt, breaker: breaker)
        autosave = AutosavePlan(delays: autosaveDelays)
    }

    /// Whether the latest version still has to be written to the autosave file.
    var hasUnsavedChanges: Bool { autosavePath != nil && autosave.isBehind(document.version) }

    /// Stops the document's timers and queued work.
    func cancelAll() {
        renderTimer?.cancel()
        statisticsTimer?.cancel()
        saveTimer?.cancel()
        _ = queuedRender?.cancel()
    }
}

/// Everything the engine's lock guards.
struct EngineState: Sendable {
    var sessions: [DocumentID: Session] = [:]
    var fanOut = EventFanOut()
    var isShuttingDown = false
    /// What the first shutdown found, returned again by later calls.
    var shutdownReport: ShutdownReport?
    /// Source of ``Session/generation``: a reopened id never matches older work.
    var nextGeneration: UInt64 = 0
}
