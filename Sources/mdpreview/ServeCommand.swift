import ArgumentParser
import Dispatch
import Foundation
import PreviewEngine
import PreviewServer
import PreviewStdio
import PreviewTasks
import TaskService
#if canImport(Glibc)
import Glibc
#endif

/// `mdpreview serve FILE`: a live preview of a file on disk in the browser.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a live preview of a Markdown file in the browser, updated whenever the file is saved.",
        discussion: """
        Listens on 127.0.0.1 only and prints the page's URL, with its per-launch access \
        token, as the one line of standard output. The file is watched: saves that write \
        it in place or write a new file and rename it over the old one both update the \
        page, which patches only the blocks that changed. Ctrl-C stops. See \
        Docs/LIVE_PREVIEW.md.
        """
    )

    @Argument(help: "The Markdown file to preview.")
    var file: String

    @Option(help: "The port to listen on (default: a free one).")
    var port = 0

    @Flag(help: "Open the page in the browser ($BROWSER, else xdg-open).")
    var open = false

    @Option(name: .customLong("export-root"), help: "A folder the page's exports may read from and write into (repeatable; default: the file's folder).")
    var exportRoots: [String] = []

    @Option(help: "How long a finished export stays listed, in seconds.")
    var taskTtlSeconds = 600

    @OptionGroup var flags: RenderFlags

    @OptionGroup var renderLimits: StdioRenderLimits

    func validate() throws {
        guard (0 ... 65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard taskTtlSeconds > 0 else { throw ValidationError("--task-ttl-seconds must be positive") }
        try flags.validate()
        try renderLimits.validate()
    }

    func run() throws {
        let path = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        guard let text = Self.read(path) else {
            StandardError.write("mdpreview: cannot read \(file)")
            throw ExitCode(SysExits.noInput)
        }
        let engine = PreviewEngine(configuration: .init(statisticsDelay: nil, isolation: renderLimits.isolation))
        let tasks = TaskRoutes(
            tasks: TaskService(configuration: .init(timeToLive: .seconds(taskTtlSeconds))),
            exportRoots: exportRoots.isEmpty ? [PreviewServer.folder(ofDocumentAt: path) ?? "/"] : exportRoots,
            renderer: renderLimits.pageRenderer(options: flags.options(defaultProfile: .github))
        )
        let server = PreviewServer(configuration: .init(port: port), additions: [tasks.addition])
        engine.subscribe(on: DispatchQueue(label: "mdpreview.serve")) { event in
            switch event {
            case .rendered(let result): server.publish(result.patch, content: result.content, of: result.documentID)
            case .renderFailed(let report): StandardError.write("mdpreview: version \(report.version) was not rendered: \(report.reason)")
            default: break
            }
        }
        server.open(path, folder: PreviewServer.folder(ofDocumentAt: path), rawHTML: flags.unsafe)
        try engine.open(path, text: text, renderOptions: flags.options(defaultProfile: .github))
        let linked = LinkedFileDocuments(engine: engine, server: server, options: flags.options(defaultProfile: .github))
        linked.register(path, path: path)
        server.openLinkedDocuments(with: linked.open)
        do {
            try server.startSynchronously()
        } catch {
            StandardError.write("mdpreview: cannot listen on 127.0.0.1:\(port): \(error)")
            throw ExitCode(69)
        }
        do {
            try StandardOutput.write(Array((server.url + "\n").utf8))
        } catch {
            StandardError.write("mdpreview: cannot write to standard output: \(error)")
            throw ExitCode(SysExits.ioError)
        }
        StandardError.write("mdpreview: previewing \(file) (Ctrl-C stops)")
        let watcher: FileWatcher
        do {
            watcher = try FileWatcher(path: path) {
                guard let text = Self.read(path) else { return }   // deleted or unreadable: keep the last version
                guard let current = try? engine.snapshot(of: path).text, current != text else { return }
                _ = try? engine.replaceText(path, with: text)
            }
        } catch {
            StandardError.write("mdpreview: \(error); the page will not follow changes to the file")
            throw ExitCode(SysExits.software)
        }
        if open { Self.openBrowser(server.url) }
        let signals = [SIGINT, SIGTERM].map { (number: Int32) -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler {
                watcher.stop()
                linked.stop()
                server.shutDownAdditions()   // running exports stop and remove their temporary folders
                // Kills and reaps the engine's render workers: without it they die by their
                // parent-death signal only after this process has gone.
                engine.shutdown(timeout: .zero)
                Glibc.exit(0)
            }
            source.resume()
            return source
        }
        withExtendedLifetime((watcher, signals)) { dispatchMain() }
    }

    /// The file's text (invalid UTF-8 becomes U+FFFD, as the renderer would show it), or
    /// nil when it cannot be read.
    static func read(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Opens `url` with `$BROWSER` or `xdg-open`, saying so; tells the user to open it
    /// when neither works.
    static func openBrowser(_ url: String) {
        let command = ProcessInfo.processInfo.environment["BROWSER"].flatMap { $0.isEmpty ? nil : $0 } ?? "xdg-open"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command, url]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
            StandardError.write("mdpreview: opened the page with \(command)")
        } catch {
            StandardError.write("mdpreview: could not run \(command) (\(error)); open the URL above in a browser")
        }
    }
}
