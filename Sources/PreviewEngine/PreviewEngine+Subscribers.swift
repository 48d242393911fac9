public import Dispatch
import Synchronization

extension PreviewEngine {
    /// Calls `handler` on `queue` (a serial queue; the configuration's callback queue by
    /// default) with every event from now on, until the returned subscription is
    /// cancelled.
    ///
    /// Each subscriber has its own bounded queue of undelivered events: a handler that
    /// blocks (a reader that stops reading) delays only the subscribers on its dispatch
    /// queue (give slow consumers a queue of their own), and while it blocks a newer
    /// render of a document replaces the undelivered older one (likewise `saved`,
    /// statistics, progress and save failures), so memory stays flat and the subscriber
    /// gets the latest version as soon as it reads again. See `Docs/ENGINE.md`.
    @discardableResult
    public func subscribe(on queue: DispatchQueue? = nil, _ handler: @escaping @Sendable (PreviewEvent) -> Void) -> Subscription {
        let subscription = Subscription(engine: self)
        let queue = queue ?? configuration.callbackQueue
        state.withLock { $0.fanOut.add(subscription.id, queue: queue, handler: handler) }
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

        /// Events this subscriber never got because a newer one of the same kind and
        /// document replaced them before it read them.
        public var droppedEventCount: Int {
            engine?.state.withLock { $0.fanOut.droppedCount(of: id) } ?? 0
        }

        /// Stops deliveries to this subscriber (ones already queued are dropped too).
        public func cancel() {
            engine?.state.withLock { $0.fanOut.remove(id) }
        }
    }

    /// Queues `event` for every subscriber and schedules a drain for the idle ones.
    /// Called with the state lock held, so events are queued in the order the engine
    /// decided them.
    func emit(_ event: PreviewEvent, in state: inout EngineState) {
        for (subscriber, queue) in state.fanOut.publish(event) {
            queue.async { [self] in drain(subscriber, on: queue) }
        }
    }

    /// Hands the next queued event to its subscriber, then schedules itself again behind
    /// whatever else the callback queue holds.
    private func drain(_ subscriber: UInt64, on queue: DispatchQueue) {
        guard let next = state.withLock({ $0.fanOut.next(for: subscriber) }) else { return }
        var event = next.event
        if case .rendered(let result) = event {
            event = .rendered(result.delivered(at: clock.now))
        }
        next.handler(event)
        if next.more {
            queue.async { [self] in drain(subscriber, on: queue) }
        }
    }
}

extension RenderResult {
    /// The result as delivered at `instant`; a virtual clock keeps the instant the render
    /// finished, which is the later of the two.
    func delivered(at instant: MonotonicInstant) -> RenderResult {
        RenderResult(
            documentID: documentID, version: version, patch: patch, content: content, update: update, renderDuration: renderDuration,
            editedAt: editedAt, startedAt: startedAt, deliveredAt: max(deliveredAt, instant)
        )
    }
}
