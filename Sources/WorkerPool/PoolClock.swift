public import Primitives
import Synchronization

/// The pool's notion of "now": a monotonic instant from an arbitrary origin.
///
/// The pool reads it to stamp submissions (virtual deadlines, queue-wait statistics),
/// starts and ends of executions (run-time statistics, timeouts) and events. The package's tests inject
/// a manual clock to make all of those deterministic. Waits with a timeout
/// (``WorkerPool/waitUntilIdle(timeout:)``, ``TaskHandle/wait(timeout:)``, the watchdog
/// interval) are measured in real monotonic time whatever the clock.
public protocol PoolClock: Sendable {
    /// The current instant. Must never decrease.
    var now: MonotonicInstant { get }
}

/// The production clock: `CLOCK_MONOTONIC` (unaffected by wall-clock changes).
struct SystemPoolClock: PoolClock {
    /// Creates the monotonic system clock.
    init() {}

    /// ``MonotonicInstant/now``.
    var now: MonotonicInstant { .now }
}

/// A clock that only moves when told to: for deterministic tests of aging, queue-wait
/// statistics and timeouts. Thread-safe.
package final class ManualPoolClock: PoolClock, Sendable {
    private let reading: Atomic<Int64>

    /// Creates a clock reading `start` after the origin.
    package init(start: Duration = .zero) {
        reading = Atomic(max(0, start.nanosecondsClamped))
    }

    /// The current reading.
    package var now: MonotonicInstant { MonotonicInstant(nanoseconds: reading.load(ordering: .acquiring)) }

    /// Moves the clock forward by `duration` (negative durations are ignored).
    package func advance(by duration: Duration) {
        reading.wrappingAdd(max(0, duration.nanosecondsClamped), ordering: .acquiringAndReleasing)
    }
}
