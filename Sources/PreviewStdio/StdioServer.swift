import Dispatch
import DocumentModel
import MarkdownRenderer
package import PreviewEngine
import PreviewProtocol
import PreviewServer
import Primitives

/// The streaming edit protocol an editor plugin speaks (`Docs/PROTOCOL.md`): reads
/// request lines from a ``StdioTransport``, drives a `PreviewEngine`, writes event lines.
/// `mdpreview stdio` runs one on standard input and output; tests run one in process.
///
/// ``run()`` reads and applies requests on the calling thread; every event line is
/// written by the engine's callback queue, so lines never interleave. It ends at the end
/// of input, on a `shutdown` request, when the output closes, or on ``finish(reason:)``
/// from another thread (a signal): every open document is saved, final renders are
/// delivered within the shutdown timeout, `bye` is written, and the exit status is
/// returned.
public final class StdioServer: Sendable {
    let engine: PreviewEngine
    let output: OutputChannel
    let patches = PatchSubscriptions()
    private let transport: any StdioTransport
    private let decoder: RequestDecoder
    private let configuration: StdioServerConfiguration
    private let log: @Sendable (String) -> Void
    private let finished: @Sendable (Int32) -> Void
    /// The exit status once finishing has begun (nil before), and whether it has ended.
    private let finishing = Locked<(began: Bool, status: Int32?)>((false, nil))
    /// The live preview server of `http`.
    let preview: PreviewServer?
    /// The page's links to other Markdown files (with `http`).
    let linked: LinkedFileDocuments?

    /// A server reading and writing `transport`; log lines (without the program's name)
    /// go to `log`; `finished` hears the exit status once finishing is done, on the
    /// thread that finished (a program exits there: ``run()`` may still wait for input).
    public convenience init(configuration: StdioServerConfiguration, transport: any StdioTransport = FileDescriptorTransport(),
                            log: @escaping @Sendable (String) -> Void, finished: @escaping @Sendable (Int32) -> Void = { _ in }) {
        self.init(configuration: configuration, transport: transport, clock: SystemEngineClock(), log: log, finished: finished)
    }

    /// A server whose engine, shutdown and output drain run on `clock` (tests: a manual one).
    package init(configuration: StdioServerConfiguration, transport: any StdioTransport, clock: any EngineClock,
                 log: @escaping @Sendable (String) -> Void, finished: @escaping @Sendable (Int32) -> Void = { _ in }) {
        self.configuration = configuration
        self.transport = transport
        self.log = log
        self.finished = finished
        let queue = DispatchQueue(label: "mdpreview.stdout")
        output = OutputChannel(queue: queue, transport: transport)
        engine = PreviewEngine(configuration: .init(
            policy: configuration.policy, autosaveDelay: configuration.autosaveDelay,
            statisticsDelay: configuration.autoStats ? .milliseconds(300) : nil, callbackQueue: queue,
            isolation: configuration.isolation
        ), clock: clock)
        decoder = RequestDecoder(maxLineLength: configuration.maxLineBytes, defaultProfile: configuration.http == nil ? .cmark : .github)
        let channel = output
        preview = configuration.http.map { http in
            PreviewServer(configuration: http, additions: configuration.httpAdditions) { doc, line in
                guard !LinkedFileDocuments.isLinked(doc) else { return }
                channel.send(.reveal(doc: doc, line: line))
            }
        }
        let engine = engine
        let linkedFiles = preview.map { LinkedFileDocuments(engine: engine, server: $0, options: RenderOptions(profile: .github)) }
        linked = linkedFiles
        if let preview, let linkedFiles { preview.openLinkedDocuments(with: linkedFiles.open) }
    }

    /// Why ``run()`` could not serve.
    public enum StartError: Error, CustomStringConvertible {
        /// The live preview server could not listen.
        case previewUnavailable(String)

        public var description: String {
            switch self {
            case .previewUnavailable(let reason): "cannot start the live preview server: \(reason)"
            }
        }
    }

