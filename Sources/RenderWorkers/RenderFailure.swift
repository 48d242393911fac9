import Primitives

/// Why a render in a worker process produced no HTML.
public enum RenderFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// It ran past its deadline and the worker was killed.
    case timeout(deadline: Duration)
    /// The worker ran out of its memory cap (bytes of growth) and was stopped.
    case memory(limit: Int)
    /// The worker died otherwise (a signal or an exit), could not be started, or the
    /// workers were shut down.
    case crash(String)

    /// The reason as one word, as the protocol spells it: `timeout`, `memory`, `crash`.
    public var kind: String {
        switch self {
        case .timeout: "timeout"
        case .memory: "memory"
        case .crash: "crash"
        }
    }

    /// A sentence for a person.
    public var description: String {
        switch self {
        case .timeout(let deadline):
            "the render took longer than its deadline (\(deadline.nanosecondsClamped / 1_000_000) ms) and was stopped"
        case .memory(let limit):
            "the render needed more than the worker's memory cap (\(limit >> 20) MiB) and was stopped"
        case .crash(let reason):
            "the render worker failed: \(reason)"
        }
    }
}
