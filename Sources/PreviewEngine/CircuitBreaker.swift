/// Whether a document's renders run automatically, as a pure state machine: after
/// ``Settings/failureThreshold`` failed renders in a row it *opens* (automatic renders
/// stop) until a cool-down ends; then one trial render runs (*half-open*); a success
/// *closes* it, a failure opens it again with twice the cool-down (at most
/// ``Settings/maximumCoolDown``). An edit that leaves the text at most half the size of
/// the text that failed, or an explicit `renderNow`, starts the trial at once.
///
/// See `Docs/ENGINE.md`, "When renders fail". Every operation is O(1).
struct CircuitBreaker: Sendable, Equatable {
    /// The breaker's thresholds.
    typealias Settings = PreviewEngine.CircuitBreakerSettings

    enum State: Sendable, Equatable {
        /// Renders run (``consecutiveFailures`` failed in a row so far, fewer than the
        /// threshold).
        case closed
        /// Automatic renders stop until `until`; `failedSize` is the UTF-8 size of the
        /// text whose render failed last.
        case open(until: MonotonicInstant, failedSize: Int)
        /// One trial render runs (or is queued).
        case halfOpen
    }

    let settings: Settings
    private(set) var state = State.closed
    /// Failed renders since the last success.
    private(set) var consecutiveFailures = 0
    private var coolDown: Duration

    init(settings: Settings) {
        self.settings = settings
        coolDown = settings.coolDown
    }

    /// Whether automatic renders are stopped.
    var isOpen: Bool { if case .open = state { true } else { false } }

    /// When the trial render runs, while open.
    var trialAt: MonotonicInstant? { if case .open(let until, _) = state { until } else { nil } }

    /// A render succeeded: the breaker closes and the cool-down starts over.
    mutating func succeeded() {
        state = .closed
        consecutiveFailures = 0
        coolDown = settings.coolDown
    }

    /// A render of `textSize` bytes failed at `now`. Returns the instant of the trial
    /// render when this failure opened the breaker.
    mutating func failed(at now: MonotonicInstant, textSize: Int) -> MonotonicInstant? {
        consecutiveFailures += 1
        switch state {
        case .closed where consecutiveFailures < settings.failureThreshold:
            return nil
        case .halfOpen:
            coolDown = min(coolDown * 2, settings.maximumCoolDown)
        case .closed, .open:
            break
        }
        let until = now.advanced(by: coolDown)
        state = .open(until: until, failedSize: textSize)
        return until
    }

    /// Whether an open breaker lets a trial run now: the cool-down is over at `now`, or
    /// the text shrank to `textSize`, at most half of what failed. If so it is half-open.
    mutating func startsTrial(at now: MonotonicInstant, textSize: Int) -> Bool {
        guard case .open(let until, let failedSize) = state else { return false }
        guard now >= until || textSize <= failedSize / 2 else { return false }
        state = .halfOpen
        return true
    }

    /// An explicit request: an open breaker becomes half-open at once.
    mutating func forceTrial() {
        if isOpen { state = .halfOpen }
    }
}