    /// Serves until the input ends, a `shutdown` request, a closed output or
    /// ``finish(reason:)``; returns the exit status (see ``finish(reason:)``).
    public func run() throws(StartError) -> Int32 {
        output.onClosed = { [self] in
            DispatchQueue.global().async { _ = self.finish(reason: "standard output closed") }
        }
        engine.subscribe { [output, patches, engine] event in
            // Files the page opened through a link are the page's alone.
            if let doc = event.documentName, LinkedFileDocuments.isLinked(doc) { return }
            if case .rendered(let result) = event, let events = patches.events(for: result) {
                for wire in events { output.writeNow(wire) }
            } else if let wire = StdioTranslation.wireEvent(for: event, now: engine.clock.now) {
                output.writeNow(wire)
            }
        }
        var url: String?
        if let preview {
            do {
                try preview.startSynchronously()
            } catch {
                throw .previewUnavailable("\(error)")
            }
            log("live preview at \(preview.url)")
            url = preview.url
            engine.subscribe(on: DispatchQueue(label: "mdpreview.http")) { event in
                switch event {
                case .rendered(let result): preview.publish(result.patch, content: result.content, of: result.documentID)
                case .closed(let doc): preview.close(doc)
                default: break
                }
            }
        }
        output.send(.ready(ReadyEvent(url: url)))

        var input = Input(framer: LineFramer(maxLineLength: configuration.maxLineBytes), decoder: decoder)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var reason = "end of input"
        while true {
            guard let count = buffer.withUnsafeMutableBytes({ transport.read(into: $0) }) else {
                reason = "reading the input failed"
                break
            }
            if hasBegunFinishing { return finish(reason: reason) }   // a signal finished it: nothing more is applied
            if count == 0 { break }
            buffer.withUnsafeBufferPointer { input.framer.append(UnsafeBufferPointer(rebasing: $0[..<count])) }
            if process(&input) == .stop {
                reason = "shutdown request"
                break
            }
        }
        if reason == "end of input", !hasBegunFinishing {
            input.framer.finish()
            if process(&input) == .stop { reason = "shutdown request" }
        }
        return finish(reason: reason)
    }

    private var hasBegunFinishing: Bool { finishing.withLock { $0.began } }

    /// Saves every open document, delivers the final renders that are ready (both
    /// bounded by the shutdown timeout), writes `bye` and returns the exit status: 0 when
    /// every document was saved, 74 when one was not (each is named in the log with where
    /// its text went instead). The first caller does it; later callers, from any thread,
    /// wait for it and get the same status.
    @discardableResult
    public func finish(reason: String) -> Int32 {
        let first = finishing.withLock { state in
            defer { state.began = true }
            return !state.began
        }
        guard first else {
            return finishing.withLock(waitingUntil: { $0.status != nil }) { state, _ in state.status! }
        }
        log("shutting down: \(reason)")
        preview?.shutDownAdditions()   // running exports stop and remove their temporary folders
        let report = engine.shutdown(timeout: configuration.shutdownTimeout)
        for document in report.unsaved {
            let whereabouts = switch document.recovery {
            case .written(let path): "its text is in \(path)"
            case .notWritten(let reason): "no recovery file could be written (\(reason))"
            }
            let failure = document.failure
            log("NOT SAVED: document '\(failure.documentID)' (version \(failure.version)) to \(failure.path): \(failure.message); \(whereabouts)")
        }
        if !report.undelivered.isEmpty {
            log("final render not delivered in time for: \(report.undelivered.joined(separator: ", "))")
        }
        output.send(.bye, waits: false)
        if !output.drain(until: engine.clock.now.advanced(by: configuration.shutdownTimeout), clock: engine.clock) {
            log("standard output is not being read; exiting without waiting for it")
        }
        let status: Int32 = report.unsaved.isEmpty ? 0 : 74
        finishing.withLock { $0.status = status }
        finishing.broadcast()
        finished(status)
        return status
    }
}

extension PreviewEvent {
    /// The document the event is about, when it is about one.
    var documentName: DocumentID? {
        switch self {
        case .rendered(let result): result.documentID
        case .saved(let result): result.documentID
        case .saveFailed(let failure): failure.documentID
        case .statistics(let statistics): statistics.documentID
        case .progress(let report): report.documentID
        case .closed(let doc): doc
        case .renderFailed(let report): report.documentID
        case .previewPaused(let pause): pause.documentID
        }
    }
}
