import IncrementalRender
import PreviewEngine
import PreviewProtocol
import Primitives

/// The documents opened with `"patches":true`: their renders go out as `patch` events,
/// each against the version the client was last sent (a snapshot, `base` null, when it
/// missed one), and a `render` request also sends the next version's whole HTML.
final class PatchSubscriptions: Sendable {
    private struct Entry {
        /// The version the client's blocks are at, nil before the first patch.
        var sentVersion: UInt64?
        /// A `render` request asked for the whole HTML of this version (or a later one).
        var wantsHTML: UInt64?
        /// The newest render sent, for a `render` request of a version already delivered
        /// (the engine does not deliver a version twice). Its blocks are shared with the
        /// engine's, so keeping it costs little.
        var last: RenderResult?
    }

    private let entries = Locked<[String: Entry]>([:])

    /// Starts (or restarts, for a reopened name) patches for `doc`.
    func open(_ doc: String) {
        entries.withLock { $0[doc] = Entry() }
    }

    /// Stops patches for `doc` (it was closed, or its opening failed).
    func close(_ doc: String) {
        _ = entries.withLock { $0.removeValue(forKey: doc) }
    }

    /// Asks for the whole HTML of `version` of `doc`, or of the first later version.
    /// Returns the `render` event to send now when that version has been sent already;
    /// otherwise marks the next render that reaches it to go out whole as well, and
    /// returns nil (also for a document that gets `render` events anyway).
    func requestHTML(for doc: String, version: UInt64) -> Event? {
        let sent = entries.withLock { entries -> RenderResult? in
            guard var entry = entries[doc] else { return nil }
            if let last = entry.last, last.version >= version { return last }
            entry.wantsHTML = version
            entries[doc] = entry
            return nil
        }
        return sent.map { Self.renderEvent(for: $0) }
    }

    /// The events for a render of a patch document, or nil for a document that gets
    /// `render` events.
    func events(for result: RenderResult) -> [Event]? {
        let decision = entries.withLock { entries -> (patch: BlockPatch, html: Bool)? in
            guard var entry = entries[result.documentID] else { return nil }
            let patch = result.patch(from: entry.sentVersion)
            let html = entry.wantsHTML.map { result.version >= $0 } ?? false
            entry.sentVersion = result.version
            entry.last = result
            if html { entry.wantsHTML = nil }
            entries[result.documentID] = entry
            return (patch, html)
        }
        guard let decision else { return nil }
        let renderMs = result.renderDuration.milliseconds
        let latencyMs = result.latency.milliseconds
        var events: [Event] = [.patch(PatchEvent(doc: result.documentID, patch: decision.patch, renderMs: renderMs, latencyMs: latencyMs))]
        if decision.html { events.append(Self.renderEvent(for: result)) }
        return events
    }

    private static func renderEvent(for result: RenderResult) -> Event {
        .render(RenderEvent(
            doc: result.documentID, version: result.version, html: result.html,
            renderMs: result.renderDuration.milliseconds, latencyMs: result.latency.milliseconds
        ))
    }
}
