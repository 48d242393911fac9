import Histogram

/// A snapshot of the pool's counters and latency distributions
/// (``WorkerPool/statistics``).
///
/// Every accepted submission is counted once in `submitted` and, at any instant, in
/// exactly one of `queued`, `running` or the five terminal counters, so
/// `submitted == totalQueued + running + completed + failed + cancelled + coalesced +
/// superseded + timedOut` holds for every snapshot.
public struct PoolStatistics: Sendable {
    /// Accepted submissions (rejected ones — after shutdown, or `submitIfIdle` refused —
    /// are not counted).
    public var submitted: Int
    /// Executions begun.
    public var started: Int
    /// Tasks that delivered a value.
    public var completed: Int
    /// Tasks that threw.
    public var failed: Int
    /// Tasks cancelled by request or by shutdown, queued or running.
    public var cancelled: Int
    /// Queued tasks replaced by a newer submission with the same key.
    public var coalesced: Int
    /// Running tasks superseded by a newer submission with the same key.
    public var superseded: Int
    /// Tasks that ran past their timeout.
    public var timedOut: Int
    /// Queued tasks per priority (every level present, zero included).
    public var queued: [PoolPriority: Int]
    /// Tasks in state ``TaskState/running``.
    public var running: Int
    /// Workers still executing a closure whose task timed out (they were detached from
    /// the pool and, capacity permitting, replaced).
    public var stuckWorkers: Int
    /// Replacement workers started so far because of timeouts.
    public var replacementWorkersStarted: Int
    /// Time from submission to start, over every started execution.
    public var queueWait: LatencySummary
    /// Time from start to the closure's return, over every execution that returned.
    public var runTime: LatencySummary

    /// Sum of `queued` over all priorities.
    public var totalQueued: Int { queued.values.reduce(0, +) }

    /// Tasks in a terminal state.
    public var terminated: Int { completed + failed + cancelled + coalesced + superseded + timedOut }

    /// `completed / terminated`: the share of finished tasks that delivered a value
    /// (0 when nothing has ended yet).
    public var completionRate: Double {
        terminated == 0 ? 0 : Double(completed) / Double(terminated)
    }
}

/// Percentiles of a latency distribution, from an HdrHistogram with two significant
/// digits (values are exact to within 1%).
public struct LatencySummary: Sendable, Hashable {
    /// Number of recorded values.
    public var count: Int
    /// Median.
    public var p50: Duration
    /// 90th percentile.
    public var p90: Duration
    /// 99th percentile.
    public var p99: Duration
    /// Largest recorded value.
    public var max: Duration

    /// Summarises `histogram`, whose values are nanoseconds.
    init(_ histogram: Histogram<UInt64>) {
        count = Int(histogram.totalCount)
        if histogram.totalCount == 0 {
            p50 = .zero
            p90 = .zero
            p99 = .zero
            max = .zero
        } else {
            p50 = .nanoseconds(Int64(clamping: histogram.valueAtPercentile(50)))
            p90 = .nanoseconds(Int64(clamping: histogram.valueAtPercentile(90)))
            p99 = .nanoseconds(Int64(clamping: histogram.valueAtPercentile(99)))
            max = .nanoseconds(Int64(clamping: histogram.max))
        }
    }
}
