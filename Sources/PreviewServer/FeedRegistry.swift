import Primitives

/// The open documents by name, each with the short id its routes use (`1`, `2`, … in
/// the order they were opened).
final class FeedRegistry: Sendable {
    private struct State {
        var byName: [String: DocumentFeed] = [:]
        var byID: [String: DocumentFeed] = [:]
        var order: [String] = []
        var nextID = 1
    }

    private let state = Locked(State())
    private let backlogLimit: Int
    private let resumableLimit: Int

    init(backlogLimit: Int, resumableLimit: Int) {
        self.backlogLimit = backlogLimit
        self.resumableLimit = resumableLimit
    }

    func open(_ name: String, folder: String?, rawHTML: Bool, title: String) {
        let replaced: DocumentFeed? = state.withLock { state in
            let feed = DocumentFeed(id: String(state.nextID), name: name, title: title, folder: folder, rawHTML: rawHTML, backlogLimit: backlogLimit, resumableLimit: resumableLimit)
            state.nextID += 1
            let old = state.byName.updateValue(feed, forKey: name)
            if let old {
                state.byID[old.id] = nil
                state.order.removeAll { $0 == old.id }
            }
            state.byID[feed.id] = feed
            state.order.append(feed.id)
            return old
        }
        replaced?.close()
    }

    func close(_ name: String) {
        let feed: DocumentFeed? = state.withLock { state in
            guard let feed = state.byName.removeValue(forKey: name) else { return nil }
            state.byID[feed.id] = nil
            state.order.removeAll { $0 == feed.id }
            return feed
        }
        feed?.close()
    }

    func closeAll() {
        for feed in documents { close(feed.name) }
    }

    func feed(named name: String) -> DocumentFeed? { state.withLock { $0.byName[name] } }

    func feed(id: String) -> DocumentFeed? { state.withLock { $0.byID[id] } }

    /// The open documents in the order they were opened.
    var documents: [DocumentFeed] { state.withLock { state in state.order.compactMap { state.byID[$0] } } }

    func heartbeat() {
        for feed in documents { feed.heartbeat() }
    }
}
