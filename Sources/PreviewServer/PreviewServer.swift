import Hummingbird
public import IncrementalRender
import Logging
import ServiceLifecycle
import Primitives

/// The live preview over HTTP: a page per open document that follows the editor's
/// renders as keyed block patches over Server-Sent Events. See `Docs/LIVE_PREVIEW.md`.
///
/// The caller opens documents by name, publishes each document's renders (from one
/// serial queue, in delivery order), and closes them. The server listens on loopback
/// only, requires its token on every route but the pages, and checks `Host` and
/// `Origin` on every request.
public final class PreviewServer: Sendable {
    /// How the server listens and what it allows.
    public let configuration: PreviewServerConfiguration
    let registry: FeedRegistry
    let port = BoundPort()
    private let running = Locked<Running?>(nil)

    /// What ``stop()`` ends: the server's service group and the heartbeat.
    private struct Running: Sendable {
        let task: Task<Void, any Error>
        let services: ServiceGroup
        let heartbeat: Task<Void, Never>
    }
    let reveal: @Sendable (_ name: String, _ line: Int) -> Void
    let linkedDocumentOpener = Locked<LinkedDocumentOpener?>(nil)

    /// Opens the Markdown file at a real path inside an open document's folder for
    /// preview (rendering it and following its changes), or finds the document already
    /// showing it, and returns that document's name; nil when it cannot.
    public typealias LinkedDocumentOpener = @Sendable (_ path: String) -> String?

    /// Lets links between documents open their previews on demand (without an opener,
    /// a link to a Markdown file gets a page that says it cannot be opened).
    public func openLinkedDocuments(with opener: @escaping LinkedDocumentOpener) {
        linkedDocumentOpener.withLock { $0 = opener }
    }
    /// What other modules added: routes and page parts.
    let additions: [PreviewServerAddition]

    /// The folder of a document's file, for the page's relative links: nil for no path,
    /// `.` for a bare name, `/` for a file at the root.
    public static func folder(ofDocumentAt path: String?) -> String? {
        guard let path, !path.isEmpty else { return nil }
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// A server with `additions` (routes and page parts of other modules); `reveal` is
    /// called when the page asks the editor to show a line of a document (a double click
    /// on a block).
    public init(
        configuration: PreviewServerConfiguration = .init(), additions: [PreviewServerAddition] = [],
        reveal: @escaping @Sendable (_ name: String, _ line: Int) -> Void = { _, _ in }
    ) {
        self.configuration = configuration
        self.additions = additions
        self.reveal = reveal
        registry = FeedRegistry(backlogLimit: configuration.clientBacklogLimit, resumableLimit: configuration.resumablePatchLimit)
    }

    /// Starts listening on 127.0.0.1 and returns once it does. Throws when the port
    /// cannot be bound.
    public func start() async throws {
        let router = Router(context: PreviewRequestContext.self)
        router.add(middleware: RequestGuard(token: configuration.token, port: port, maxBodyBytes: configuration.maxRequestBodyBytes))
        addRoutes(to: router)
        for addition in additions { router.addRoutes(addition.routes(configuration)) }
        var logger = Logger(label: "mdpreview.http") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .warning
        let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: configuration.port), serverName: "mdpreview"),
            onServerRunning: { channel in
                boundContinuation.yield(channel.localAddress?.port ?? 0)
                boundContinuation.finish()
            },
            logger: logger
        )
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { boundContinuation.finish() }
            try await services.run()
        }
        let heartbeatInterval = configuration.heartbeatInterval
        let registry = registry
        let clock = configuration.clock
        let heartbeat = Task {
            while (try? await clock.sleep(for: heartbeatInterval)) != nil { registry.heartbeat() }
        }
        running.withLock { $0 = Running(task: task, services: services, heartbeat: heartbeat) }
        var iterator = bound.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            heartbeat.cancel()
            task.cancel()
            if case .failure(let error) = await task.result { throw error }
            throw PreviewServerError.notListening
        }
        self.port.set(port)
    }

    /// Ends what the additions run (running exports stop and remove their temporary
    /// folders); ``stop(grace:)`` does it first. An addition's `shutdown` allows a second call.
    public func shutDownAdditions() {
        for addition in additions { addition.shutdown() }
    }

    /// Stops listening and ends every event stream, gracefully: the additions are shut
    /// down, the listener closes first, pages get `closed`, task streams end, requests in flight finish; whatever
    /// still runs after `grace` is cancelled.
    public func stop(grace: Duration = .seconds(5)) async {
        guard let running = running.withLock({ state in defer { state = nil }; return state }) else { return }
        shutDownAdditions()
        running.heartbeat.cancel()
        registry.closeAll()
        await running.services.triggerGracefulShutdown()
        let clock = configuration.clock
        let deadline = Task {
            try await clock.sleep(for: grace)
            running.task.cancel()
        }
        _ = await running.task.result
        deadline.cancel()
    }

    /// The port listened on (0 before ``start()``).
    public var boundPort: Int { port.value }

    /// The URL to print: the page of the first open document, with the token.
    public var url: String { "http://127.0.0.1:\(port.value)/?token=\(configuration.token.value)" }

    /// The URL of document `name`'s page, with the token, or nil when it is not open.
    public func url(ofDocument name: String) -> String? {
        registry.feed(named: name).map { "http://127.0.0.1:\(port.value)/documents/\($0.id)?token=\(configuration.token.value)" }
    }

    // MARK: documents

    /// Shows document `name`; relative links and images resolve against `folder` (none
    /// are served when nil). With `rawHTML` (the document is rendered with raw HTML
    /// kept, which can open in one block and close in another) the page parses the whole
    /// document on each version instead of applying block patches. `title` names it on
    /// the page (default: the last part of `name`). Opening a name again starts it
    /// afresh. Open a document before its first render is published.
    public func open(_ name: String, folder: String?, rawHTML: Bool = false, title: String? = nil) {
        let title = title ?? name.split(separator: "/").last.map(String.init) ?? name
        registry.open(name, folder: folder.flatMap(DocumentFiles.realPath(of:)), rawHTML: rawHTML, title: title)
    }

    /// Sends a version of open document `name` to its pages: how its blocks changed
    /// (`patch`) and all of them (`content`, for a page that missed the base version).
    public func publish(_ patch: BlockPatch, content: RenderedContent, of name: String) {
        registry.feed(named: name)?.publish(patch, content: content)
    }

    /// Scrolls document `name`'s pages to source line `line` (0-based).
    public func moveCursor(of name: String, toLine line: Int) {
        registry.feed(named: name)?.moveCursor(toLine: line)
    }

    /// Ends document `name`'s streams with `closed` and forgets it.
    public func close(_ name: String) {
        registry.close(name)
    }

    /// The event-stream clients of document `name`, and the most frames queued for one.
    public func streamStatistics(of name: String) -> (clients: Int, largestBacklog: Int) {
        guard let feed = registry.feed(named: name) else { return (0, 0) }
        return (feed.clientCount, feed.largestBacklog)
    }
}

/// Why a preview server did not start.
public enum PreviewServerError: Error, CustomStringConvertible {
    /// The server stopped before it was listening.
    case notListening

    public var description: String { "the preview server could not listen on 127.0.0.1" }
}
