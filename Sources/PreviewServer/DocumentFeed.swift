import DequeModule
import IncrementalRender
import Primitives

/// One document as the server shows it: its latest rendered blocks, the recent patches a
/// reconnecting client can resume from, and the event-stream clients following it.
///
/// Every mutation happens under one lock, so a client's frames are in version order and
/// a snapshot handed to a client is consistent with the patches queued after it.
final class DocumentFeed: Sendable {
    /// The server's id of the document (the `{id}` of its routes).
    let id: String
    /// The editor's name of the document (a path, usually).
    let name: String
    /// What the page calls it.
    let title: String
    /// The folder relative links and images resolve against (real path), or nil.
    let folder: String?
    /// The document keeps raw HTML: its page parses the whole document on each version.
    let rawHTML: Bool

    private struct State {
        var document = RenderedDocument()
        /// Patches whose versions chain up to `document.version`, oldest first.
        var recent: Deque<BlockPatch> = []
        var clients: [UInt64: StreamClient] = [:]
        var nextClient: UInt64 = 0
        var cursorLine: Int?
        var closed = false
    }

    private let state = Locked(State())
    private let backlogLimit: Int
    private let resumableLimit: Int

    init(id: String, name: String, title: String, folder: String?, rawHTML: Bool, backlogLimit: Int, resumableLimit: Int) {
        self.id = id
        self.name = name
        self.title = title
        self.folder = folder
        self.rawHTML = rawHTML
        self.backlogLimit = max(1, backlogLimit)
        self.resumableLimit = max(0, resumableLimit)
    }

    /// The version the feed shows, nil before the first render.
    var version: UInt64? { state.withLock { $0.document.version } }

    /// The whole HTML of the version the feed shows.
    var html: String { state.withLock { $0.document.html } }

    /// The number of connected event-stream clients.
    var clientCount: Int { state.withLock { $0.clients.count } }

    /// The most frames queued for any one client (bounded by the backlog limit + 2).
    var largestBacklog: Int { state.withLock { $0.clients.values.map(\.pending.count).max() ?? 0 } }

    // MARK: publishing

    /// Brings the feed to `content`'s version and queues the patch for every client:
    /// `patch` when it is against the feed's version, else the difference between the
    /// feed's blocks and `content` (the feed missed versions, or `patch` is a snapshot).
    func publish(_ patch: BlockPatch, content: RenderedContent) {
        let wake: [CheckedContinuation<Void, Never>] = state.withLock { state in
            guard !state.closed else { return [] }
            var patch = patch.baseVersion != nil && patch.baseVersion == state.document.version ? patch : content.patch(from: state.document)
            do {
                try state.document.apply(patch)
            } catch {
                patch = content.snapshot()
                try? state.document.apply(patch)
            }
            if patch.baseVersion == nil { state.recent.removeAll() }
            state.recent.append(patch)
            while state.recent.count > resumableLimit { state.recent.removeFirst() }
            return state.clients.keys.compactMap { key in
                state.clients[key]!.push(patch: .patch(patch), limit: backlogLimit)
                return state.clients[key]!.wakeIfReady()
            }
        }
        for waiter in wake { waiter.resume() }
    }

    /// Sends every client the editor's cursor line.
    func moveCursor(toLine line: Int) {
        broadcast { state in
            state.cursorLine = line
            return .cursor(line: line)
        }
    }

    /// Sends every idle client a heartbeat.
    func heartbeat() {
        broadcast { _ in .heartbeat }
    }

    /// Ends every client's stream with `closed`; later connections get `closed` at once.
    func close() {
        broadcast { state in
            state.closed = true
            return .closed
        }
    }

    private func broadcast(_ frame: (inout State) -> EventStreamFrame) {
        let wake: [CheckedContinuation<Void, Never>] = state.withLock { state in
            let made = frame(&state)
            return state.clients.keys.compactMap { key in
                state.clients[key]!.push(made)
                return state.clients[key]!.wakeIfReady()
            }
        }
        for waiter in wake { waiter.resume() }
    }

    // MARK: clients

    /// Registers a client that has seen `lastEventID` (the `Last-Event-ID` it reconnected
    /// with), queueing what brings it to the latest version: nothing when it is there,
    /// the missing patches when the feed still has them, else a snapshot.
    func attach(lastEventID: UInt64?) -> UInt64 {
        state.withLock { state in
            let id = state.nextClient
            state.nextClient += 1
            var client = StreamClient()
            if state.closed {
                client.push(.closed)
            } else if let current = state.document.version, lastEventID != current {
                if let lastEventID, let start = state.recent.firstIndex(where: { $0.baseVersion == lastEventID }),
                   state.recent.count - start <= backlogLimit {
                    for patch in state.recent[start...] { client.pending.append(.patch(patch)) }
                } else {
                    client.needsSnapshot = true
                }
            }
            if let line = state.cursorLine, !state.closed { client.push(.cursor(line: line)) }
            state.clients[id] = client
            return id
        }
    }

    /// Removes a client whose connection ended.
    func detach(_ client: UInt64) {
        let waiter = state.withLock { $0.clients.removeValue(forKey: client)?.waiter }
        waiter?.resume()
    }

    /// The next frame for `client`, waiting for one; nil when the client was cancelled
    /// or detached. After `closed` the stream has nothing more.
    func nextFrame(for client: UInt64) async -> EventStreamFrame? {
        while true {
            enum Step { case frame(EventStreamFrame), gone, wait }
            let step: Step = state.withLock { state in
                guard var entry = state.clients[client], !entry.cancelled else { return .gone }
                defer { state.clients[client] = entry }
                if entry.needsSnapshot, let snapshot = Self.snapshot(of: state.document) {
                    entry.needsSnapshot = false
                    entry.pending.removeAll { if case .patch = $0 { true } else { false } }
                    return .frame(.patch(snapshot))
                }
                entry.needsSnapshot = false
                if let frame = entry.pending.popFirst() { return .frame(frame) }
                return .wait
            }
            switch step {
            case .frame(let frame): return frame
            case .gone: return nil
            case .wait: break
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state -> Bool in
                        guard var entry = state.clients[client], !entry.isReady else { return true }
                        entry.waiter = continuation
                        state.clients[client] = entry
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                    guard var entry = state.clients[client] else { return nil }
                    entry.cancelled = true
                    let waiter = entry.waiter
                    entry.waiter = nil
                    state.clients[client] = entry
                    return waiter
                }
                waiter?.resume()
            }
        }
    }

    /// The whole document as one patch from nothing, or nil before the first render.
    private static func snapshot(of document: RenderedDocument) -> BlockPatch? {
        guard let version = document.version else { return nil }
        return BlockPatch(
            baseVersion: nil, version: version, start: 0, removed: [], inserted: document.blocks,
            lineDelta: 0, footnotes: document.footnotes
        )
    }
}
