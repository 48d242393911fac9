/// `renderFailed`: a render of one version produced no HTML; the last `render` of the
/// document is still its newest.
public struct RenderFailedEvent: Sendable, Hashable {
    /// The document.
    public var doc: String
    /// The version that failed.
    public var version: UInt64
    /// `timeout`, `memory` or `crash`.
    public var reason: String
    /// A sentence for a person.
    public var message: String
    /// Failed renders of the document in a row, this one included.
    public var failures: Int

    /// A renderFailed event.
    package init(doc: String, version: UInt64, reason: String, message: String, failures: Int) {
        self.doc = doc
        self.version = version
        self.reason = reason
        self.message = message
        self.failures = failures
    }
}

/// `previewPaused`: automatic renders of a document stopped after failed renders; a
/// trial render runs after `retry_in_ms`, or at once after an edit that halves the text
/// or a `render` request. The next `render` event of the document means it renders again.
public struct PreviewPausedEvent: Sendable, Hashable {
    /// The document.
    public var doc: String
    /// Why the last render failed: `timeout`, `memory` or `crash`.
    public var reason: String
    /// A sentence for a person.
    public var message: String
    /// Failed renders in a row.
    public var failures: Int
    /// Milliseconds from this event to the trial render (`retry_in_ms`).
    public var retryInMs: Double

    /// A previewPaused event.
    package init(doc: String, reason: String, message: String, failures: Int, retryInMs: Double) {
        self.doc = doc
        self.reason = reason
        self.message = message
        self.failures = failures
        self.retryInMs = retryInMs
    }
}
