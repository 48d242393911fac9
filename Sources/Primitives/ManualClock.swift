/// Virtual time for tests and discrete-event replays: it stands still until
/// ``advance(to:settle:)`` or ``advance(by:settle:)`` moves it, running due timers in
/// deadline order (ties in the order they were armed) on the advancing thread. Sleeps
/// (`Task.sleep(until:clock:)`) are timers too. Thread-safe.
///
/// Complexity: arming a timer is O(1); advancing is O(t) per timer run, t the armed ones.
package final class ManualClock: PreviewClock {
    private struct Entry {
        let deadline: MonotonicInstant
        let sequence: UInt64
        let timer: CancellableTimer
    }

    private struct State {
        var now: MonotonicInstant
        var sequence: UInt64 = 0
        var entries: [Entry] = []
    }

    private let state: Locked<State>

    /// A clock reading `start`.
    package init(start: MonotonicInstant = .zero) {
        state = Locked(State(now: start))
    }

    /// A clock reading `start` after the origin.
    package convenience init(start: Duration) {
        self.init(start: MonotonicInstant.zero.advanced(by: max(.zero, start)))
    }

    package var now: MonotonicInstant { state.withLock { $0.now } }

    /// The earliest armed deadline, if any timer is armed.
    package var nextDeadline: MonotonicInstant? {
        state.withLock { state in state.entries.lazy.filter { !$0.timer.isCancelled }.map(\.deadline).min() }
    }

    /// How many timers are armed (not cancelled, not fired).
    package var armedTimers: Int {
        state.withLock { state in state.entries.count { !$0.timer.isCancelled } }
    }

    /// Waits (really) until at least `count` timers are armed, for a test that must know
    /// that another thread reached the point where it armed one. Returns whether they
    /// were, within `limit` of real time (a safety net, never a measurement).
    package func waitForTimers(_ count: Int = 1, limit: Duration = .seconds(120)) -> Bool {
        state.withLock(waitingUntil: { state in state.entries.count { !$0.timer.isCancelled } >= count },
                       deadline: MonotonicInstant.now.advanced(by: limit)) { _, ready in ready }
    }

    package func schedule(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer {
        let timer = CancellableTimer(action)
        state.withLock { state in
            state.sequence += 1
            state.entries.append(Entry(deadline: deadline, sequence: state.sequence, timer: timer))
        }
        state.broadcast()
        return timer
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

    /// Moves time forward by `duration` (negative durations are ignored); see
    /// ``advance(to:settle:)``.
    package func advance(by duration: Duration, settle: () -> Void = {}) {
        advance(to: now.advanced(by: max(.zero, duration)), settle: settle)
    }
}
