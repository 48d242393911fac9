/// Decides when to render a document's preview, from how long its renders take and how
/// fast the user types. See `Docs/ADAPTIVE_DEBOUNCER.md` for the full semantics.
///
/// It is a pure, deterministic state machine: it never sleeps, reads no clock and
/// starts nothing. Its owner reports events with the time they happened —
/// `keystroke(at:)` for every applied edit or transaction, `renderStarted(at:)` and
/// `renderFinished(at:duration:)` — and acts on the returned `Decision`: start a render
/// now, arm a timer for an instant and call `tick(at:)` when it fires, or do nothing.
/// `Instant` is any instant type measured in `Duration` (`ContinuousClock.Instant`,
/// `SuspendingClock.Instant`, or a virtual instant in tests).
///
/// Policy, with c the estimated render duration and i the estimated inter-keystroke
/// interval (both exponential moving averages):
/// - **Leading edge.** The first keystroke after a pause (none for `pauseThreshold`)
///   renders at once when c ≤ `leadingEdgeMaxRenderDuration`.
/// - **Trailing delay.** Otherwise a render is due `trailingDelay` after the latest
///   keystroke: 0 while c / i ≤ `cheapRatio` (rendering keeps up with typing), rising
///   linearly to `cadenceMultiplier` × i at c / i ≥ `expensiveRatio` (wait until the user
///   pauses a little longer than usual), and clamped to [`minDelay`, `maxDelay`].
/// - **Render budget.** During typing a render starts no sooner than c / `renderBudget`
///   after the previous one started (5% of a core by default: invisible for cheap
///   documents, a render every ~700 ms for one whose renders take 35 ms), but never
///   later than `maxDelay` after the latest keystroke, so the preview still settles
///   quickly when typing stops.
/// - **maxWait.** A render is never due later than `maxWait` after the first keystroke
///   not covered by a render, so continuous typing still refreshes the preview.
/// - **One render in flight.** Keystrokes during a render only mark the document dirty;
///   when it finishes, the next render is due by the same rules (at once if its
///   deadline has passed).
///
/// All methods are O(1).
public struct AdaptiveDebouncer<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// Tuning of the policy. The defaults suit a Markdown preview typed by a person:
    /// instant feedback when renders take a few milliseconds, and a preview at most
    /// 750 ms behind (plus one render) when they take hundreds.
    public struct Configuration: Sendable, Hashable {
        /// Shortest trailing delay. Default 0.
        public var minDelay: Duration
        /// Longest trailing delay. Default 250 ms.
        public var maxDelay: Duration
        /// Longest time from the first unrendered keystroke until a render is due.
        /// Default 750 ms.
        public var maxWait: Duration
        /// A gap between keystrokes longer than this is a pause: it does not count
        /// toward the typing cadence, and the keystroke after it may render at once.
        /// Default 1 s.
        public var pauseThreshold: Duration
        /// The first keystroke after a pause renders at once when the estimated render
        /// duration is at most this. Default 50 ms.
        public var leadingEdgeMaxRenderDuration: Duration
        /// Render/cadence ratio c / i up to which the trailing delay is 0. Default 0.25.
        public var cheapRatio: Double
        /// Render/cadence ratio c / i from which the trailing delay is its full
        /// `cadenceMultiplier` × i. Default 1.
        public var expensiveRatio: Double
        /// The full trailing delay, in inter-keystroke intervals. Default 1.5.
        public var cadenceMultiplier: Double
        /// Weight of the newest render duration in its moving average. Default 0.3.
        public var renderSmoothing: Double
        /// Weight of the newest inter-keystroke interval in its moving average.
        /// Default 0.2.
        public var keystrokeSmoothing: Double
        /// Render duration assumed before the first render finishes. Default 5 ms
        /// (cheap, so the first keystroke renders at once and measures).
        public var initialRenderDuration: Duration
        /// Inter-keystroke interval assumed before two keystrokes are seen. Default
        /// 150 ms (the median of real typing).
        public var initialKeystrokeInterval: Duration
        /// The largest share of time renders may take while the user types: a render is
        /// not due sooner than c / `renderBudget` after the previous render started
        /// (`maxWait` still wins). In (0, 1]; 1 disables the rule. Default 0.05.
        public var renderBudget: Double

        /// A configuration; every parameter has the default documented on its property.
        ///
        /// - Precondition: 0 ≤ `minDelay` ≤ `maxDelay` ≤ `maxWait`; `pauseThreshold`,
        ///   `initialKeystrokeInterval` > 0; 0 ≤ `cheapRatio` < `expensiveRatio`;
        ///   `cadenceMultiplier` ≥ 0; smoothing weights in (0, 1];
        ///   `leadingEdgeMaxRenderDuration`, `initialRenderDuration` ≥ 0.
        public init(
            minDelay: Duration = .zero,
            maxDelay: Duration = .milliseconds(250),
            maxWait: Duration = .milliseconds(750),
            pauseThreshold: Duration = .seconds(1),
            leadingEdgeMaxRenderDuration: Duration = .milliseconds(50),
            cheapRatio: Double = 0.25,
            expensiveRatio: Double = 1,
            cadenceMultiplier: Double = 1.5,
            renderSmoothing: Double = 0.3,
            keystrokeSmoothing: Double = 0.2,
            initialRenderDuration: Duration = .milliseconds(5),
            initialKeystrokeInterval: Duration = .milliseconds(150),
            renderBudget: Double = 0.05
        ) {
            precondition(minDelay >= .zero && minDelay <= maxDelay && maxDelay <= maxWait, "need 0 <= minDelay <= maxDelay <= maxWait")
            precondition(pauseThreshold > .zero && initialKeystrokeInterval > .zero, "intervals must be positive")
            precondition(cheapRatio >= 0 && cheapRatio < expensiveRatio, "need 0 <= cheapRatio < expensiveRatio")
            precondition(cadenceMultiplier >= 0, "cadenceMultiplier must not be negative")
            precondition(renderSmoothing > 0 && renderSmoothing <= 1, "renderSmoothing must be in (0, 1]")
            precondition(keystrokeSmoothing > 0 && keystrokeSmoothing <= 1, "keystrokeSmoothing must be in (0, 1]")
            precondition(leadingEdgeMaxRenderDuration >= .zero && initialRenderDuration >= .zero, "durations must not be negative")
            precondition(renderBudget > 0 && renderBudget <= 1, "renderBudget must be in (0, 1]")
            self.minDelay = minDelay
            self.maxDelay = maxDelay
            self.maxWait = maxWait
            self.pauseThreshold = pauseThreshold
            self.leadingEdgeMaxRenderDuration = leadingEdgeMaxRenderDuration
            self.cheapRatio = cheapRatio
            self.expensiveRatio = expensiveRatio
            self.cadenceMultiplier = cadenceMultiplier
            self.renderSmoothing = renderSmoothing
            self.keystrokeSmoothing = keystrokeSmoothing
            self.initialRenderDuration = initialRenderDuration
            self.initialKeystrokeInterval = initialKeystrokeInterval
            self.renderBudget = renderBudget
        }
    }

    /// What the owner should do next.
    public enum Decision: Sendable, Hashable {
        /// Start a render now (and report it with `renderStarted(at:)`).
        case renderNow
        /// A render is due at this instant: arm a timer (replacing any earlier one) and
        /// call `tick(at:)` when it fires. Later keystrokes may move the instant.
        case renderAt(Instant)
        /// There are unrendered edits but a render is in flight: wait for it, then call
        /// `renderFinished(at:duration:)`, which decides again.
        case awaitingRender
        /// Every edit has been rendered (or is being rendered): nothing to schedule.
        case idle
    }

    /// The policy's parameters.
    public let configuration: Configuration

    /// Moving average of render durations, in seconds.
    private var renderSeconds: Double
    /// Moving average of inter-keystroke intervals (pauses excluded), in seconds.
    private var keystrokeSeconds: Double
    private var lastKeystroke: Instant?
    /// The first keystroke not covered by a started render.
    private var firstUnrendered: Instant?
    private var renderStart: Instant?
    /// When the last render started (kept after it finishes, for the render budget).
    private var lastRenderStart: Instant?
    /// When the next render is due; set while there are unrendered edits and no render
    /// is in flight.
    private var deadline: Instant?

    /// A debouncer with no history.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        renderSeconds = configuration.initialRenderDuration.seconds
        keystrokeSeconds = configuration.initialKeystrokeInterval.seconds
    }

    // MARK: State

    /// The moving average of render durations (the initial estimate before any render).
    public var estimatedRenderDuration: Duration { .seconds(renderSeconds) }

    /// The moving average of inter-keystroke intervals, pauses excluded (the initial
    /// estimate before two keystrokes).
    public var estimatedKeystrokeInterval: Duration { .seconds(keystrokeSeconds) }

    /// Whether a render has started and not finished.
    public var isRenderInFlight: Bool { renderStart != nil }

    /// Whether some keystroke is not covered by a started render.
    public var hasUnrenderedEdits: Bool { firstUnrendered != nil }

    /// When a render is due, or nil when none is (clean, or a render is in flight).
    public var nextDeadline: Instant? { deadline }

    /// The delay after a keystroke, before the `maxWait` cap, under the current
    /// estimates: `clamp(ramp(c / i) × cadenceMultiplier × i, minDelay, maxDelay)`.
    public var trailingDelay: Duration {
        let c = configuration
        let ratio = renderSeconds / keystrokeSeconds
        let ramp = min(1, max(0, (ratio - c.cheapRatio) / (c.expensiveRatio - c.cheapRatio)))
        let delay = Duration.seconds(ramp * c.cadenceMultiplier * keystrokeSeconds)
        return min(c.maxDelay, max(c.minDelay, delay))
    }

    // MARK: Events

    /// Records an edit (a keystroke or any applied transaction) at `now` and says what to
    /// do. Times must not decrease from call to call.
    public mutating func keystroke(at now: Instant) -> Decision {
        let isAfterPause: Bool
        if let last = lastKeystroke {
            let gap = last.duration(to: now)
            isAfterPause = gap > configuration.pauseThreshold
            if gap > .zero, !isAfterPause {
                keystrokeSeconds += configuration.keystrokeSmoothing * (gap.seconds - keystrokeSeconds)
            }
        } else {
            isAfterPause = true
        }
        lastKeystroke = now
        if firstUnrendered == nil { firstUnrendered = now }
        guard renderStart == nil else { return .awaitingRender }
        if isAfterPause, estimatedRenderDuration <= configuration.leadingEdgeMaxRenderDuration {
            deadline = now
            return .renderNow
        }
        return schedule(now: now)
    }

    /// Records that a render started at `now`; it covers every keystroke so far.
    ///
    /// - Precondition: no render is in flight.
    public mutating func renderStarted(at now: Instant) {
        precondition(renderStart == nil, "renderStarted(at:) while a render is in flight")
        renderStart = now
        lastRenderStart = now
        firstUnrendered = nil
        deadline = nil
    }

    /// Records that the render in flight finished at `now`, having taken `duration` (by
    /// default the time since `renderStarted(at:)`), and says what to do next.
    ///
    /// - Precondition: a render is in flight.
    public mutating func renderFinished(at now: Instant, duration: Duration? = nil) -> Decision {
        guard let start = renderStart else {
            preconditionFailure("renderFinished(at:duration:) without a render in flight")
        }
        renderStart = nil
        let measured = max(.zero, duration ?? start.duration(to: now))
        renderSeconds += configuration.renderSmoothing * (measured.seconds - renderSeconds)
        guard firstUnrendered != nil else {
            deadline = nil
            return .idle
        }
        return schedule(now: now)
    }

    /// Says what to do at `now` (call it when the timer armed for `.renderAt` fires):
    /// `.renderNow` once the deadline has passed, else `.renderAt` the current deadline.
    public func tick(at now: Instant) -> Decision {
        if renderStart != nil { return firstUnrendered == nil ? .idle : .awaitingRender }
        guard let deadline else { return .idle }
        return deadline <= now ? .renderNow : .renderAt(deadline)
    }

    /// Sets the deadline for the unrendered edits (no render in flight) and reports it.
    private mutating func schedule(now: Instant) -> Decision {
        guard let first = firstUnrendered, let last = lastKeystroke else {
            deadline = nil
            return .idle
        }
        var due = last.advanced(by: trailingDelay)
        if let previous = lastRenderStart, configuration.renderBudget < 1 {
            // Not sooner than the budget allows, but never later than maxDelay after the
            // latest keystroke: once typing stops, the preview settles as before.
            let budgetStart = previous.advanced(by: .seconds(renderSeconds / configuration.renderBudget))
            due = max(due, min(budgetStart, last.advanced(by: configuration.maxDelay)))
        }
        due = min(due, first.advanced(by: configuration.maxWait))
        deadline = due
        return due <= now ? .renderNow : .renderAt(due)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    fileprivate var seconds: Double {
        let (whole, attoseconds) = components
        return Double(whole) + Double(attoseconds) * 1e-18
    }
}
