/// One task as a ``TaskService`` knows it at one moment: what ``TaskService/status(of:)``
/// returns and what every ``TaskEvent`` carries. Encodes as the JSON object of
/// `Docs/TASKS.md`.
public struct TaskStatus: Sendable, Encodable {
    /// The task's identifier (16 hexadecimal digits, random).
    public let id: String
    /// The kind of task (``LongTask/kind``).
    public let kind: String
    /// Where it is.
    public let state: TaskState
    /// What it works on (``LongTask/parameters``).
    public let parameters: [String: String]
    /// The last progress reported: a fraction in 0…1, a message, or both.
    public let progress: Progress
    /// How long it waited and ran, and its limit.
    public let timings: Timings
    /// The result, once completed.
    public let result: (any Encodable & Sendable)?
    /// Why it failed, was cancelled or timed out.
    public let error: String?
    /// What a failed task threw, for callers that act on its type (not encoded: `error`
    /// is its description).
    public let failure: (any Error)?

    /// Progress as last reported.
    public struct Progress: Sendable, Encodable, Hashable {
        /// Completed fraction, 0…1, if the task reports one.
        public var fraction: Double?
        /// What it is doing, if it says.
        public var message: String?

        /// A progress report.
        public init(fraction: Double? = nil, message: String? = nil) {
            self.fraction = fraction
            self.message = message
        }
    }

    /// Durations in milliseconds, measured by the service's clock.
    public struct Timings: Sendable, Encodable, Hashable {
        /// From submission to start (or to now, or to cancellation, when it never started).
        public var queuedMs: Double
        /// From start to end (or to now), nil before it starts.
        public var runningMs: Double?
        /// The timeout of its run.
        public var timeoutMs: Double
        /// Wall-clock seconds since 1970 of its submission.
        public var submittedAt: Double

        enum CodingKeys: String, CodingKey {
            case queuedMs = "queued_ms", runningMs = "running_ms", timeoutMs = "timeout_ms", submittedAt = "submitted_at"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, state, parameters, progress, timings, result, error
    }

    /// Encodes every field; `result` and `error` as null when absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(kind, forKey: .kind)
        try container.encode(state, forKey: .state)
        try container.encode(parameters, forKey: .parameters)
        try container.encode(progress, forKey: .progress)
        try container.encode(timings, forKey: .timings)
        if let result { try result.encode(to: container.superEncoder(forKey: .result)) } else { try container.encodeNil(forKey: .result) }
        try container.encode(error, forKey: .error)
    }
}
