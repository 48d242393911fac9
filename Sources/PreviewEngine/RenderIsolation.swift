public import RenderWorkers
import DocumentModel
import IncrementalRender
import MarkdownRenderer

/// Where an engine parses documents.
public enum RenderIsolation: Sendable, Hashable {
    /// In this process with `MarkdownRenderer`, under its process-wide parse lock: no
    /// process start-up or pipes, but no limits either. A parse that takes minutes holds
    /// a pool thread (and the lock) that long, and one that exhausts memory ends the
    /// process.
    case inProcess
    /// In worker processes (`executable render-worker`, the package's `mdpreview`), at
    /// most `count` at once, each render within `limits`: over a limit it is killed and
    /// the document gets `renderFailed`.
    case workers(executable: String, count: Int = RenderWorkerPool.defaultWorkerCount, limits: RenderLimits = RenderLimits())

    /// Workers with the default count and limits when a worker executable is found
    /// (``RenderWorkerPool/locateExecutable()``), in process otherwise.
    public static var automatic: RenderIsolation {
        RenderWorkerPool.locateExecutable().map { .workers(executable: $0) } ?? .inProcess
    }
}

extension PreviewEngine {
    /// When a document's automatic renders stop after failures (see ``CircuitBreaker``
    /// and `Docs/ENGINE.md`, "When renders fail").
    public struct CircuitBreakerSettings: Sendable, Hashable {
        /// Failed renders in a row that pause a document's automatic renders. Default 2.
        public var failureThreshold: Int
        /// The first pause; each failed trial doubles it. Default 10 s.
        public var coolDown: Duration
        /// The longest pause. Default 5 min.
        public var maximumCoolDown: Duration

        /// Settings; every parameter has the default documented on its property.
        public init(failureThreshold: Int = 2, coolDown: Duration = .seconds(10), maximumCoolDown: Duration = .seconds(300)) {
            self.failureThreshold = max(1, failureThreshold)
            self.coolDown = coolDown
            self.maximumCoolDown = max(coolDown, maximumCoolDown)
        }
    }
}

/// The engine's renderer: in process, a pool of worker processes, or (in the package's
/// tests) a function.
enum RenderBackend: Sendable {
    case inProcess
    case workers(RenderWorkerPool)
    case injected(@Sendable (String, RenderOptions) -> Result<BlockParse, RenderFailure>)

    init(_ isolation: RenderIsolation) {
        switch isolation {
        case .inProcess: self = .inProcess
        case .workers(let executable, let count, let limits):
            self = .workers(RenderWorkerPool(executable: executable, workerCount: count, limits: limits))
        }
    }

    /// Brings `blocks` to `snapshot`, re-parsing what `changes` touched (or everything),
    /// and returns the patch, or why there is none (then `blocks` is unchanged).
    func update(_ blocks: inout IncrementalDocument, to snapshot: TextSnapshot, changes: TextChanges?, with renderer: MarkdownRenderer) -> Result<BlockPatch, RenderFailure> {
        let options = renderer.options
        switch self {
        case .inProcess:
            return .success(blocks.update(to: snapshot, version: snapshot.version, changes: changes) { renderer.parseBlocks(utf8: $0) })
        case .workers(let pool):
            return Result { () throws(RenderFailure) in
                try blocks.update(to: snapshot, version: snapshot.version, changes: changes) { bytes throws(RenderFailure) in
                    try pool.parseBlocks(UnsafeRawBufferPointer(bytes), options: options)
                }
            }
        case .injected(let parse):
            return Result { () throws(RenderFailure) in
                try blocks.update(to: snapshot, version: snapshot.version, changes: changes) { bytes throws(RenderFailure) in
                    try parse(String(decoding: bytes, as: UTF8.self), options).get()
                }
            }
        }
    }

    /// Kills the workers (a render still running in one fails).
    func shutdown() {
        if case .workers(let pool) = self { pool.shutdown() }
    }
}
