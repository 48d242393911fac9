import DequeModule
import Dispatch

/// Every subscriber's own queue of undelivered events, bounded however slowly it reads.
///
/// A pure value: the engine keeps it under its lock and drains one event at a time on
/// the subscriber's dispatch queue. A render *replaces* an undelivered render of the
/// same document: the older one is removed and counted as dropped, and the newer one
/// goes to the back, so it still follows every event queued before it. The other
/// events that only the newest instance of matters (`saved`, statistics, progress of one
/// task, a save failure of a document) replace their older instance the same way once
/// ``pressureThreshold`` events wait, that is when the subscriber has fallen behind. So
/// a subscriber holds at most one undelivered render per document, and at most
/// ``pressureThreshold`` events plus one per document and kind, plus one `closed` per
/// close.
struct EventFanOut {
    /// The identity of an event that a newer one of the same kind replaces.
    enum ReplacementKey: Hashable {
        case rendered(DocumentID)
        case saved(DocumentID)
        case saveFailed(DocumentID)
        case statistics(DocumentID)
        case progress(DocumentID, task: String)
        case renderFailed(DocumentID)
        case previewPaused(DocumentID)
    }

    struct Mailbox {
        let handler: @Sendable (PreviewEvent) -> Void
        /// The serial queue the handler is called on.
        let queue: DispatchQueue
        var events = Deque<PreviewEvent>()
        /// Whether a drain is scheduled on the callback queue.
        var isDraining = false
        var dropped = 0
    }

    /// Queued events from which on every replaceable kind replaces, not only renders.
    static let pressureThreshold = 64

    private(set) var mailboxes: [UInt64: Mailbox] = [:]

    /// Starts queueing events for `id`.
    mutating func add(_ id: UInt64, queue: DispatchQueue, handler: @escaping @Sendable (PreviewEvent) -> Void) {
        mailboxes[id] = Mailbox(handler: handler, queue: queue)
    }

    /// Stops queueing for `id` and forgets what was queued.
    mutating func remove(_ id: UInt64) {
        mailboxes[id] = nil
    }

    /// Queues `event` for every subscriber; returns the subscribers that need a drain
    /// scheduled on their queue (they were idle). O(queued events) per subscriber for a
    /// replacement, O(1) otherwise.
    mutating func publish(_ event: PreviewEvent) -> [(id: UInt64, queue: DispatchQueue)] {
        var idle: [(id: UInt64, queue: DispatchQueue)] = []
        let key = Self.replacementKey(of: event)
        for id in mailboxes.keys {
            mailboxes[id]!.enqueue(event, key: key)
            if !mailboxes[id]!.isDraining {
                mailboxes[id]!.isDraining = true
                idle.append((id, mailboxes[id]!.queue))
            }
        }
        return idle
    }

    /// The next event for `id` and its handler; `more` says whether another follows (the
    /// drain stays scheduled). Nil, and the drain ends, when nothing is queued.
    mutating func next(for id: UInt64) -> (event: PreviewEvent, handler: @Sendable (PreviewEvent) -> Void, more: Bool)? {
        guard var mailbox = mailboxes[id] else { return nil }
        defer { mailboxes[id] = mailbox }
        guard let event = mailbox.events.popFirst() else {
            mailbox.isDraining = false
            return nil
        }
        if mailbox.events.isEmpty { mailbox.isDraining = false }
        return (event, mailbox.handler, !mailbox.events.isEmpty)
    }

    /// Events queued and not yet handed to their subscribers, over all subscribers.
    var undeliveredCount: Int { mailboxes.values.reduce(0) { $0 + $1.events.count } }

    /// The queues of the subscribers, each once.
    var queues: [DispatchQueue] {
        var seen: [DispatchQueue] = []
        for mailbox in mailboxes.values where !seen.contains(where: { $0 === mailbox.queue }) { seen.append(mailbox.queue) }
        return seen
    }

    /// Events `id` lost because newer ones replaced them.
    func droppedCount(of id: UInt64) -> Int { mailboxes[id]?.dropped ?? 0 }

    static func replacementKey(of event: PreviewEvent) -> ReplacementKey? {
        switch event {
        case .rendered(let result): .rendered(result.documentID)
        case .saved(let result): .saved(result.documentID)
        case .saveFailed(let failure): .saveFailed(failure.documentID)
        case .statistics(let statistics): .statistics(statistics.documentID)
        case .progress(let report): .progress(report.documentID, task: report.task)
        case .renderFailed(let report): .renderFailed(report.documentID)
        case .previewPaused(let pause): .previewPaused(pause.documentID)
        case .closed: nil
        }
    }
}

extension EventFanOut.Mailbox {
    mutating func enqueue(_ event: PreviewEvent, key: EventFanOut.ReplacementKey?) {
        let replaces: Bool
        if case .rendered? = key { replaces = true } else { replaces = events.count >= EventFanOut.pressureThreshold }
        if replaces, let key, let index = events.firstIndex(where: { EventFanOut.replacementKey(of: $0) == key }) {
            events.remove(at: index)
            dropped += 1
        }
        events.append(event)
    }
}
