import DequeModule

/// When one document is rendered and which renders are delivered, as a pure state
/// machine: told of edits, timer expiries, render requests and the start and end of each
/// render, it answers with what to do (submit a render, arm the render timer at an
/// instant, or nothing) and whether a finished render is news. The engine keeps the
/// timer and runs the renders; this value keeps the policy, the versions and the
/// counters, so the rules are tested without threads or clocks (`RenderPlanTests`).
///
/// Rules (see `Docs/ENGINE.md`, "The lifecycle of an edit"):
/// - The render policy (the adaptive debouncer, or another editor's) decides after each
///   edit, timer expiry and finished render.
/// - At most one render runs at a time. A render task that starts while one runs, or
///   when the version it would render has been delivered already, renders nothing.
/// - A render is delivered only if its version is newer than the last one delivered, so
///   subscribers see versions in increasing order.
/// - `renderNow` while a render runs makes the next render start as soon as it
///   finishes, unless that render delivered the current version.
/// - While shutting down, a finished render submits another only if the current
///   version is still not delivered; no timer is armed.
/// - A failed render delivers nothing and tells the document's ``CircuitBreaker``; the
///   same text is not rendered again automatically. While the breaker is open the
///   policy's decisions are set aside: the render timer waits for the trial instant,
///   and only a much smaller text or `renderNow` starts the trial sooner.
///
/// Complexity: every operation is O(1), except ``renderFinished(version:duration:at:cancelled:currentVersion:shuttingDown:)``,
/// which is O(k) for the k edits the delivered version covers.
struct RenderPlan: Sendable {
    /// What the engine does next.
    enum Action: Sendable, Equatable {
        case none
        /// Arm (or re-arm) the render timer for this instant.
        case armTimer(MonotonicInstant)
        /// Submit a render task (replacing one still queued).
        case submit
    }

    /// What became of a finished render.
    struct Finish: Sendable, Equatable {
        /// When the newest edit the render covers happened (the start of its latency),
        /// if the render is delivered; nil if it is discarded (cancelled, or not newer
        /// than the last delivery).
        var deliveredEditTime: MonotonicInstant?
        /// What to do next.
        var next: Action
    }

    /// What became of a failed render.
    struct Failure: Sendable, Equatable {
        /// Failed renders in a row, this one included.
        var consecutiveFailures: Int
        /// When the trial render runs, if this failure opened the breaker.
        var pausedUntil: MonotonicInstant?
        /// What to do next.
        var next: Action
    }

    private var policy: any RenderPolicy
    /// Versions not delivered yet and when their edits happened, oldest first.
    private var editTimes = Deque<(version: UInt64, at: MonotonicInstant)>()
    private let openedAt: MonotonicInstant
    private(set) var isRendering = false
    private var rendersAgainAtOnce = false
    private(set) var lastDeliveredVersion: UInt64?
    private(set) var counters = RenderCounters()
    /// Whether renders run automatically after failures.
    private(set) var breaker: CircuitBreaker

    /// A plan for a document opened (at version 0) at `openedAt`. Its first render is
    /// submitted at once (``Action/submit``).
    init(policy: any RenderPolicy, openedAt: MonotonicInstant, breaker: PreviewEngine.CircuitBreakerSettings = .init()) {
        self.policy = policy
        self.openedAt = openedAt
        self.breaker = CircuitBreaker(settings: breaker)
        editTimes.append((0, openedAt))
    }

    /// Whether `version` has been delivered.
    func hasDelivered(_ version: UInt64) -> Bool { lastDeliveredVersion == version }

    /// An edit made `version`, of `textSize` UTF-8 bytes, at `now`.
    mutating func edited(version: UInt64, at now: MonotonicInstant, textSize: Int) -> Action {
        editTimes.append((version, now))
        let decision = policy.keystroke(at: now)
        if breaker.isOpen { return breaker.startsTrial(at: now, textSize: textSize) ? .submit : .none }
        if case .halfOpen = breaker.state { return .none }   // the trial decides what comes next
        return Self.action(for: decision)
    }

