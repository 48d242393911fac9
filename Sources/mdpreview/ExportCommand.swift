import ArgumentParser
import Dispatch
import Foundation
import Primitives
import SiteExport
import TaskService
#if canImport(Glibc)
import Glibc
#endif

/// `mdpreview export SRC --out DST`: a folder of Markdown as a static site.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a folder of Markdown files to a static HTML site.",
        discussion: """
        Every Markdown file under SRC becomes a page (the preview's style, its first \
        heading as title, links to other Markdown files pointing at their pages), every \
        other file is copied, and an index lists the pages. Hidden files are left out. \
        The site is written beside DST and replaces it in one step at the end, so an \
        interrupted, failed or killed export leaves DST as it was. DST must be new, empty, \
        or an earlier export. Each page renders in a worker process within the render \
        limits; a page that fails is listed and left out, unless --strict. Progress goes \
        to standard error; Ctrl-C cancels. See Docs/TASKS.md.

        Exit status: 0 done; 65 some pages failed (listed; with --strict nothing was \
        written); 66 SRC is missing or not a folder; 73 DST cannot be replaced; 64 one \
        folder is inside the other; 74 a write failed; 75 timed out; 130 interrupted.
        """
    )

    @Argument(help: "The folder of Markdown files.")
    var source: String

    @Option(name: .customLong("out"), help: "The folder to write the site to.")
    var destination: String

    @Flag(help: "Fail the whole export when one page fails to render.")
    var strict = false

    @Option(help: "Give up after this many seconds.")
    var timeoutSeconds = 180

    @OptionGroup var flags: RenderFlags

    @OptionGroup var renderLimits: StdioRenderLimits

    func validate() throws {
        guard timeoutSeconds > 0 else { throw ValidationError("--timeout-seconds must be positive") }
        try flags.validate()
        try renderLimits.validate()
    }

    func run() throws {
        let locations: ExportLocations
        do {
            locations = try ExportLocations.resolve(source: source, destination: destination, roots: ["/"], base: FileManager.default.currentDirectoryPath)
        } catch {
            StandardError.write("mdpreview: \(error)")
            throw ExitCode(Self.exitCode(for: error))
        }
        let tasks = TaskService(configuration: .init(concurrentTasks: 1))
        let export = SiteExport(locations: locations, renderer: renderLimits.pageRenderer(options: flags.options(defaultProfile: .github)), strict: strict)
        let id = try tasks.submit(export, timeout: .seconds(timeoutSeconds))
        guard let events = tasks.events(of: id) else { throw ExitCode(SysExits.software) }
        let bar = ProgressBar(terminal: isatty(2) == 1)
        // The task may be under way before its events are followed: 0% is shown first, whatever the first event says.
        bar.show(.init(fraction: 0, message: "starting"))
        let finished = DispatchSemaphore(value: 0)
        let final = Locked<TaskStatus?>(nil)
        Task {
            for await event in events {
                if let status = event.status { bar.show(status.progress) }
                if event.isFinal { final.withLock { $0 = event.status } }
            }
            finished.signal()
        }
        let interrupted = Locked<Int32?>(nil)
        let signals = [SIGINT, SIGTERM].map { (number: Int32) -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let second = interrupted.withLock { earlier in
                    defer { earlier = earlier ?? number }
                    return earlier != nil
                }
                if second { Glibc.exit(128 + number) }   // a second Ctrl-C: stop now
                bar.finish()
                StandardError.write("mdpreview: cancelling the export (\(locations.destination) is left as it was); Ctrl-C again to quit at once")
                _ = tasks.cancel(id)
            }
            source.resume()
            return source
        }
        withExtendedLifetime(signals) { finished.wait() }
        bar.finish()
        try report(final.withLock { $0 }, interruptedBy: interrupted.withLock { $0 })
    }

    private func report(_ status: TaskStatus?, interruptedBy signalNumber: Int32?) throws {
        guard let status else { throw ExitCode(SysExits.software) }
        switch status.state {
        case .completed:
            guard let report = status.result as? ExportReport else { throw ExitCode(SysExits.software) }
            for failure in report.failures { StandardError.write("mdpreview: \(failure.file): \(failure.error)") }
            StandardError.write("mdpreview: wrote \(report.pages) pages and \(report.assets) other files to \(report.destination) (index: \(report.index))"
                + (report.failures.isEmpty ? "" : "; \(report.failures.count) files left out"))
            if !report.failures.isEmpty { throw ExitCode(SysExits.dataError) }
        case .cancelled:
            StandardError.write("mdpreview: export cancelled; \(destination) is unchanged")
            throw ExitCode(128 + (signalNumber ?? SIGINT))
        case .timedOut:
            StandardError.write("mdpreview: export \(status.error ?? "timed out"); \(destination) is unchanged")
            throw ExitCode(75)
        case .failed, .queued, .running:
            StandardError.write("mdpreview: export failed: \(status.error ?? "unknown error"); \(destination) is unchanged")
            if case .pageFailed? = status.failure as? SiteWriteError { throw ExitCode(SysExits.dataError) }
            throw ExitCode(SysExits.ioError)
        }
    }

    static func exitCode(for error: ExportPathError) -> Int32 {
        switch error {
        case .missing("source", _), .notAFolder("source", _), .invalid("source"): SysExits.noInput
        case .destinationInsideSource, .sourceInsideDestination, .outsideRoots: 64
        default: 73
        }
    }
}
