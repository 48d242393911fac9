// Where replay parses: the same choice the engine and mdpreview make.

import PreviewEngine
import RenderWorkers

enum RendererChoice {
    /// The engine's isolation for `--renderer NAME`, with as many workers as pool threads.
    static func isolation(named name: String, workers: Int, charge: RenderCharge) throws(ReplayError) -> RenderIsolation {
        switch name {
        case "in-process":
            return .inProcess
        case "workers":
            // A worker's parse runs in another process: this thread's CPU time does not see it.
            guard charge == .wall else { throw ReplayError.usage("--render-time cpu measures this process's thread; use it with --renderer in-process") }
            guard let executable = RenderWorkerPool.locateExecutable() else {
                throw ReplayError.usage("--renderer workers needs mdpreview beside replay, on PATH or in PREVIEWENGINE_RENDER_WORKER (./dev bench builds it)")
            }
            return .workers(executable: executable, count: workers)
        default:
            throw ReplayError.usage("--renderer must be workers or in-process")
        }
    }
}
