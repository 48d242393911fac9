import Dispatch
public import Primitives
package import WorkerPool

/// The instant type of engine time (defined in `Primitives`, shared with the pool).
public typealias MonotonicInstant = Primitives.MonotonicInstant

/// A timer armed with ``EngineClock/schedule(at:_:)``.
package protocol ScheduledTimer: Sendable {
    /// Stops the action from running if it has not started. Idempotent.
    func cancel()
}

/// The engine's source of time: what time it is, timers, and how long a render took.
///
/// ``SystemEngineClock`` is real time. ``ManualEngineClock`` is virtual time that moves
/// only when its owner advances it; tests and the trace replay drive the engine with it
/// deterministically.
package protocol EngineClock: PoolClock {

    /// Runs `action` once at `deadline` (at once, asynchronously, if it has passed),
    /// unless the returned timer is cancelled first. Actions never run on the calling
    /// thread inside this call.
    func schedule(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer

    /// Runs `work` (a render) and returns how long it took as this clock counts time.
    func measure(_ work: () -> Void) -> Duration

    /// Runs `completion` once the work measured as `duration` is over in this clock's
    /// time: at once for a real clock (the time has passed), at `now + duration` for a
    /// virtual clock whose time stood still while the work ran.
    func completeWork(after duration: Duration, _ completion: @escaping @Sendable () -> Void)
}

/// Real monotonic time (`CLOCK_MONOTONIC`), with timers on a private serial queue.
package struct SystemEngineClock: EngineClock {
    private let timerQueue = DispatchQueue(label: "PreviewEngine.timers")

    /// The system clock.
    package init() {}

    package var now: MonotonicInstant { .now }

    package func schedule(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer {
        let timer = CancellableTimer(action)
        let delay = max(0, deadline.nanoseconds - now.nanoseconds)
        timerQueue.asyncAfter(deadline: .now() + .nanoseconds(Int(delay))) { timer.fire() }
        return timer
    }

    package func measure(_ work: () -> Void) -> Duration {
        let start = now
        work()
        return start.duration(to: now)
    }

    package func completeWork(after duration: Duration, _ completion: @escaping @Sendable () -> Void) {
        completion()
    }
}

/// Virtual time for tests and discrete-event replays: it stands still until
/// ``advance(to:settle:)`` or ``advance(by:settle:)`` moves it, running due timers in
/// deadline order (ties in the order they were armed) on the advancing thread.
///
/// Render durations come from ``renderDuration``: by default the real time the work took
/// (a replay that charges each render what it really costs), or a fixed figure for
/// deterministic tests.
package final class ManualEngineClock: EngineClock {
    private struct Entry {
        let deadline: MonotonicInstant
        let sequence: UInt64
        let timer: CancellableTimer
    }

    private struct State {
        var now: MonotonicInstant
        var sequence: UInt64 = 0
        var entries: [Entry] = []
        var simulatedRenderDuration: Duration?
    }

    private let state: Locked<State>

    /// A clock reading `start`; renders are charged their real duration.
    package init(start: MonotonicInstant = .zero) {
        state = Locked(State(now: start))
    }

    /// A fixed duration to charge every render, or nil to charge the real time it took.
    package var renderDuration: Duration? {
        get { state.withLock { $0.simulatedRenderDuration } }
        set { state.withLock { $0.simulatedRenderDuration = newValue } }
    }

    package var now: MonotonicInstant { state.withLock { $0.now } }

    /// The earliest armed deadline, if any timer is armed.
    package var nextDeadline: MonotonicInstant? {
        state.withLock { state in state.entries.lazy.filter { !$0.timer.isCancelled }.map(\.deadline).min() }
    }

    package func schedule(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer {
        let timer = CancellableTimer(action)
        state.withLock { state in
            state.sequence += 1
            state.entries.append(Entry(deadline: deadline, sequence: state.sequence, timer: timer))
        }
        return timer
    }

    package func measure(_ work: () -> Void) -> Duration {
        let clock = ContinuousClock()
        let measured = clock.measure(work)
        return renderDuration ?? measured
    }

    package func completeWork(after duration: Duration, _ completion: @escaping @Sendable () -> Void) {
        let deadline = now.advanced(by: duration)
        _ = schedule(at: deadline, completion)
    }

    /// Moves time forward to `target`, running every timer due by then in order. Before
    /// each timer, and at the end, it calls `settle` (say, wait until the worker pool is
    /// idle) so work started by one timer can arm the next before time moves on.
    package func advance(to target: MonotonicInstant, settle: () -> Void = {}) {
        while true {
            settle()
            let due: Entry? = state.withLock { state in
                state.entries.removeAll { $0.timer.isCancelled }
                guard let index = state.entries.indices.min(by: {
                    (state.entries[$0].deadline, state.entries[$0].sequence) < (state.entries[$1].deadline, state.entries[$1].sequence)
                }), state.entries[index].deadline <= target else {
                    state.now = max(state.now, target)
                    return nil
                }
                let entry = state.entries.remove(at: index)
                state.now = max(state.now, entry.deadline)
                return entry
            }
            guard let due else { break }
            due.timer.fire()
        }
        settle()
    }

    /// Moves time forward by `duration`; see ``advance(to:settle:)``.
    package func advance(by duration: Duration, settle: () -> Void = {}) {
        advance(to: now.advanced(by: duration), settle: settle)
    }
}

/// A timer's action and whether it was cancelled; fires at most once.
final class CancellableTimer: ScheduledTimer, Sendable {
    private let action: Locked<(@Sendable () -> Void)?>

    init(_ action: @escaping @Sendable () -> Void) {
        self.action = Locked(action)
    }

    var isCancelled: Bool { action.withLock { $0 == nil } }

    func cancel() { action.withLock { $0 = nil } }

    func fire() {
        let pending = action.withLock { action -> (@Sendable () -> Void)? in
            defer { action = nil }
            return action
        }
        pending?()
    }
}
