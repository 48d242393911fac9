import Dispatch
import Foundation
import MarkdownRenderer
import PreviewEngine
import PreviewServer
import Primitives
import TestSupport

/// An engine rendering in process on every keystroke, feeding a started preview server,
/// with a way to wait until a version has reached the server (no sleeps).
final class LivePreviewHarness: Sendable {
    let engine: PreviewEngine
    let server: PreviewServer
    let token = AccessToken("test-token-0123456789")
    /// Where `reveal` requests from pages went.
    let reveals = Locked<[(name: String, line: Int)]>([])
    private let published = Locked<(versions: [String: UInt64], waiters: [(doc: String, version: UInt64, continuation: CheckedContinuation<Void, Never>)])>(([:], []))

    init(backlogLimit: Int = 64, resumableLimit: Int = 256, heartbeat: Duration = .seconds(15), streamLifetime: Duration? = nil, maxBody: Int = 64 * 1024,
         highlightScript: String = "/nonexistent/highlight.js", clock: any PreviewClock = SystemClock()) async throws {
        engine = PreviewEngine(configuration: .init(policy: .everyKeystroke, statisticsDelay: nil, isolation: .inProcess))
        let reveals = reveals
        server = PreviewServer(configuration: .init(
            token: token, maxRequestBodyBytes: maxBody, heartbeatInterval: heartbeat, streamLifetime: streamLifetime, clientBacklogLimit: backlogLimit,
            resumablePatchLimit: resumableLimit, highlightScriptPath: highlightScript, clock: clock
        )) { name, line in reveals.withLock { $0.append((name, line)) } }
        try await server.start()
        let server = server, published = published
        engine.subscribe(on: DispatchQueue(label: "harness")) { event in
            switch event {
            case .rendered(let result):
                server.publish(result.patch, content: result.content, of: result.documentID)
                let ready = published.withLock { state in
                    state.versions[result.documentID] = max(state.versions[result.documentID] ?? 0, result.version)
                    let ready = state.waiters.filter { $0.doc == result.documentID && $0.version <= result.version }
                    state.waiters.removeAll { $0.doc == result.documentID && $0.version <= result.version }
                    return ready
                }
                for waiter in ready { waiter.continuation.resume() }
            case .closed(let doc):
                server.close(doc)
            default:
                break
            }
        }
    }

    var port: Int { server.boundPort }

    /// Opens `doc` in the server and the engine; waits for its first render.
    func open(_ doc: String, text: String, folder: String? = nil, options: RenderOptions = RenderOptions()) async throws {
        server.open(doc, folder: folder)
        try engine.open(doc, text: text, renderOptions: options)
        await waitFor(doc, version: 0)
    }

    /// Inserts `text` at scalar `offset`; returns the new version.
    @discardableResult
    func insert(_ text: String, at offset: Int, in doc: String) throws -> UInt64 {
        try engine.edit(doc, .insert(text, at: offset))
    }

    /// Returns once version `version` (or a later one) of `doc` was published.
    func waitFor(_ doc: String, version: UInt64) async {
        await withCheckedContinuation { continuation in
            let done = published.withLock { state -> Bool in
                if let shown = state.versions[doc], shown >= version { return true }
                state.waiters.append((doc, version, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// The full render of `doc`'s current text.
    func fullRender(of doc: String, options: RenderOptions = RenderOptions()) throws -> String {
        MarkdownRenderer(options: options).render(try engine.snapshot(of: doc).text)
    }

    func stop() async {
        await server.stop()
        _ = engine.shutdown(timeout: .seconds(5))
    }

    /// `?token=…`
    var query: String { "token=\(token.value)" }
}
