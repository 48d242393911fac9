import ArgumentParser
import PreviewEngine
import RenderWorkers
import MarkdownRenderer
import SiteExport

/// Where `mdpreview stdio` renders, and the limits of each render.
struct StdioRenderLimits: ParsableArguments {
    @Flag(help: "Render in this process, without deadlines or memory caps (default: in worker processes).")
    var inProcess = false

    @Option(help: "Render worker processes (default: one per core).")
    var renderWorkers = RenderWorkerPool.defaultWorkerCount

    @Option(help: "A render's deadline in milliseconds for an empty document; --render-ms-per-kib is added per KiB of text.")
    var renderTimeoutMs = 1_000

    @Option(help: "Milliseconds of deadline per KiB of text.")
    var renderMsPerKib = 2

    @Option(help: "How far a render worker's memory may grow, in MiB.")
    var renderMemoryMb = 1_024

    func validate() throws {
        guard renderWorkers > 0 else { throw ValidationError("--render-workers must be positive") }
        guard renderTimeoutMs > 0 else { throw ValidationError("--render-timeout-ms must be positive") }
        guard renderMsPerKib >= 0 else { throw ValidationError("--render-ms-per-kib must not be negative") }
        guard (1...(1 << 30)).contains(renderMemoryMb) else { throw ValidationError("--render-memory-mb must be between 1 and \(1 << 30)") }
    }

    /// The engine's isolation: workers running this executable, or in process.
    var isolation: RenderIsolation {
        if inProcess { return .inProcess }
        return .workers(
            executable: RenderCommand.executablePath, count: renderWorkers,
            limits: RenderLimits(
                baseDeadline: .milliseconds(renderTimeoutMs), deadlinePerKiB: .milliseconds(renderMsPerKib),
                memoryLimit: renderMemoryMb << 20
            )
        )
    }

    /// How an export renders its pages: in this executable's worker processes within
    /// the limits, or in this process.
    func pageRenderer(options: RenderOptions) -> PageRenderer {
        guard case .workers(let executable, let count, let limits) = isolation else { return .inProcess(options: options) }
        return .workers(executable: executable, workerCount: count, limits: limits, options: options)
    }
}