    /// The render timer fired at `now`; the text has `textSize` UTF-8 bytes.
    mutating func timerFired(at now: MonotonicInstant, textSize: Int) -> Action {
        if let trialAt = breaker.trialAt {
            return breaker.startsTrial(at: now, textSize: textSize) ? .submit : .armTimer(trialAt)
        }
        return Self.action(for: policy.tick(at: now))
    }

    /// The embedder asked for a render now (this also ends a pause).
    mutating func renderRequested() -> Action {
        breaker.forceTrial()
        guard isRendering else { return .submit }
        rendersAgainAtOnce = true
        return .none
    }

    /// A render task was submitted; `coalesced` when it replaced one still queued.
    mutating func submitted(coalesced: Bool) {
        counters.requested += 1
        if coalesced { counters.coalesced += 1 }
    }

    /// A render task starts at `now` with the text at `currentVersion`. Returns whether
    /// it renders; if so the plan counts the render as running.
    mutating func startRender(currentVersion: UInt64, at now: MonotonicInstant) -> Bool {
        guard !isRendering, !breaker.isOpen, lastDeliveredVersion != currentVersion || rendersAgainAtOnce else { return false }
        isRendering = true
        policy.renderStarted(at: now)
        counters.started += 1
        return true
    }

    /// The running render of `version` finished at `now` after `duration`; the text is
    /// at `currentVersion`. A `cancelled` render (its document's task was cancelled) is
    /// discarded.
    mutating func renderFinished(
        version: UInt64, duration: Duration, at now: MonotonicInstant, cancelled: Bool,
        currentVersion: UInt64, shuttingDown: Bool
    ) -> Finish {
        isRendering = false
        counters.renderTime += duration
        var decision = policy.renderFinished(at: now, duration: duration)
        if !cancelled { breaker.succeeded() }
        let editTime = cancelled ? nil : deliver(version)
        if editTime == nil { counters.discarded += 1 }
        // A requested render is owed unless this one delivered the current text.
        if rendersAgainAtOnce, policy.hasUnrenderedEdits || lastDeliveredVersion != currentVersion {
            decision = .renderNow
        }
        rendersAgainAtOnce = false
        if shuttingDown {
            return Finish(deliveredEditTime: editTime, next: lastDeliveredVersion != currentVersion ? .submit : .none)
        }
        return Finish(deliveredEditTime: editTime, next: Self.action(for: decision))
    }

    /// The running render of `version`, of `textSize` UTF-8 bytes, failed at `now` after
    /// `duration`; the text is at `currentVersion`. Nothing is delivered. The next render
    /// is the policy's if the text changed meanwhile (or `renderNow` asked for one), the
    /// trial's if the breaker opened, none otherwise: the same text would fail again.
    mutating func renderFailed(
        version: UInt64, textSize: Int, duration: Duration, at now: MonotonicInstant,
        currentVersion: UInt64, shuttingDown: Bool
    ) -> Failure {
        isRendering = false
        counters.renderTime += duration
        counters.failed += 1
        let decision = policy.renderFinished(at: now, duration: duration)
        let requested = rendersAgainAtOnce
        rendersAgainAtOnce = false
        let pausedUntil = breaker.failed(at: now, textSize: textSize)
        var failure = Failure(consecutiveFailures: breaker.consecutiveFailures, pausedUntil: pausedUntil, next: .none)
        guard !shuttingDown else { return failure }
        if let pausedUntil {
            failure.next = .armTimer(pausedUntil)
        } else if requested {
            failure.next = .submit
        } else if currentVersion != version {
            failure.next = Self.action(for: decision == .idle ? .renderNow : decision)
        }
        return failure
    }

    /// Records `version` as delivered if it is newer than the last delivery; returns
    /// when the newest edit it covers happened, or nil if it is not news.
    private mutating func deliver(_ version: UInt64) -> MonotonicInstant? {
        if let last = lastDeliveredVersion, last >= version { return nil }
        lastDeliveredVersion = version
        counters.delivered += 1
        var editedAt = openedAt
        while let first = editTimes.first, first.version <= version {
            editedAt = first.at
            editTimes.removeFirst()
        }
        return editedAt
    }

    private static func action(for decision: RenderDecision) -> Action {
        switch decision {
        case .renderNow: .submit
        case .renderAt(let deadline): .armTimer(deadline)
        case .awaitingRender, .idle: .none
        }
    }
}
