public import MarkdownRenderer
public import Primitives
#if canImport(Glibc)
import Glibc
#endif

/// Renders Markdown in a small pool of worker processes with hard limits: each render
/// has a deadline that grows with its input and each worker a memory cap
/// (``RenderLimits``); a render over either is killed and throws ``RenderFailure``. The
/// deadline is a timer on the pool's clock that kills the worker: a manual clock decides
/// every timeout of a test.
///
/// Workers (`EXECUTABLE render-worker`, the package's `mdpreview`) are started lazily,
/// at most `workerCount` of them, reused from render to render, and replaced when one
/// dies; each is single-threaded with its own copy of libcmark-gfm's globals, so no lock
/// spans workers and N renders run on N cores. A worker dies with this process, also
/// when it is SIGKILLed (`PR_SET_PDEATHSIG`). See `Docs/RENDER_WORKERS.md`.
///
/// Thread-safe. A render waits for a free worker when `workerCount` renders run.
public final class RenderWorkerPool: Sendable {
    /// The limits every render gets.
    public let limits: RenderLimits
    /// The most worker processes at once.
    public let workerCount: Int
    private let executable: String
    private let clock: any PreviewClock
    private let workerArguments: [String]
    private let requestSent: @Sendable (_ worker: Int32) -> Void
    private let state = Locked(State())

    private struct State: Sendable {
        var idle: [WorkerProcess] = []
        /// Workers lent to a render (or being started for one).
        var busy: [ObjectIdentifier: WorkerProcess] = [:]
        var starting = 0
        var isShutDown = false
        var counters = Counters()
    }

    /// How many workers the pool started and how renders ended.
    package struct Counters: Sendable, Hashable {
        /// Worker processes started.
        package var started = 0
        /// Renders that failed (each one's worker is gone).
        package var failed = 0
        /// Renders that returned HTML.
        package var rendered = 0
    }

    /// A pool of at most `workerCount` workers running `executable render-worker`, whose
    /// deadlines are measured by `clock`.
    public convenience init(
        executable: String, workerCount: Int = RenderWorkerPool.defaultWorkerCount, limits: RenderLimits = RenderLimits(),
        clock: any PreviewClock = SystemClock()
    ) {
        self.init(executable: executable, workerCount: workerCount, limits: limits, clock: clock, testHangMarker: nil)
    }

    /// A pool for tests: workers also hang until killed on any input that contains
    /// `testHangMarker` (`render-worker --test-hang-on`), and `requestSent` hears of each
    /// request once it is wholly in its worker's pipe (the worker's pid).
    package init(
        executable: String, workerCount: Int = RenderWorkerPool.defaultWorkerCount, limits: RenderLimits = RenderLimits(),
        clock: any PreviewClock = SystemClock(), testHangMarker: String?, requestSent: @escaping @Sendable (_ worker: Int32) -> Void = { _ in }
    ) {
        self.executable = executable
        self.workerCount = max(1, workerCount)
        self.limits = limits
        self.clock = clock
        self.workerArguments = testHangMarker.map { ["--test-hang-on", $0] } ?? []
        self.requestSent = requestSent
    }

    deinit { shutdown() }

    /// One worker per core.
    public static var defaultWorkerCount: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// The render worker program to use when none is named: `$PREVIEWENGINE_RENDER_WORKER`,
    /// else `mdpreview` beside the running executable, else `mdpreview` on `PATH`; nil
    /// when there is none.
    public static func locateExecutable() -> String? {
        var candidates: [String] = []
        if let named = getenv("PREVIEWENGINE_RENDER_WORKER") { candidates.append(String(cString: named)) }
        if let executable = ownExecutablePath(), let slash = executable.lastIndex(of: "/") {
            candidates.append(executable[..<slash] + "/mdpreview")
        }
        if let searchPath = getenv("PATH") {
            candidates += String(cString: searchPath).split(separator: ":").map { $0 + "/mdpreview" }
        }
        return candidates.first { access($0, X_OK) == 0 }
    }

    /// Renders `markdown` with `options` in a worker; throws when the render exceeds its
    /// limits, its worker dies, or the pool is shut down.
    public func render(_ markdown: String, options: RenderOptions) throws(RenderFailure) -> String {
        var markdown = markdown
        let result = markdown.withUTF8 { bytes in
            Result { () throws(RenderFailure) in try renderUTF8(UnsafeRawBufferPointer(bytes), options: options) }
        }
        return try result.get().withUnsafeBufferPointer(MarkdownRenderer.string(fromValidUTF8:))
    }

