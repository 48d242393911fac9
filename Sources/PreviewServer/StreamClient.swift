import DequeModule

/// What a document feed holds for one event-stream connection: the frames it has not
/// written yet, bounded. Mutated only under the feed's lock.
struct StreamClient {
    /// Frames not yet written, oldest first.
    var pending: Deque<EventStreamFrame> = []
    /// Too many patches piled up (or the client resumed from a version the feed no longer
    /// has): the pending patches were dropped and the next frame is a snapshot of the
    /// feed's latest version.
    var needsSnapshot = false
    /// The writer waiting for a frame.
    var waiter: CheckedContinuation<Void, Never>?
    /// The connection's writer was cancelled.
    var cancelled = false

    /// Whether the writer has something to do.
    var isReady: Bool { needsSnapshot || !pending.isEmpty || cancelled }

    /// Queues a patch; past `limit` queued patches the client is switched to a snapshot.
    mutating func push(patch frame: EventStreamFrame, limit: Int) {
        if needsSnapshot { return }
        let patches = pending.reduce(0) { count, queued in if case .patch = queued { count + 1 } else { count } }
        if patches >= limit {
            pending.removeAll { if case .patch = $0 { true } else { false } }
            needsSnapshot = true
        } else {
            pending.append(frame)
        }
    }

    /// Queues a frame other than a patch; a newer cursor replaces a queued one, and a
    /// heartbeat goes out only when nothing else is queued.
    mutating func push(_ frame: EventStreamFrame) {
        switch frame {
        case .cursor:
            pending.removeAll { if case .cursor = $0 { true } else { false } }
            pending.append(frame)
        case .heartbeat:
            if !isReady { pending.append(frame) }
        case .closed, .patch:
            pending.append(frame)
        }
    }

    /// Hands the waiting writer back to be resumed, if there is one and it has work.
    mutating func wakeIfReady() -> CheckedContinuation<Void, Never>? {
        guard isReady, let waiter else { return nil }
        self.waiter = nil
        return waiter
    }
}
