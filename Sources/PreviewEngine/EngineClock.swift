public import Primitives

/// The instant type of engine time (defined in `Primitives`, shared with the pool).
public typealias MonotonicInstant = Primitives.MonotonicInstant

/// The engine's source of time: the package's clock (``PreviewClock``: now, timers,
/// sleeps) plus how a render's cost is charged.
///
/// ``SystemEngineClock`` is real time. ``ManualEngineClock`` is virtual time that moves
/// only when its owner advances it; tests and the trace replay drive the engine with it
/// deterministically.
package protocol EngineClock: PreviewClock {
    /// Runs `work` (a render) and returns how long it took as this clock counts time.
    func measureRender(_ work: () -> Void) -> Duration

    /// Runs `completion` once the work measured as `duration` is over in this clock's
    /// time: at once for a real clock (the time has passed), at `now + duration` for a
    /// virtual clock whose time stood still while the work ran.
    func completeWork(after duration: Duration, _ completion: @escaping @Sendable () -> Void)
}

/// Real monotonic time: ``SystemClock``, charging renders the time they took.
package struct SystemEngineClock: EngineClock {
    private let clock = SystemClock()

    /// The system clock.
    package init() {}

    package var now: MonotonicInstant { clock.now }

    package func schedule(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer {
        clock.schedule(at: deadline, action)
    }

    package func sleep(until deadline: MonotonicInstant, tolerance: Duration? = nil) async throws {
        try await clock.sleep(until: deadline, tolerance: tolerance)
    }

    package func measureRender(_ work: () -> Void) -> Duration {
        let start = now
        work()
        return start.duration(to: now)
    }

    package func completeWork(after duration: Duration, _ completion: @escaping @Sendable () -> Void) {
        completion()
    }
}

/// Virtual time: a ``ManualClock`` whose renders are charged ``renderDuration``: by
/// default the real time the work took (a replay that charges each render what it
/// really costs), or a fixed figure for deterministic tests.
package final class ManualEngineClock: EngineClock {
    /// The virtual time itself; advance it to move the engine's time.
    package let manual: ManualClock
    private let simulatedRenderDuration = Locked<Duration?>(nil)

    /// A clock reading `start`; renders are charged their real duration.
    package init(start: MonotonicInstant = .zero) {
        manual = ManualClock(start: start)
    }

    /// A fixed duration to charge every render, or nil to charge the real time it took.
    package var renderDuration: Duration? {
        get { simulatedRenderDuration.withLock { $0 } }
        set { simulatedRenderDuration.withLock { $0 = newValue } }
    }

    package var now: MonotonicInstant { manual.now }

    /// The earliest armed deadline, if any timer is armed.
    package var nextDeadline: MonotonicInstant? { manual.nextDeadline }

    package func schedule(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer {
        manual.schedule(at: deadline, action)
    }

    package func measureRender(_ work: () -> Void) -> Duration {
        let measured = SystemClock().measure(work)
        return renderDuration ?? measured
    }

    package func completeWork(after duration: Duration, _ completion: @escaping @Sendable () -> Void) {
        _ = schedule(at: now.advanced(by: duration), completion)
    }

    /// ``ManualClock/advance(to:settle:)``.
    package func advance(to target: MonotonicInstant, settle: () -> Void = {}) {
        manual.advance(to: target, settle: settle)
    }

    /// ``ManualClock/advance(by:settle:)``.
    package func advance(by duration: Duration, settle: () -> Void = {}) {
        manual.advance(by: duration, settle: settle)
    }
}