    /// Renders raw bytes (invalid UTF-8 and NUL become U+FFFD) to the UTF-8 bytes of the
    /// HTML in a worker.
    public func renderUTF8(_ markdown: UnsafeRawBufferPointer, options: RenderOptions) throws(RenderFailure) -> [UInt8] {
        try request(.html, of: markdown, options: options)
    }

    /// `MarkdownRenderer.parseBlocks` of raw bytes, in a worker, within the same limits
    /// as a render.
    public func parseBlocks(_ markdown: UnsafeRawBufferPointer, options: RenderOptions) throws(RenderFailure) -> BlockParse {
        let reply = try request(.blocks, of: markdown, options: options)
        do throws(WorkerFrame.DecodingError) {
            return try WorkerFrame.decodeBlocks(reply)
        } catch {
            throw .crash("the worker sent malformed blocks (\(error))")
        }
    }

    /// Sends one request to a worker and returns the reply's payload.
    private func request(_ kind: WorkerFrame.RequestKind, of markdown: UnsafeRawBufferPointer, options: RenderOptions) throws(RenderFailure) -> [UInt8] {
        do throws(RenderFailure) {
            let deadline = limits.deadline(forInputBytes: markdown.count)
            func attempt(_ worker: WorkerProcess) -> Result<[UInt8], RenderFailure> {
                defer { checkIn(worker) }
                return Result { () throws(RenderFailure) in
                    try worker.render(markdown, options: options, kind: kind, deadline: deadline, clock: clock) { requestSent(worker.pid) }
                }
            }
            let first = try checkOut()
            var result = attempt(first)
            if case .failure = result, first.exitedBeforeRequest {
                // Killed from outside while idle, after the check: not this text's fault.
                result = attempt(try checkOut())
            }
            let html = try result.get()
            state.withLock { $0.counters.rendered += 1 }
            return html
        } catch {
            let shutDown = state.withLock { state in
                state.counters.failed += 1
                return state.isShutDown
            }
            throw shutDown ? .crash("the render workers were shut down") : error
        }
    }

    /// Kills every worker, also those rendering (their renders throw), and refuses later
    /// renders. Idempotent; returns once the idle workers are reaped.
    public func shutdown() {
        let idle = state.withLock { state -> [WorkerProcess] in
            state.isShutDown = true
            for worker in state.busy.values { worker.kill() }
            defer { state.idle = [] }
            return state.idle
        }
        state.broadcast()
        for worker in idle { worker.stop() }
    }

    /// What the pool started and how renders ended.
    package var counters: Counters { state.withLock { $0.counters } }

    /// The process ids of the running workers, idle or busy.
    package var workerProcessIDs: [Int32] {
        state.withLock { state in (state.idle + state.busy.values).map(\.pid) }
    }

    /// An idle worker that still runs, or a new one when fewer than `workerCount` exist;
    /// waits for one to come back otherwise.
    private func checkOut() throws(RenderFailure) -> WorkerProcess {
        enum Next { case reuse(WorkerProcess, dead: [WorkerProcess]), start(dead: [WorkerProcess]), shutDown }
        let next = state.withLock(waitingUntil: { state in
            state.isShutDown || !state.idle.isEmpty || state.busy.count + state.starting < self.workerCount
        }) { state, _ -> Next in
            guard !state.isShutDown else { return .shutDown }
            var dead: [WorkerProcess] = []
            while let worker = state.idle.popLast() {
                if worker.isRunning {
                    state.busy[ObjectIdentifier(worker)] = worker
                    return .reuse(worker, dead: dead)
                }
                dead.append(worker)   // it died while idle (killed from outside): not this render's fault
            }
            state.starting += 1
            return .start(dead: dead)
        }
        switch next {
        case .shutDown:
            throw .crash("the render workers were shut down")
        case .reuse(let worker, let dead):
            for worker in dead { worker.stop() }
            return worker
        case .start(let dead):
            for worker in dead { worker.stop() }
            do throws(RenderFailure) {
                let worker = try WorkerProcess(executable: executable, memoryLimit: limits.memoryLimit, extraArguments: workerArguments)
                let shutDown = state.withLock { state in
                    state.starting -= 1
                    state.counters.started += 1
                    state.busy[ObjectIdentifier(worker)] = worker
                    return state.isShutDown
                }
                if shutDown { worker.kill() }
                return worker
            } catch {
                state.withLock { $0.starting -= 1 }
                state.broadcast()
                throw error
            }
        }
    }

    /// Returns a worker after a render: kept while it runs and the pool is open.
    private func checkIn(_ worker: WorkerProcess) {
        let keep = state.withLock { state in
            state.busy[ObjectIdentifier(worker)] = nil
            guard !state.isShutDown, worker.isRunning else { return false }
            state.idle.append(worker)
            return true
        }
        if !keep { worker.stop() }
        state.broadcast()
    }
}
