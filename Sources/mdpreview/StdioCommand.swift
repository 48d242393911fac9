import ArgumentParser
import Dispatch
import DocumentModel
import MarkdownRenderer
import PreviewEngine
import PreviewProtocol
import PreviewServer
import PreviewStdio
import SiteExport
import PreviewTasks
import TaskService
import Foundation
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
        guard StdioServerConfiguration.policy(named: policy) != nil else {
            throw ValidationError("unknown policy '\(policy)' (adaptive, every-keystroke, fixed-300, zed-200)")
        }
    }

    /// The server these flags describe.
    var serverConfiguration: StdioServerConfiguration {
        StdioServerConfiguration(
            maxLineBytes: maxLineBytes, autosaveDelay: .milliseconds(autosaveDelayMs),
            policy: StdioServerConfiguration.policy(named: policy)!, autoStats: autoStats,
            shutdownTimeout: .milliseconds(shutdownTimeoutMs), isolation: renderLimits.isolation,
            http: http ? .init(port: port) : nil,
            httpAdditions: http ? [taskRoutes.addition] : []
        )
    }

    /// The live page's exports (`--http`): of the `--export-root` folders, else the current one.
    private var taskRoutes: TaskRoutes {
        TaskRoutes(
            tasks: TaskService(configuration: .init(timeToLive: .seconds(taskTtlSeconds))),
            exportRoots: exportRoots.isEmpty ? [FileManager.default.currentDirectoryPath] : exportRoots,
            renderer: renderLimits.pageRenderer(options: RenderOptions(profile: .github))
        )
    }

    /// Serves standard input and output; SIGINT, SIGTERM and a closed standard output
    /// finish like the end of input. Exits with the server's status as soon as it is
    /// known, on whichever thread finished (69 when `--http` cannot listen).
    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let server = StdioServer(configuration: serverConfiguration, log: { StandardError.write("mdpreview stdio: \($0)") },
                                 finished: { Glibc.exit($0) })
        let queue = DispatchQueue(label: "mdpreview.signals")
        let sources = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { _ = server.finish(reason: number == SIGINT ? "SIGINT" : "SIGTERM") }
            source.resume()
            return source
        }
        let status: Int32
        do {
            status = try server.run()
        } catch {
            StandardError.write("mdpreview stdio: \(error)")
            Glibc.exit(69)
        }
        withExtendedLifetime(sources) { Glibc.exit(status) }
    }
}

