public import AdaptiveDebouncer

/// What a render policy tells the engine to do next: the debouncer's own decisions
/// (render now, arm a timer for an instant, wait for the render in flight, nothing), which
/// every policy answers with.
typealias RenderDecision = AdaptiveDebouncer<MonotonicInstant>.Decision

/// Decides when a document is rendered. The engine calls it under its lock with the
/// instant of each event; a policy never reads a clock or sleeps.
protocol RenderPolicy: Sendable {
    /// An edit was applied at `now`.
    mutating func keystroke(at now: MonotonicInstant) -> RenderDecision
    /// A render covering every edit so far started at `now`.
    mutating func renderStarted(at now: MonotonicInstant)
    /// The render in flight finished at `now` after `duration`.
    mutating func renderFinished(at now: MonotonicInstant, duration: Duration) -> RenderDecision
    /// The timer armed for `.renderAt` fired at `now`.
    func tick(at now: MonotonicInstant) -> RenderDecision
    /// Whether some edit is not covered by a started render.
    var hasUnrenderedEdits: Bool { get }
}

/// The policies the engine can run: ours, and the ones other editors use (for the
/// replay benchmark's comparison).
public enum RenderPolicyChoice: Sendable, Hashable {
    /// ``AdaptivePolicy``: leading edge when cheap, trailing delay from render cost and
    /// typing cadence, `maxWait` during continuous typing.
    case adaptive(AdaptiveDebouncer<MonotonicInstant>.Configuration)
    /// ``EveryKeystrokePolicy``: render as soon as possible after every edit.
    case everyKeystroke
    /// ``TrailingDebouncePolicy``: render once no edit came for the delay (VS Code's
    /// Markdown preview waits 300 ms).
    case trailingDebounce(Duration)
    /// ``DebounceWithDirtyFlagPolicy``: trailing debounce with one render in flight and
    /// a dirty flag (Zed's preview, 200 ms).
    case debounceWithDirtyFlag(Duration)

    /// Ours, with the default tuning.
    public static let `default` = RenderPolicyChoice.adaptive(.init())

    func makePolicy() -> any RenderPolicy {
        switch self {
        case .adaptive(let configuration): AdaptivePolicy(configuration: configuration)
        case .everyKeystroke: EveryKeystrokePolicy()
        case .trailingDebounce(let delay): TrailingDebouncePolicy(delay: delay)
        case .debounceWithDirtyFlag(let delay): DebounceWithDirtyFlagPolicy(delay: delay)
        }
    }
}

/// Our policy: the ``AdaptiveDebouncer`` (see `Docs/ADAPTIVE_DEBOUNCER.md`).
struct AdaptivePolicy: RenderPolicy {
    private var debouncer: AdaptiveDebouncer<MonotonicInstant>

    /// The policy with `configuration`.
    init(configuration: AdaptiveDebouncer<MonotonicInstant>.Configuration = .init()) {
        debouncer = AdaptiveDebouncer(configuration: configuration)
    }

    mutating func keystroke(at now: MonotonicInstant) -> RenderDecision {
        debouncer.keystroke(at: now)
    }

    mutating func renderStarted(at now: MonotonicInstant) {
        debouncer.renderStarted(at: now)
    }

    mutating func renderFinished(at now: MonotonicInstant, duration: Duration) -> RenderDecision {
        debouncer.renderFinished(at: now, duration: duration)
    }

    func tick(at now: MonotonicInstant) -> RenderDecision {
        debouncer.tick(at: now)
    }

    var hasUnrenderedEdits: Bool { debouncer.hasUnrenderedEdits }
}

/// Render after every edit, as soon as the render in flight (if any) is done.
struct EveryKeystrokePolicy: RenderPolicy {
    private var inFlight = false
    private var dirty = false

    /// The policy.
    init() {}

    mutating func keystroke(at now: MonotonicInstant) -> RenderDecision {
        dirty = true
        return inFlight ? .awaitingRender : .renderNow
    }

    mutating func renderStarted(at now: MonotonicInstant) {
        inFlight = true
        dirty = false
    }

    mutating func renderFinished(at now: MonotonicInstant, duration: Duration) -> RenderDecision {
        inFlight = false
        return dirty ? .renderNow : .idle
    }

    func tick(at now: MonotonicInstant) -> RenderDecision {
        inFlight ? .awaitingRender : (dirty ? .renderNow : .idle)
    }

    var hasUnrenderedEdits: Bool { dirty }
}

/// Render once `delay` has passed without an edit; a render due while another is in
/// flight starts when that one finishes.
struct TrailingDebouncePolicy: RenderPolicy {
    /// The quiet time required before a render.
    let delay: Duration
    private var deadline: MonotonicInstant?
    private var inFlight = false

    /// The policy waiting `delay` after the last edit.
    init(delay: Duration) { self.delay = delay }

    mutating func keystroke(at now: MonotonicInstant) -> RenderDecision {
        let due = now.advanced(by: delay)
        deadline = due
        return inFlight ? .awaitingRender : .renderAt(due)
    }

    mutating func renderStarted(at now: MonotonicInstant) {
        inFlight = true
        deadline = nil
    }

    mutating func renderFinished(at now: MonotonicInstant, duration: Duration) -> RenderDecision {
        inFlight = false
        return tick(at: now)
    }

    func tick(at now: MonotonicInstant) -> RenderDecision {
        guard let deadline else { return .idle }
        if inFlight { return .awaitingRender }
        return deadline <= now ? .renderNow : .renderAt(deadline)
    }

    var hasUnrenderedEdits: Bool { deadline != nil }
}

/// A trailing debounce of `delay` with one render in flight: edits during a render set a
/// dirty flag, and a dirty document is rendered again `delay` after that render ends.
struct DebounceWithDirtyFlagPolicy: RenderPolicy {
    /// The debounce delay.
    let delay: Duration
    private var deadline: MonotonicInstant?
    private var inFlight = false
    private var dirty = false

    /// The policy with `delay`.
    init(delay: Duration) { self.delay = delay }

    mutating func keystroke(at now: MonotonicInstant) -> RenderDecision {
        if inFlight {
            dirty = true
            return .awaitingRender
        }
        let due = now.advanced(by: delay)
        deadline = due
        return .renderAt(due)
    }

    mutating func renderStarted(at now: MonotonicInstant) {
        inFlight = true
        deadline = nil
    }

    mutating func renderFinished(at now: MonotonicInstant, duration: Duration) -> RenderDecision {
        inFlight = false
        guard dirty else { return tick(at: now) }
        dirty = false
        let due = now.advanced(by: delay)
        deadline = due
        return .renderAt(due)
    }

    func tick(at now: MonotonicInstant) -> RenderDecision {
        guard let deadline else { return inFlight && dirty ? .awaitingRender : .idle }
        if inFlight { return .awaitingRender }
        return deadline <= now ? .renderNow : .renderAt(deadline)
    }

    var hasUnrenderedEdits: Bool { deadline != nil || dirty }
}
