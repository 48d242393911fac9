import ArgumentParser
import Dispatch
import DocumentModel
import MarkdownRenderer
import PreviewEngine
import PreviewProtocol
import PreviewServer
import SiteExport
import TaskService
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `mdpreview stdio`: the streaming edit protocol an editor plugin speaks
/// (`Docs/PROTOCOL.md`).
struct StdioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stdio",
        abstract: "Serve the newline-delimited JSON edit protocol on stdin/stdout (see Docs/PROTOCOL.md).",
        discussion: """
        Requests are read from standard input, one JSON object per line; events are \
        written to standard output, one JSON object per line. Logs go to standard error. \
        At end of input, on a 'shutdown' request, SIGINT or SIGTERM, every open document's \
        final version is rendered and autosaves are flushed before 'bye' and exit 0.
        """
    )

    @Option(help: "Longest accepted request line in bytes.")
    var maxLineBytes = WireProtocol.defaultMaxLineLength

    @Option(help: "Milliseconds from an edit until its version is autosaved.")
    var autosaveDelayMs = 1_000

    @Option(help: "When to render: adaptive, every-keystroke, fixed-300, zed-200.")
    var policy = "adaptive"

    @Flag(help: "Send a 'stats' event after renders (otherwise only on a 'stats' request).")
    var autoStats = false

    @Option(help: "At shutdown, the longest wait in milliseconds for final renders and for standard output to be read (saving comes first and is not limited).")
    var shutdownTimeoutMs = 5_000

    @OptionGroup var renderLimits: StdioRenderLimits

    @Flag(help: "Also serve a live preview of the open documents in the browser, on 127.0.0.1 (its URL, with its token, is in the 'ready' event and on standard error).")
    var http = false

    @Option(help: "The port of --http (default: a free one).")
    var port = 0

    @Option(name: .customLong("export-root"), help: "A folder the page's exports may read from and write into (repeatable; default: the current folder).")
    var exportRoots: [String] = []

    @Option(help: "With --http, how long a finished export stays listed, in seconds.")
    var taskTtlSeconds = 600

    func validate() throws {
        guard maxLineBytes > 0 else { throw ValidationError("--max-line-bytes must be positive") }
        guard (0 ... 65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard taskTtlSeconds > 0 else { throw ValidationError("--task-ttl-seconds must be positive") }
        guard shutdownTimeoutMs >= 0 else { throw ValidationError("--shutdown-timeout-ms must not be negative") }
        guard autosaveDelayMs >= 0 else { throw ValidationError("--autosave-delay-ms must not be negative") }
        try renderLimits.validate()
        guard StdioServer.policy(named: policy) != nil else {
            throw ValidationError("unknown policy '\(policy)' (adaptive, every-keystroke, fixed-300, zed-200)")
        }
    }

    func run() throws {
        let server = StdioServer(
            maxLineBytes: maxLineBytes, autosaveDelay: .milliseconds(autosaveDelayMs),
            policy: StdioServer.policy(named: policy)!, autoStats: autoStats,
            shutdownTimeout: .milliseconds(shutdownTimeoutMs), isolation: renderLimits.isolation,
            http: http ? .init(port: port, exportRoots: exportRoots.isEmpty ? [FileManager.default.currentDirectoryPath] : exportRoots) : nil,
            tasks: TaskServiceConfiguration(timeToLive: .seconds(taskTtlSeconds)),
            exportRenderer: renderLimits.pageRenderer(options: RenderOptions(profile: .github))
        )
        server.serve()
    }
}

/// Reads requests, drives a `PreviewEngine`, writes events. The main thread reads and
/// applies requests; every line of standard output is written by the engine's callback
/// queue, so lines never interleave.
final class StdioServer: Sendable {
    private let engine: PreviewEngine
    private let output: OutputChannel
    private let patches = PatchSubscriptions()
    private let decoder: RequestDecoder
    private let maxLineBytes: Int
    private let isFinishing = Atomic(false)
    /// The live preview server of `--http`.
    private let preview: PreviewServer?
    /// The page's links to other Markdown files (with `--http`).
    private let linked: LinkedFileDocuments?

    static func policy(named name: String) -> RenderPolicyChoice? {
        switch name {
        case "adaptive": .default
        case "every-keystroke": .everyKeystroke
        case "fixed-300": .trailingDebounce(.milliseconds(300))
        case "zed-200": .debounceWithDirtyFlag(.milliseconds(200))
        default: nil
        }
    }

    private let shutdownTimeout: Duration

