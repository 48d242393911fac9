// pool-bench: the ThreadPool against Dispatch on what the engine asks of it.
//
//   ./dev bench pool [high-wait] [--renders N] [--interval-ms I] ...   (the default)
//   ./dev bench pool noop [--tasks N] [--rounds R]                     (for the record)
//
// high-wait: while LOW (autosave-like) and IDLE (statistics-like) tasks keep every thread
// busy, a HIGH render is submitted every I ms; the wait from its submit to its start and
// from its submit to its end is recorded. The same load runs on Dispatch's global queues
// with the matching QoS (utility, background, userInitiated), in the same process,
// alternating rounds. All work is CPU spinning for fixed durations.
//
// noop: N empty closures through the pool and through DispatchQueue.global(), timed from
// the first submit until all have finished. Not a target: the engine never submits
// empty closures; kept to record what the simpler core costs.

import ArgumentParser
import Dispatch
import Foundation
import Histogram
import Primitives
import Synchronization
import ThreadPool

@main
struct PoolBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pool-bench",
        abstract: "ThreadPool against Dispatch: a HIGH render's wait under LOW and IDLE load; no-op throughput.",
        subcommands: [HighWait.self, NoOp.self],
        defaultSubcommand: HighWait.self
    )
}

/// Spins the CPU for `duration` (work that cannot be overlapped by sleeping).
func spin(for duration: Duration) {
    let end = MonotonicInstant.now.advanced(by: duration)
    while MonotonicInstant.now < end {}
}

/// Waits of one side: submit → start and submit → end, in nanoseconds.
struct Waits {
    var start = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    var end = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
    var renders = 0
    var coalesced = 0

    mutating func add(_ other: Waits) {
        start.add(other.start)
        end.add(other.end)
        renders += other.renders
        coalesced += other.coalesced
    }

    func ms(_ histogram: Histogram<UInt64>, _ percentile: Double) -> Double {
        Double(histogram.valueAtPercentile(percentile)) / 1e6
    }
}
