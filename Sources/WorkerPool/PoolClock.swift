#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Atomics

/// The pool's notion of "now": a monotonic count of nanoseconds from an arbitrary origin.
///
/// The pool reads it to stamp submissions (virtual deadlines, queue-wait statistics),
/// starts and ends of executions (run-time statistics, timeouts) and events. Inject a
/// ``ManualPoolClock`` to make all of those deterministic in tests.
public protocol PoolClock: Sendable {
    /// Nanoseconds since the clock's origin. Must never decrease.
    var now: UInt64 { get }
}

/// The production clock: `CLOCK_MONOTONIC` (unaffected by wall-clock changes).
public struct SystemPoolClock: PoolClock {
    /// Creates the monotonic system clock.
    public init() {}

    /// Nanoseconds of `CLOCK_MONOTONIC`.
    public var now: UInt64 { SystemPoolClock.monotonicNanoseconds() }

    @inline(__always)
    static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }
}

/// A clock that only moves when told to: for deterministic tests of aging, queue-wait
/// statistics and timeouts. Thread-safe.
public final class ManualPoolClock: PoolClock, Sendable {
    private let reading: ManagedAtomic<UInt64>

    /// Creates a clock reading `start`.
    public init(start: Duration = .zero) {
        reading = ManagedAtomic(nanoseconds(start))
    }

    /// The current reading in nanoseconds.
    public var now: UInt64 { reading.load(ordering: .acquiring) }

    /// Moves the clock forward by `duration` (negative durations are ignored).
    public func advance(by duration: Duration) {
        reading.wrappingIncrement(by: nanoseconds(duration), ordering: .acquiringAndReleasing)
    }
}