    init(maxLineBytes: Int, autosaveDelay: Duration, policy: RenderPolicyChoice, autoStats: Bool, shutdownTimeout: Duration,
         isolation: RenderIsolation, http: PreviewServerConfiguration?, tasks: TaskServiceConfiguration,
         exportRenderer: @autoclosure () -> PageRenderer) {
        self.shutdownTimeout = shutdownTimeout
        let queue = DispatchQueue(label: "mdpreview.stdout")
        output = OutputChannel(queue: queue)
        engine = PreviewEngine(configuration: .init(
            policy: policy, autosaveDelay: autosaveDelay, statisticsDelay: autoStats ? .milliseconds(300) : nil, callbackQueue: queue,
            isolation: isolation
        ))
        decoder = RequestDecoder(maxLineLength: maxLineBytes, defaultProfile: http == nil ? .cmark : .github)
        self.maxLineBytes = maxLineBytes
        let channel = output
        preview = http.map { configuration in
            PreviewServer(configuration: configuration, tasks: TaskService(configuration: tasks), exportRenderer: exportRenderer()) { doc, line in
                guard !LinkedFileDocuments.isLinked(doc) else { return }
                channel.send(.reveal(doc: doc, line: line))
            }
        }
        let engine = engine
        let linkedFiles = preview.map { LinkedFileDocuments(engine: engine, server: $0, options: RenderOptions(profile: .github)) }
        linked = linkedFiles
        if let preview, let linkedFiles { preview.openLinkedDocuments(with: linkedFiles.open) }
    }

    /// Serves until end of input, `shutdown`, a signal or a closed stdout; never returns.
    func serve() -> Never {
        signal(SIGPIPE, SIG_IGN)
        output.onClosed = { [self] in
            DispatchQueue.global().async { self.finish(reason: "standard output closed") }
        }
        let signalSources = installSignalHandlers()
        withExtendedLifetime(signalSources) { serveLines() }
    }

    private func serveLines() -> Never {
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
            url = startPreview(preview)
            engine.subscribe(on: DispatchQueue(label: "mdpreview.http")) { event in
                switch event {
                case .rendered(let result): preview.publish(result)
                case .closed(let doc): preview.close(doc)
                default: break
                }
            }
        }
        output.send(.ready(ReadyEvent(url: url)))

