import Histogram

/// A snapshot of the pool's counters and latency distributions
/// (``ThreadPool/statistics``).
///
/// Every accepted submission is counted once in `submitted` and, at any instant, in
/// exactly one of `queued`, `running` or the four terminal counters, so
/// `submitted == totalQueued + running + completed + failed + cancelled + coalesced`
/// holds for every snapshot.
package struct PoolStatistics: Sendable {
    /// Accepted submissions (ones rejected after shutdown are not counted).
    package var submitted: Int
    /// Executions begun.
    package var started: Int
    /// Tasks that delivered a value.
    package var completed: Int
    /// Tasks that threw.
    package var failed: Int
    /// Tasks cancelled by request or by shutdown, queued or running.
    package var cancelled: Int
    /// Queued tasks replaced by a newer submission with the same key.
    package var coalesced: Int
    /// Queued tasks per priority (every level present, zero included).
    package var queued: [PoolPriority: Int]
    /// Tasks in state ``TaskState/running``.
    package var running: Int
    /// Time from submission to start, over every started execution.
    package var queueWait: LatencySummary
    /// Time from start to the closure's return, over every execution that returned.
    package var runTime: LatencySummary

    /// Sum of `queued` over all priorities.
    package var totalQueued: Int { queued.values.reduce(0, +) }

    /// Tasks in a terminal state.
    package var terminated: Int { completed + failed + cancelled + coalesced }

    /// `completed / terminated`: the share of finished tasks that delivered a value
    /// (0 when nothing has ended yet).
    package var completionRate: Double {
        terminated == 0 ? 0 : Double(completed) / Double(terminated)
    }
}

/// Percentiles of a latency distribution, from an HdrHistogram with two significant
/// digits (values are exact to within 1%).
package struct LatencySummary: Sendable, Hashable {
    /// Number of recorded values.
    package var count: Int
    /// Median.
    package var p50: Duration
    /// 90th percentile.
    package var p90: Duration
    /// 99th percentile.
    package var p99: Duration
    /// Largest recorded value.
    package var max: Duration

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
