extension Locked {
    /// Waits (releasing the lock meanwhile) until `isReady` holds or `clock` reaches
    /// `deadline`, then runs `body` with the lock held; `body`'s second argument says
    /// whether `isReady` held. The deadline is a timer on `clock`, so a manual clock
    /// decides it: the wait ends when the clock is advanced past it, and never by itself.
    /// A deadline that has passed checks once, without waiting.
    /// Wakes to check again on every ``broadcast()``.
    public func withLock<Result>(
        waitingUntil isReady: (inout State) -> Bool,
        deadline: MonotonicInstant,
        clock: any PreviewClock,
        _ body: (inout State, _ isReady: Bool) -> Result
    ) -> Result {
        guard deadline > clock.now else { return withLock { state in body(&state, isReady(&state)) } }
        let passed = Locked<Bool>(false)
        // The timer only takes this lock and broadcasts; it never touches the state.
        nonisolated(unsafe) let lock = self
        // Set with this lock held, so a waiter between its check and its wait cannot
        // miss the wake-up.
        let timer = clock.schedule(at: deadline) {
            lock.withLock { _ in passed.withLock { $0 = true } }
            lock.broadcast()
        }
        defer { timer.cancel() }
        return withLock(waitingUntil: { state in isReady(&state) || passed.withLock { $0 } }) { state, _ in
            body(&state, isReady(&state))
        }
    }
}
