import ArgumentParser
import Dispatch
import DocumentModel
import MarkdownRenderer
import PreviewEngine
import PreviewProtocol
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

    func validate() throws {
        guard maxLineBytes > 0 else { throw ValidationError("--max-line-bytes must be positive") }
        guard autosaveDelayMs >= 0 else { throw ValidationError("--autosave-delay-ms must not be negative") }
        guard StdioServer.policy(named: policy) != nil else {
            throw ValidationError("unknown policy '\(policy)' (adaptive, every-keystroke, fixed-300, zed-200)")
        }
    }

    func run() throws {
        let server = StdioServer(
            maxLineBytes: maxLineBytes, autosaveDelay: .milliseconds(autosaveDelayMs),
            policy: StdioServer.policy(named: policy)!, autoStats: autoStats
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
    private let decoder: RequestDecoder
    private let maxLineBytes: Int
    private let isFinishing = Atomic(false)

    static func policy(named name: String) -> RenderPolicyChoice? {
        switch name {
        case "adaptive": .default
        case "every-keystroke": .everyKeystroke
        case "fixed-300": .trailingDebounce(.milliseconds(300))
        case "zed-200": .debounceWithDirtyFlag(.milliseconds(200))
        default: nil
        }
    }

    init(maxLineBytes: Int, autosaveDelay: Duration, policy: RenderPolicyChoice, autoStats: Bool) {
        let queue = DispatchQueue(label: "mdpreview.stdout")
        output = OutputChannel(queue: queue)
        engine = PreviewEngine(configuration: .init(
            policy: policy, autosaveDelay: autosaveDelay, computesStatistics: autoStats, callbackQueue: queue
        ))
        decoder = RequestDecoder(maxLineLength: maxLineBytes)
        self.maxLineBytes = maxLineBytes
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
        engine.subscribe { [output] event in
            if let wire = Self.wireEvent(for: event) { output.writeNow(wire) }
        }
        output.send(.ready(ReadyEvent()))

        var framer = LineFramer(maxLineLength: maxLineBytes)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                log("reading standard input failed: \(String(cString: strerror(errno)))")
                break
            }
            if count == 0 { break }
            buffer.withUnsafeBufferPointer { framer.append(UnsafeBufferPointer(rebasing: $0[..<count])) }
            if process(&framer) == .stop { finish(reason: "shutdown request") }
        }
        framer.finish()
        _ = process(&framer)
        finish(reason: "end of input")
    }

    private enum Flow { case proceed, stop }

    /// Handles every complete line the framer holds.
    private func process(_ framer: inout LineFramer) -> Flow {
        while let line = framer.next() {
            do {
                guard let request = try decoder.decode(line) else { continue }
                if try handle(request, line: line.number, framer: &framer) == .stop { return .stop }
            } catch {
                output.send(.error(error))
            }
        }
        return .proceed
    }

    /// Applies one request; engine refusals become `error` events naming the line.
    private func handle(_ request: Request, line: Int, framer: inout LineFramer) throws(ProtocolError) -> Flow {
        let id = request.id
        func refused(_ error: EngineError, doc: String?) -> ProtocolError {
            Self.protocolError(for: error, line: line, id: id, doc: doc)
        }
        switch request {
        case .open(let open):
            do {
                try engine.open(open.doc, text: open.text, renderOptions: Self.renderOptions(open.options), autosavePath: open.autosave)
            } catch { throw refused(error, doc: open.doc) }
            acknowledge(request, doc: open.doc, version: 0)

        case .edit(let edit):
            let doc = try resolve(edit.doc, line: line, id: id)
            var patches = Self.patches(for: edit.changes)
            // Continuation lines ("c":1) already waiting join this transaction.
            if !edit.continuesTransaction {
                while let next = framer.peek(), case .edit(let more)? = try? decoder.decode(next),
                      more.continuesTransaction, more.doc == nil || more.doc == doc {
                    patches += Self.patches(for: more.changes)
                    _ = framer.next()
                }
            }
            let version: UInt64
            do {
                version = try engine.edit(doc, transaction: patches)
            } catch { throw refused(error, doc: doc) }
            acknowledge(request, doc: doc, version: version)

        case .replace(let replace):
            let version: UInt64
            do {
                version = try engine.replaceText(replace.doc, with: replace.text)
            } catch { throw refused(error, doc: replace.doc) }
            acknowledge(request, doc: replace.doc, version: version)

        case .save(let save):
            do {
                try engine.save(save.doc, to: save.path)
            } catch { throw refused(error, doc: save.doc) }
            acknowledge(request, doc: save.doc, version: try? engine.snapshot(of: save.doc).version)

        case .render(let render):
            do {
                try engine.renderNow(render.doc)
            } catch { throw refused(error, doc: render.doc) }
            acknowledge(request, doc: render.doc, version: try? engine.snapshot(of: render.doc).version)

        case .stats(let stats):
            do {
                try engine.requestStatistics(stats.doc)
            } catch { throw refused(error, doc: stats.doc) }
            acknowledge(request, doc: stats.doc, version: try? engine.snapshot(of: stats.doc).version)

        case .close(let close):
            do {
                try engine.close(close.doc)   // a failed final save keeps the document open
            } catch { throw refused(error, doc: close.doc) }
            acknowledge(request, doc: close.doc, version: nil)

        case .shutdown:
            acknowledge(request, doc: nil, version: nil)
            return .stop
        }
        return .proceed
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

    /// Renders every open document's final version, flushes autosaves, says `bye` and
    /// exits 0. The first caller does it; later callers wait for the exit.
    private func finish(reason: String) -> Never {
        if isFinishing.exchange(true, ordering: .acquiringAndReleasing) {
            while true { pause() }
        }
        log("shutting down: \(reason)")
        engine.shutdown()
        output.send(.bye)
        output.drain()
        exit(0)
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

    // MARK: Translation between the engine and the wire

    static func patches(for changes: EditChanges) -> [TextPatch] {
        switch changes {
        case .offsets(let patches, let unit):
            patches.map { TextPatch.replace(offset: $0.pos, length: $0.del, with: $0.ins, unit: textUnit(unit)) }
        case .range(let range, let text, let unit):
            [TextPatch.replace(
                from: LinePosition(line: range.start.line, character: range.start.character),
                to: LinePosition(line: range.end.line, character: range.end.character),
                with: text, unit: textUnit(unit)
            )]
        }
    }

    static func textUnit(_ unit: PositionUnit) -> TextUnit {
        switch unit {
        case .scalar: .unicodeScalars
        case .utf16: .utf16
        case .utf8: .utf8
        }
    }

    static func renderOptions(_ settings: RenderSettings) -> RenderOptions {
        RenderOptions(
            extensions: settings.extensions.map { Set($0.compactMap { GFMExtension(rawValue: $0.rawValue) }) } ?? Set(GFMExtension.allCases),
            allowsUnsafeHTML: settings.allowsUnsafeHTML,
            sourcePositions: settings.sourcePositions,
            smartPunctuation: settings.smartPunctuation,
            hardBreaks: settings.hardBreaks,
            noBreaks: settings.noBreaks,
            githubPreLang: settings.githubPreLang,
            fullInfoString: settings.fullInfoString,
            tablePreferStyleAttributes: settings.tablePreferStyleAttributes,
            strikethroughDoubleTilde: settings.strikethroughDoubleTilde
        )
    }

    static func protocolError(for error: EngineError, line: Int, id: RequestID?, doc: String?) -> ProtocolError {
        switch error {
        case .unknownDocument(let name):
            return .unknownDoc(name, line: line, id: id)
        case .documentAlreadyOpen(let name):
            return .docExists(name, line: line, id: id)
        case .invalidEdit(_, let editError):
            return ProtocolError(code: code(for: editError), message: editError.description, line: line, id: id, doc: doc)
        case .saveFailed(_, let path, let message):
            return ProtocolError(code: .saveFailed, message: "\(path): \(message)", line: line, id: id, doc: doc)
        case .noAutosavePath:
            return ProtocolError(code: .saveFailed, message: "the document has no autosave path; give \"path\"", field: "path", line: line, id: id, doc: doc)
        case .shutDown:
            return .shuttingDown(line: line, id: id, doc: doc)
        }
    }

    static func code(for error: EditError) -> ProtocolErrorCode {
        switch error {
        case .splitsScalar, .positionSplitsScalar: .splitsCharacter
        case .inTransaction(_, let underlying): code(for: underlying)
        default: .outOfRange
        }
    }

    static func wireEvent(for event: PreviewEvent) -> Event? {
        switch event {
        case .rendered(let result):
            .render(RenderEvent(
                doc: result.documentID, version: result.version, html: result.html,
                renderMs: result.renderDuration.milliseconds, latencyMs: result.latency.milliseconds
            ))
        case .saved(let saved):
            .saved(SavedEvent(doc: saved.documentID, version: saved.version, path: saved.path))
        case .saveFailed(let failure):
            .error(ProtocolError(
                code: .saveFailed,
                message: failure.message + (failure.retryAt == nil ? "" : "; the text is kept and saving is retried"),
                doc: failure.documentID
            ))
        case .statistics(let statistics):
            .stats(StatsEvent(
                doc: statistics.documentID, version: statistics.version, words: statistics.words,
                characters: statistics.characters, lines: statistics.lines, readingMinutes: statistics.readingMinutes,
                headings: statistics.headings.map { StatsEvent.Heading(level: $0.level, text: $0.text, line: $0.line) }
            ))
        case .progress(let report):
            .progress(ProgressEvent(doc: report.documentID, task: report.task, fraction: report.fraction, message: report.message))
        case .closed(let doc):
            .closed(doc: doc)
        }
    }
}

/// Standard output as a stream of JSON lines, written only on one serial queue. After a
/// write fails with EPIPE the channel drops everything and calls `onClosed` once.
final class OutputChannel: @unchecked Sendable {
    private let queue: DispatchQueue
    // Touched only on `queue`.
    private var isClosed = false
    private var buffer: [UInt8] = []
    /// Called once, on the queue, when standard output turns out to be closed. Set before
    /// the first write.
    var onClosed: @Sendable () -> Void = {}

    init(queue: DispatchQueue) {
        self.queue = queue
    }

    /// Writes `event` from any thread, after everything sent before.
    func send(_ event: Event) {
        queue.async { self.writeNow(event) }
    }

    /// Writes `event`; must run on the queue.
    func writeNow(_ event: Event) {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !isClosed else { return }
        buffer.removeAll(keepingCapacity: true)
        EventEncoder.encode(event, into: &buffer)
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                isClosed = true
                onClosed()
                return
            }
            offset += written
        }
    }

    /// Waits until everything sent so far is written.
    func drain() {
        queue.sync {}
    }
}