        var input = Input(framer: LineFramer(maxLineLength: maxLineBytes), decoder: decoder)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                log("reading standard input failed: \(String(cString: strerror(errno)))")
                break
            }
            if count == 0 { break }
            buffer.withUnsafeBufferPointer { input.framer.append(UnsafeBufferPointer(rebasing: $0[..<count])) }
            if process(&input) == .stop { finish(reason: "shutdown request") }
        }
        input.framer.finish()
        _ = process(&input)
        finish(reason: "end of input")
    }

    private enum Flow { case proceed, stop }

    /// Handles every complete line that has arrived.
    private func process(_ input: inout Input) -> Flow {
        while let decoded = input.next() {
            do throws(ProtocolError) {
                guard let request = try decoded.request.get() else { continue }
                if try handle(request, line: decoded.line, input: &input) == .stop { return .stop }
            } catch {
                output.send(.error(error))
            }
        }
        return .proceed
    }

    /// Applies one request; engine refusals become `error` events naming the line.
    private func handle(_ request: Request, line: Int, input: inout Input) throws(ProtocolError) -> Flow {
        let id = request.id
        func refused(_ error: EngineError, doc: String?, pathField: String = "path") -> ProtocolError {
            StdioTranslation.protocolError(for: error, line: line, id: id, doc: doc, pathField: pathField)
        }
        /// The document a request other than an edit names (the decoder requires it).
        func named() throws(ProtocolError) -> String {
            guard let doc = request.doc else {
                throw ProtocolError(code: .missingField, message: "the request has no \"doc\"", field: "doc", line: line, id: id)
            }
            return doc
        }
        switch request.command {
        case .open(let text, let autosave, let options, let wantsPatches, let path):
            let doc = try named()
            // Registered first, so the first render already goes out as a patch.
            let isNew = !engine.openDocuments.contains(doc)
            let registers = wantsPatches && isNew
            if registers { patches.open(doc) }
            if isNew {
                let file = path ?? autosave
                preview?.open(doc, folder: Self.folder(of: file), rawHTML: options.allowsUnsafeHTML, title: file?.split(separator: "/").last.map(String.init))
                linked?.register(doc, path: file)
            }
            do {
                try engine.open(doc, text: text, renderOptions: options, autosavePath: autosave)
            } catch {
                if registers { patches.close(doc) }
                if isNew { preview?.close(doc) }
                throw refused(error, doc: doc, pathField: "autosave")
            }
            acknowledge(request, doc: doc, version: 0)

        case .edit(let patches, _, let continuesTransaction):
            let doc = try resolve(request.doc, line: line, id: id)
            var transaction = Transaction(first: patches, id: id, line: line)
            if !continuesTransaction { try transaction.collect(from: &input, doc: doc, output: output) }
            let version: UInt64
            do {
                version = try engine.edit(doc, transaction: transaction.patches)
            } catch {
                throw transaction.failure(for: error, doc: doc, output: output)
            }
            for line in transaction.lines {
                if let lineID = line.id { output.send(.ack(AckEvent(id: lineID, op: request.op, doc: doc, version: version))) }
            }

        case .replace(let text):
            let doc = try named()
            let version: UInt64
            do {
                version = try engine.replaceText(doc, with: text)
            } catch { throw refused(error, doc: doc) }
            acknowledge(request, doc: doc, version: version)

        case .save(let path):
            let doc = try named()
            do {
                try engine.save(doc, to: path)
            } catch { throw refused(error, doc: doc) }
            acknowledge(request, doc: doc, version: try? engine.snapshot(of: doc).version)

        case .render:
            let doc = try named()
            do {
                if let sent = patches.requestHTML(for: doc, version: try engine.snapshot(of: doc).version) {
                    output.send(sent)   // that version was delivered: the engine renders it no more
                } else {
                    try engine.renderNow(doc)
                }
            } catch { throw refused(error, doc: doc) }
            acknowledge(request, doc: doc, version: try? engine.snapshot(of: doc).version)

        case .stats:
            let doc = try named()
            do {
                try engine.requestStatistics(doc)
            } catch { throw refused(error, doc: doc) }
            acknowledge(request, doc: doc, version: try? engine.snapshot(of: doc).version)

        case .cursor(let line):
            let doc = try named()
            guard engine.openDocuments.contains(doc) else { throw refused(.unknownDocument(doc), doc: doc) }
            preview?.moveCursor(of: doc, toLine: line)
            acknowledge(request, doc: doc, version: try? engine.snapshot(of: doc).version)

        case .close:
            let doc = try named()
            do {
                try engine.close(doc)   // a failed final save keeps the document open
            } catch { throw refused(error, doc: doc) }
            patches.close(doc)
            linked?.unregister(doc)
            acknowledge(request, doc: doc, version: nil)

        case .shutdown:
            acknowledge(request, doc: nil, version: nil)
            return .stop
        }
        return .proceed
    }

    /// Starts the `--http` server and says where it is; exits 69 when it cannot listen.
    private func startPreview(_ preview: PreviewServer) -> String {
        do {
            try preview.startSynchronously()
        } catch {
            log("cannot start the live preview server: \(error)")
            exit(69)
        }
        log("live preview at \(preview.url)")
        return preview.url
    }

    /// The folder of a document's file, for the live preview's relative links.
    static func folder(of path: String?) -> String? {
        guard let path, !path.isEmpty else { return nil }
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The document an edit names, or the only open one for an edit without `doc`.
    private func resolve(_ doc: String?, line: Int, id: RequestID?) throws(ProtocolError) -> String {
        if let doc { return doc }
        let open = engine.openDocuments
        guard open.count == 1 else { throw .noDocument(openCount: open.count, line: line, id: id) }
        return open[0]
    }

    private func acknowledge(_ request: Request, doc: String?, version: UInt64?) {
        guard let id = request.id else { return }
        output.send(.ack(AckEvent(id: id, op: request.op, doc: doc, version: version)))
    }

    /// Saves every open document, delivers the final renders that are ready (both
    /// bounded by the engine's shutdown timeout), says `bye` and exits: 0 when every
    /// document was saved, 74 when one was not (each is named on standard error with
    /// where its text went instead). The first caller does it; later callers wait.
    private func finish(reason: String) -> Never {
        if isFinishing.exchange(true, ordering: .acquiringAndReleasing) {
            while true { pause() }
        }
        log("shutting down: \(reason)")
        preview?.tasks.shutdown()   // running exports stop and remove their temporary folders
        let report = engine.shutdown(timeout: shutdownTimeout)
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
        if !output.drain(until: .now() + .milliseconds(Int(shutdownTimeout.milliseconds))) {
            log("standard output is not being read; exiting without waiting for it")
        }
        exit(report.unsaved.isEmpty ? 0 : 74)
    }

    /// SIGINT and SIGTERM finish like end of input; keep the sources alive.
    private func installSignalHandlers() -> [any DispatchSourceSignal] {
        let queue = DispatchQueue(label: "mdpreview.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [self] in finish(reason: number == SIGINT ? "SIGINT" : "SIGTERM") }
            source.resume()
            sources.append(source)
        }
        return sources
    }

    private func log(_ message: String) {
        StandardError.write("mdpreview stdio: \(message)")
    }
}


private extension PreviewEvent {
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
