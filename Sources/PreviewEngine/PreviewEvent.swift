public import DocumentModel
public import IncrementalRender
public import RenderWorkers

/// The name of an open document, chosen by the embedder (a path, a buffer number, a URI).
public typealias DocumentID = String

/// What the engine tells its subscribers, on the callback queue.
public enum PreviewEvent: Sendable {
    /// A render of one version was delivered.
    case rendered(RenderResult)
    /// A version was written to the document's autosave file.
    case saved(SaveResult)
    /// Writing the autosave file failed; the text stays in memory and the engine retries.
    case saveFailed(SaveFailure)
    /// Statistics of one version.
    case statistics(DocumentStatistics)
    /// A long task reported progress.
    case progress(TaskProgressReport)
    /// The document was closed (after its final autosave).
    case closed(DocumentID)
    /// A render failed (over its deadline or memory cap, or its worker died); the last
    /// delivered HTML is still the document's newest.
    case renderFailed(RenderFailureReport)
    /// Automatic renders of a document stopped after failures, until a trial render
    /// (see `Docs/ENGINE.md`, "When renders fail"). The next `rendered` of the document
    /// means it renders again.
    case previewPaused(PreviewPause)
}

/// A render that produced no HTML.
public struct RenderFailureReport: Sendable, Hashable {
    /// The document.
    public let documentID: DocumentID
    /// The version that failed to render.
    public let version: UInt64
    /// Why.
    public let reason: RenderFailure
    /// Failed renders of the document in a row, this one included.
    public let consecutiveFailures: Int
}

/// A document whose automatic renders stopped.
public struct PreviewPause: Sendable, Hashable {
    /// The document.
    public let documentID: DocumentID
    /// Why its last render failed.
    public let reason: RenderFailure
    /// Failed renders in a row.
    public let consecutiveFailures: Int
    /// When a trial render runs, unless an edit halves the text or `renderNow` comes
    /// first.
    public let until: MonotonicInstant
}

/// One version of a document rendered: how its blocks changed, its whole HTML on
/// demand, and what it cost.
public struct RenderResult: Sendable {
    /// The document.
    public let documentID: DocumentID
    /// The version rendered.
    public let version: UInt64
    /// How the blocks changed since the version rendered before (its `baseVersion`).
    /// A subscriber that missed that version (a slow one gets only the newest render)
    /// uses `content.snapshot()` instead.
    public let patch: BlockPatch
    /// The version's blocks.
    public let content: RenderedContent
    /// What the render parsed: a window, or the whole text and why.
    public let update: UpdateKind
    /// The whole HTML fragment, the full render of the version. O(size of the HTML).
    public var html: String { content.html }
    /// How long the render took (as the engine's clock counts it).
    public let renderDuration: Duration
    /// When the edit that produced this version was applied.
    public let editedAt: MonotonicInstant
    /// When the render started.
    public let startedAt: MonotonicInstant
    /// When the result was handed to the subscriber.
    public let deliveredAt: MonotonicInstant

    /// From the edit that produced this version to delivery.
    public var latency: Duration { editedAt.duration(to: deliveredAt) }
}

/// A successful autosave.
public struct SaveResult: Sendable, Hashable {
    /// The document.
    public let documentID: DocumentID
    /// The version now on disk.
    public let version: UInt64
    /// The file written.
    public let path: String
}

/// A failed autosave attempt.
public struct SaveFailure: Error, Sendable, Hashable {
    /// The document.
    public let documentID: DocumentID
    /// The version that could not be written.
    public let version: UInt64
    /// The file that could not be written.
    public let path: String
    /// What went wrong (the system's error message).
    public let message: String
    /// How many attempts in a row have failed.
    public let consecutiveFailures: Int
    /// When the engine tries again, or nil when it will not (the document was closed).
    public let retryAt: MonotonicInstant?
}

/// Progress of a long task (autosave of a large document, statistics).
public struct TaskProgressReport: Sendable, Hashable {
    /// The document the task works on.
    public let documentID: DocumentID
    /// The task's name: `render`, `autosave` or `statistics`.
    public let task: String
    /// Completed fraction, 0...1.
    public let fraction: Double
    /// A short human-readable note.
    public let message: String
}

/// Why the engine refused a request. A refused request changes nothing.
public enum EngineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No open document has this id.
    case unknownDocument(DocumentID)
    /// A document with this id is already open.
    case documentAlreadyOpen(DocumentID)
    /// The edit does not fit the document's current text.
    case invalidEdit(DocumentID, EditError)
    /// The document's final autosave failed; it stays open so nothing is lost.
    case saveFailed(DocumentID, path: String, message: String)
    /// No autosave path is configured for the document.
    case noAutosavePath(DocumentID)
    /// The engine is shutting down or shut down.
    case shutDown
    /// The path cannot name a document's file (empty, a NUL, a directory); nothing was
    /// written.
    case invalidPath(DocumentID, path: String, reason: String)

    /// A sentence for a person: what failed, for which document, and why.
    public var description: String {
        switch self {
        case .unknownDocument(let id): "no open document '\(id)'"
        case .documentAlreadyOpen(let id): "document '\(id)' is already open"
        case .invalidEdit(let id, let reason): "invalid edit of '\(id)': \(reason)"
        case .saveFailed(let id, let path, let message): "saving '\(id)' to \(path) failed: \(message)"
        case .noAutosavePath(let id): "document '\(id)' has no save path"
        case .shutDown: "the engine is shut down"
        case .invalidPath(let id, let path, let reason): "cannot save '\(id)' to \(path.debugDescription): \(reason)"
        }
    }
}

extension RenderResult {
    /// The patch that brings a client showing `clientVersion` (nil: nothing yet) to this
    /// result: ``patch`` when it is against that version or is a snapshot, else a
    /// snapshot of this version (the client missed a version).
    public func patch(from clientVersion: UInt64?) -> BlockPatch {
        patch.baseVersion == nil || patch.baseVersion == clientVersion ? patch : content.snapshot()
    }
}
