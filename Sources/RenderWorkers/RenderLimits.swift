/// The hard limits of one render in a worker process: a deadline that grows with the
/// input, and a cap on how far the worker's address space may grow.
public struct RenderLimits: Sendable, Hashable {
    /// The deadline of an empty input. Default 1 s.
    public var baseDeadline: Duration
    /// What each KiB of input adds to the deadline. Default 2 ms (a 1 MiB document gets
    /// 1 s + 2.048 s; libcmark-gfm parses ordinary Markdown at about 50 MB/s here).
    public var deadlinePerKiB: Duration
    /// The bytes a worker's address space may grow by beyond what it maps at start
    /// (`RLIMIT_AS`). Default 1 GiB.
    public var memoryLimit: Int

    /// Limits; every parameter has the default documented on its property.
    public init(baseDeadline: Duration = .seconds(1), deadlinePerKiB: Duration = .milliseconds(2), memoryLimit: Int = 1 << 30) {
        self.baseDeadline = baseDeadline
        self.deadlinePerKiB = deadlinePerKiB
        self.memoryLimit = memoryLimit
    }

    /// The deadline of a render of `byteCount` bytes of input.
    public func deadline(forInputBytes byteCount: Int) -> Duration {
        baseDeadline + deadlinePerKiB * (byteCount / 1024)
    }
}
