import Dispatch

/// Real monotonic time (`CLOCK_MONOTONIC`, unaffected by changes of the wall clock), with
/// timers on a private serial queue.
public struct SystemClock: PreviewClock {
    private static let timerQueue = DispatchQueue(label: "PreviewEngine.timers")

    /// The system clock.
    public init() {}

    /// ``MonotonicInstant/now``.
    public var now: MonotonicInstant { .now }

    public func schedule(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer {
        let timer = CancellableTimer(action)
        let delay = max(0, deadline.nanoseconds - now.nanoseconds)
        Self.timerQueue.asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: delay))) { timer.fire() }
        return timer
    }

    /// Sleeps on the standard `SuspendingClock` (also `CLOCK_MONOTONIC` on Linux).
    public func sleep(until deadline: MonotonicInstant, tolerance: Duration? = nil) async throws {
        try await Task.sleep(for: now.duration(to: deadline), tolerance: tolerance, clock: .suspending)
    }
}
