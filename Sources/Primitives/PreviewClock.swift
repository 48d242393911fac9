/// A timer armed with ``PreviewClock/schedule(at:_:)``.
public protocol ScheduledTimer: Sendable {
    /// Stops the action from running if it has not started. Idempotent.
    func cancel()
}

/// The package's one clock protocol: Swift's `Clock` on ``MonotonicInstant`` (so
/// `Task.sleep(until:clock:)` works on any of them), plus timers that run a closure.
///
/// ``SystemClock`` is real monotonic time. ``ManualClock`` is virtual time that moves only
/// when its owner advances it: tests drive the pool, the engine, render-worker deadlines,
/// shutdown and the servers' ticks with it, deterministically.
public protocol PreviewClock: Clock, Sendable where Instant == MonotonicInstant {
    /// Runs `action` once at `deadline` (at once, asynchronously, if it has passed),
    /// unless the returned timer is cancelled first. Actions never run on the calling
    /// thread inside this call.
    func schedule(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer
}

extension PreviewClock {
    /// One nanosecond: the unit of ``MonotonicInstant``.
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// A timer `delay` from now.
    public func schedule(after delay: Duration, _ action: @escaping @Sendable () -> Void) -> any ScheduledTimer {
        schedule(at: now.advanced(by: delay), action)
    }

    /// Suspends until `deadline` by this clock, built on ``schedule(at:_:)``; throws
    /// `CancellationError` when the task is cancelled first.
    public func sleep(until deadline: MonotonicInstant, tolerance: Duration? = nil) async throws {
        let sleeper = Sleeper()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                sleeper.start(continuation) { schedule(at: deadline) { sleeper.finish(nil) } }
            }
        } onCancel: {
            sleeper.finish(CancellationError())
        }
    }
}

/// One sleep's continuation and timer: whichever of the timer and cancellation comes
/// first resumes it, once.
private final class Sleeper: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Void, any Error>?
        var timer: (any ScheduledTimer)?
        var outcome: (any Error)??   // set when finished before the continuation was stored
    }

    private let state = Locked(State())

    func start(_ continuation: CheckedContinuation<Void, any Error>, arm: () -> any ScheduledTimer) {
        let early = state.withLock { state -> (any Error)?? in
            if let outcome = state.outcome { return outcome }
            state.continuation = continuation
            return nil
        }
        if let early {
            resume(continuation, with: early)
            return
        }
        let timer = arm()
        let cancelNow = state.withLock { state -> Bool in
            guard state.continuation != nil else { return true }
            state.timer = timer
            return false
        }
        if cancelNow { timer.cancel() }
    }

    func finish(_ error: (any Error)?) {
        let (continuation, timer) = state.withLock { state -> (CheckedContinuation<Void, any Error>?, (any ScheduledTimer)?) in
            guard state.outcome == nil else { return (nil, nil) }
            state.outcome = .some(error)
            defer { state.continuation = nil; state.timer = nil }
            return (state.continuation, state.timer)
        }
        timer?.cancel()
        if let continuation { resume(continuation, with: error) }
    }

    private func resume(_ continuation: CheckedContinuation<Void, any Error>, with error: (any Error)?) {
        if let error { continuation.resume(throwing: error) } else { continuation.resume() }
    }
}

/// A timer's action and whether it was cancelled; fires at most once.
package final class CancellableTimer: ScheduledTimer {
    private let action: Locked<(@Sendable () -> Void)?>

    /// A timer that will run `action` when fired.
    package init(_ action: @escaping @Sendable () -> Void) {
        self.action = Locked(action)
    }

    /// Whether it was cancelled or has fired.
    package var isCancelled: Bool { action.withLock { $0 == nil } }

    package func cancel() { action.withLock { $0 = nil } }

    /// Runs the action unless cancelled or already fired.
    package func fire() {
        let pending = action.withLock { action -> (@Sendable () -> Void)? in
            defer { action = nil }
            return action
        }
        pending?()
    }
}
