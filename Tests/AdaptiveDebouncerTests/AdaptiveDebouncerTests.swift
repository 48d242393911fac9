import EditTraces
import AdaptiveDebouncer
import Testing

/// A virtual instant: an offset from an arbitrary origin, so tests build exact times.
struct VirtualInstant: InstantProtocol, CustomStringConvertible {
    var offset: Duration

    static func ms(_ milliseconds: Int) -> VirtualInstant {
        VirtualInstant(offset: .milliseconds(milliseconds))
    }

    func advanced(by duration: Duration) -> VirtualInstant {
        VirtualInstant(offset: offset + duration)
    }

    func duration(to other: VirtualInstant) -> Duration {
        other.offset - offset
    }

    static func < (lhs: VirtualInstant, rhs: VirtualInstant) -> Bool {
        lhs.offset < rhs.offset
    }

    var description: String { "t=\(offset)" }
}

typealias Debouncer = AdaptiveDebouncer<VirtualInstant>

/// Runs one render of `duration` starting at `start` and returns the decision after it.
func render(_ debouncer: inout Debouncer, at start: VirtualInstant, taking duration: Duration) -> Debouncer.Decision {
    debouncer.renderStarted(at: start)
    return debouncer.renderFinished(at: start.advanced(by: duration))
}

/// A debouncer whose render estimate has converged to `renderDuration` and whose
/// cadence estimate to `interval`: renders and keystrokes long ago, then a pause.
/// Returns the instant after the pause.
func trained(
    renderDuration: Duration, interval: Duration, configuration: Debouncer.Configuration = .init()
) -> (Debouncer, VirtualInstant) {
    var debouncer = Debouncer(configuration: configuration)
    var now = VirtualInstant.ms(0)
    for _ in 0..<200 {
        _ = debouncer.keystroke(at: now)
        now = now.advanced(by: interval)
    }
    for _ in 0..<100 {
        _ = render(&debouncer, at: now, taking: renderDuration)
        now = now.advanced(by: renderDuration)
    }
    return (debouncer, now.advanced(by: .seconds(10)))
}

func close(_ a: Duration, _ b: Duration, within tolerance: Duration = .microseconds(1)) -> Bool {
    abs((a - b) / .nanoseconds(1)) <= tolerance / .nanoseconds(1)
}

@Suite("AdaptiveDebouncer decisions")
struct AdaptiveDebouncerDecisionTests {
    @Test("First keystroke renders at once (leading edge) with the initial cheap estimate")
    func firstKeystrokeRendersAtOnce() {
        var debouncer = Debouncer()
        #expect(debouncer.keystroke(at: .ms(0)) == .renderNow)
        #expect(debouncer.tick(at: .ms(0)) == .renderNow)
        #expect(debouncer.nextDeadline == .ms(0))
    }

    @Test("Leading edge after a pause when renders are cheap")
    func leadingEdgeAfterPause() {
        var (debouncer, now) = trained(renderDuration: .milliseconds(20), interval: .milliseconds(60))
        // c / i = 0.33 > cheapRatio: inside a burst the debouncer would wait ...
        #expect(debouncer.trailingDelay > .zero)
        // ... but the first keystroke after the pause renders at once.
        #expect(debouncer.keystroke(at: now) == .renderNow)
        debouncer.renderStarted(at: now)
        now = now.advanced(by: .milliseconds(60))
        #expect(debouncer.keystroke(at: now) == .awaitingRender)
    }

    @Test("No leading edge when renders are expensive: wait for the trailing delay")
    func noLeadingEdgeWhenExpensive() {
        var (debouncer, now) = trained(renderDuration: .milliseconds(400), interval: .milliseconds(150))
        #expect(close(debouncer.estimatedRenderDuration, .milliseconds(400)))
        let delay = debouncer.trailingDelay
        // c / i ≥ expensiveRatio: full delay 1.5 × 150 ms = 225 ms, within maxDelay.
        #expect(close(delay, .milliseconds(225), within: .milliseconds(1)))
        #expect(debouncer.keystroke(at: now) == .renderAt(now.advanced(by: delay)))
    }

    @Test("Cheap renders relative to cadence: every keystroke renders at once")
    func cheapRendersRenderEveryKeystroke() {
        // The cadence rule alone (the default 5% budget would space 10 ms renders 200 ms
        // apart; see RenderBudgetTests).
        let configuration = Debouncer.Configuration(renderBudget: 1)
        var (debouncer, now) = trained(renderDuration: .milliseconds(10), interval: .milliseconds(150), configuration: configuration)
        #expect(debouncer.trailingDelay == .zero)
        for _ in 0..<20 {
            #expect(debouncer.keystroke(at: now) == .renderNow)
            debouncer.renderStarted(at: now)
            #expect(debouncer.renderFinished(at: now.advanced(by: .milliseconds(10))) == .idle)
            now = now.advanced(by: .milliseconds(150))
        }
    }

    @Test("During an expensive burst each keystroke moves the deadline")
    func burstMovesDeadline() {
        var (debouncer, now) = trained(renderDuration: .milliseconds(400), interval: .milliseconds(150))
        let first = now
        var previous: VirtualInstant?
        for _ in 0..<4 {
            let decision = debouncer.keystroke(at: now)
            guard case let .renderAt(deadline) = decision else {
                Issue.record("expected renderAt, got \(decision)")
                return
            }
            #expect(deadline > now)
            if let previous { #expect(deadline > previous) }
            previous = deadline
            // The timer armed for the old deadline would now be early:
            #expect(debouncer.tick(at: now) == .renderAt(deadline))
            now = now.advanced(by: .milliseconds(100))
        }
        #expect(debouncer.nextDeadline! <= first.advanced(by: debouncer.configuration.maxWait))
        let due = debouncer.nextDeadline!
        #expect(debouncer.tick(at: due) == .renderNow)
        #expect(debouncer.tick(at: due.advanced(by: .milliseconds(1))) == .renderNow)
    }

    @Test("Trailing delay grows with render cost between cheapRatio and expensiveRatio")
    func trailingDelayRamp() {
        let interval = Duration.milliseconds(200)
        var delays: [Duration] = []
        for renderMs in [10, 50, 80, 110, 140, 170, 200, 400] {
            let (debouncer, _) = trained(renderDuration: .milliseconds(renderMs), interval: interval)
            delays.append(debouncer.trailingDelay)
        }
        // ratio 0.05 and 0.25: no delay; ratio 1 and 2: 1.5 × 200 ms = 300 ms, clamped to 250 ms.
        #expect(delays[0] == .zero)
        #expect(close(delays[1], .zero, within: .milliseconds(1)))
        for (a, b) in zip(delays, delays.dropFirst()) { #expect(a <= b) }
        #expect(delays[3] > .zero && delays[3] < .milliseconds(250))
        #expect(delays[6] == .milliseconds(250))
        #expect(delays[7] == .milliseconds(250))
        // ratio 0.55 → ramp 0.4 → 0.4 × 1.5 × 200 ms = 120 ms.
        #expect(close(delays[3], .milliseconds(120), within: .milliseconds(2)))
    }

    @Test("Delays stay within [minDelay, maxDelay]")
    func delayBounds() {
        let configuration = Debouncer.Configuration(
            minDelay: .milliseconds(40), maxDelay: .milliseconds(200), maxWait: .seconds(2), pauseThreshold: .seconds(5))
        // Cheap: the delay is raised to minDelay (the leading edge still renders at once).
        var (cheap, now) = trained(renderDuration: .milliseconds(1), interval: .milliseconds(150), configuration: configuration)
        #expect(cheap.trailingDelay == .milliseconds(40))
        #expect(cheap.keystroke(at: now) == .renderNow)
        cheap.renderStarted(at: now)
        _ = cheap.renderFinished(at: now.advanced(by: .milliseconds(1)))
        now = now.advanced(by: .milliseconds(150))
        #expect(cheap.keystroke(at: now) == .renderAt(now.advanced(by: .milliseconds(40))))
        // Slow typing and expensive renders: 1.5 × 3 s is clamped to maxDelay.
        var (slow, later) = trained(renderDuration: .seconds(4), interval: .seconds(3), configuration: configuration)
        #expect(slow.trailingDelay == .milliseconds(200))
        #expect(slow.keystroke(at: later) == .renderAt(later.advanced(by: .milliseconds(200))))
    }

    @Test("A render in flight defers the next one until it finishes, then respects the delay")
    func dirtyRerenderAfterInFlight() {
        var (debouncer, now) = trained(renderDuration: .milliseconds(400), interval: .milliseconds(150))
        let delay = debouncer.trailingDelay
        _ = debouncer.keystroke(at: now)
        let due = debouncer.nextDeadline!
        debouncer.renderStarted(at: due)
        #expect(debouncer.isRenderInFlight)
        #expect(!debouncer.hasUnrenderedEdits)
        #expect(debouncer.tick(at: due) == .idle)
        // Typing during the render only marks the document dirty.
        let typed = due.advanced(by: .milliseconds(100))
        #expect(debouncer.keystroke(at: typed) == .awaitingRender)
        #expect(debouncer.tick(at: typed) == .awaitingRender)
        #expect(debouncer.nextDeadline == nil)
        // It finishes 50 ms after that keystroke: the re-render waits for the delay, here
        // stretched by the render budget (400 ms / 0.1 after the last start) to its cap,
        // maxDelay after the keystroke.
        let finished = typed.advanced(by: .milliseconds(50))
        #expect(debouncer.renderFinished(at: finished) == .renderAt(typed.advanced(by: debouncer.configuration.maxDelay)))
        #expect(delay > .milliseconds(50))
        // Finishing long after the last keystroke renders at once.
        var (other, start) = trained(renderDuration: .milliseconds(400), interval: .milliseconds(150))
        _ = other.keystroke(at: start)
        other.renderStarted(at: start)
        _ = other.keystroke(at: start.advanced(by: .milliseconds(10)))
        #expect(other.renderFinished(at: start.advanced(by: .seconds(1))) == .renderNow)
        #expect(!other.isRenderInFlight)
        #expect(other.hasUnrenderedEdits)
    }

    @Test("A finished render with no new keystrokes leaves nothing to do")
    func cleanAfterRender() {
        var debouncer = Debouncer()
        #expect(debouncer.tick(at: .ms(0)) == .idle)
        #expect(debouncer.keystroke(at: .ms(0)) == .renderNow)
        debouncer.renderStarted(at: .ms(1))
        #expect(debouncer.renderFinished(at: .ms(3)) == .idle)
        #expect(debouncer.nextDeadline == nil)
        #expect(!debouncer.hasUnrenderedEdits)
        #expect(debouncer.tick(at: .ms(1000)) == .idle)
    }

    @Test("Moving averages follow the documented formulas; pauses and simultaneous edits do not count")
    func movingAverages() {
        var debouncer = Debouncer()
        #expect(close(debouncer.estimatedRenderDuration, .milliseconds(5)))
        #expect(close(debouncer.estimatedKeystrokeInterval, .milliseconds(150)))
        _ = debouncer.keystroke(at: .ms(0))
        _ = debouncer.keystroke(at: .ms(100))  // 150 + 0.2 × (100 − 150) = 140
        #expect(close(debouncer.estimatedKeystrokeInterval, .milliseconds(140)))
        _ = debouncer.keystroke(at: .ms(100))  // simultaneous: ignored
        _ = debouncer.keystroke(at: .ms(5100))  // pause: ignored
        #expect(close(debouncer.estimatedKeystrokeInterval, .milliseconds(140)))
        debouncer.renderStarted(at: .ms(6000))
        _ = debouncer.renderFinished(at: .ms(6100))  // 5 + 0.3 × (100 − 5) = 33.5
        #expect(close(debouncer.estimatedRenderDuration, .microseconds(33500)))
        debouncer.renderStarted(at: .ms(7000))
        _ = debouncer.renderFinished(at: .ms(7900), duration: .milliseconds(20))  // explicit duration wins
        #expect(close(debouncer.estimatedRenderDuration, .microseconds(29450)))
    }

    @Test("Works with ContinuousClock instants")
    func continuousClockInstants() {
        var debouncer = AdaptiveDebouncer<ContinuousClock.Instant>()
        let start = ContinuousClock.Instant.now
        #expect(debouncer.keystroke(at: start) == .renderNow)
        debouncer.renderStarted(at: start)
        #expect(debouncer.renderFinished(at: start.advanced(by: .milliseconds(2))) == .idle)
    }
}

/// A deterministic owner: keystrokes at given instants, renders of given durations,
/// one timer; it follows every decision and records what happened.
struct Simulation {
    struct Render {
        var start: VirtualInstant
        var end: VirtualInstant
        /// The oldest keystroke this render covers.
        var oldestKeystroke: VirtualInstant?
    }

    var debouncer: Debouncer
    var renderDuration: (Int) -> Duration
    var renders: [Render] = []
    var protocolViolations: [String] = []

    init(configuration: Debouncer.Configuration = .init(), renderDuration: @escaping (Int) -> Duration) {
        debouncer = Debouncer(configuration: configuration)
        self.renderDuration = renderDuration
    }

    mutating func run(keystrokes: [VirtualInstant]) {
        var timer: VirtualInstant?
        var renderEnd: VirtualInstant?
        var oldestUnrendered: VirtualInstant?
        var next = 0
        var inFlightOldest: VirtualInstant?
        var inFlightStart = VirtualInstant.ms(0)

        func follow(_ decision: Debouncer.Decision, at now: VirtualInstant) {
            switch decision {
            case .renderNow:
                if renderEnd != nil {
                    protocolViolations.append("renderNow while a render is in flight at \(now)")
                    return
                }
                debouncer.renderStarted(at: now)
                inFlightStart = now
                inFlightOldest = oldestUnrendered
                oldestUnrendered = nil
                renderEnd = now.advanced(by: renderDuration(renders.count))
                timer = nil
            case let .renderAt(deadline):
                if deadline <= now { protocolViolations.append("renderAt(\(deadline)) not in the future at \(now)") }
                timer = deadline
            case .awaitingRender:
                if renderEnd == nil { protocolViolations.append("awaitingRender with no render in flight at \(now)") }
                timer = nil
            case .idle:
                if oldestUnrendered != nil, renderEnd == nil { protocolViolations.append("idle with unrendered edits at \(now)") }
                timer = nil
            }
        }

        while true {
            let keystroke = next < keystrokes.count ? keystrokes[next] : nil
            // Order at equal instants: render completion, then timer, then keystroke.
            if let end = renderEnd, keystroke.map({ end <= $0 }) ?? true, timer.map({ end <= $0 }) ?? true {
                renderEnd = nil
                renders.append(Render(start: inFlightStart, end: end, oldestKeystroke: inFlightOldest))
                follow(debouncer.renderFinished(at: end), at: end)
            } else if let fire = timer, keystroke.map({ fire <= $0 }) ?? true {
                timer = nil
                follow(debouncer.tick(at: fire), at: fire)
            } else if let keystroke {
                next += 1
                if oldestUnrendered == nil { oldestUnrendered = keystroke }
                follow(debouncer.keystroke(at: keystroke), at: keystroke)
            } else {
                break
            }
        }
        if oldestUnrendered != nil { protocolViolations.append("edits left unrendered at the end") }
    }
}

/// A tiny deterministic PRNG (SplitMix64) for generating keystroke times.
struct TestRandom {
    private var generator: SplitMix64

    init(state: UInt64) { generator = SplitMix64(seed: state) }

    mutating func next() -> UInt64 { generator.next() }
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}

@Suite("AdaptiveDebouncer simulations")
struct AdaptiveDebouncerSimulationTests {
    /// Ten minutes of continuous typing every 60–200 ms.
    static func continuousTyping(seed: UInt64) -> [VirtualInstant] {
        var random = TestRandom(state: seed)
        var now = 0
        var times: [VirtualInstant] = []
        while now < 600_000 {
            times.append(.ms(now))
            now += random.int(in: 60...200)
        }
        return times
    }

    @Test("maxWait: during continuous typing the preview is never more than maxWait + one render behind",
          arguments: [5, 80, 300, 900])
    func maxWaitDuringContinuousTyping(renderMs: Int) {
        let keystrokes = Self.continuousTyping(seed: UInt64(renderMs))
        var simulation = Simulation { _ in .milliseconds(renderMs) }
        simulation.run(keystrokes: keystrokes)
        #expect(simulation.protocolViolations.isEmpty, "\(simulation.protocolViolations.prefix(3))")
        let maxWait = simulation.debouncer.configuration.maxWait
        let renderTime = Duration.milliseconds(renderMs)
        var worst = Duration.zero
        for render in simulation.renders {
            guard let oldest = render.oldestKeystroke else { continue }
            worst = max(worst, oldest.duration(to: render.start))
        }
        #expect(worst <= maxWait + renderTime, "a keystroke waited \(worst) for its render")
        // Gaps between consecutive render starts are bounded too: the next keystroke
        // comes at most 200 ms after a render starts, and is rendered within
        // maxWait + renderTime.
        for (a, b) in zip(simulation.renders, simulation.renders.dropFirst()) {
            #expect(a.start.duration(to: b.start) <= .milliseconds(200) + maxWait + renderTime)
            #expect(a.end <= b.start, "renders overlap")
        }
        // The last keystroke is rendered.
        #expect(simulation.renders.last!.start >= keystrokes.last!)
        if renderMs >= 300 {
            // Expensive renders are coalesced: far fewer renders than keystrokes.
            #expect(simulation.renders.count < keystrokes.count / 3)
        } else if renderMs == 5 {
            // Cheap renders: (nearly) every keystroke renders.
            #expect(simulation.renders.count > keystrokes.count * 9 / 10)
        }
    }

    @Test("Bursts separated by pauses: every burst is rendered soon after it ends")
    func burstsAndPauses() {
        var random = TestRandom(state: 7)
        var times: [VirtualInstant] = []
        var now = 0
        var burstEnds: [Int] = []
        for _ in 0..<50 {
            for _ in 0..<random.int(in: 1...40) {
                times.append(.ms(now))
                now += random.int(in: 80...220)
            }
            burstEnds.append(Int(times.last!.offset / .milliseconds(1)))
            now += random.int(in: 1500...8000)
        }
        for renderMs in [3, 120, 600] {
            var simulation = Simulation { _ in .milliseconds(renderMs) }
            simulation.run(keystrokes: times)
            #expect(simulation.protocolViolations.isEmpty, "\(simulation.protocolViolations.prefix(3))")
            let configuration = simulation.debouncer.configuration
            for end in burstEnds {
                // The render covering the burst's last keystroke starts within maxDelay
                // (or one render in flight) of it.
                let covering = simulation.renders.first { $0.start >= .ms(end) }
                #expect(covering != nil)
                if let covering {
                    #expect(VirtualInstant.ms(end).duration(to: covering.start) <= configuration.maxDelay + .milliseconds(renderMs))
                }
            }
        }
    }
}

@Suite("AdaptiveDebouncer render budget")
struct RenderBudgetTests {
    @Test("a 35 ms document typed at 150 ms renders no sooner than c / renderBudget after the last render start")
    func budgetSpacesRenders() {
        let configuration = Debouncer.Configuration(renderBudget: 0.1)
        let (trainedDebouncer, start) = trained(renderDuration: .milliseconds(35), interval: .milliseconds(150), configuration: configuration)
        var debouncer = trainedDebouncer
        var now = start
        var starts: [VirtualInstant] = []
        var nextDue: VirtualInstant?
        // 30 s of steady typing; the owner follows every decision.
        for _ in 0..<200 {
            if let due = nextDue, due <= now {
                debouncer.renderStarted(at: due)
                starts.append(due)
                nextDue = nil
                switch debouncer.renderFinished(at: due.advanced(by: .milliseconds(35)), duration: .milliseconds(35)) {
                case .renderAt(let instant): nextDue = instant
                case .renderNow: nextDue = due.advanced(by: .milliseconds(35))
                default: break
                }
            }
            switch debouncer.keystroke(at: now) {
            case .renderNow: nextDue = now
            case .renderAt(let instant): nextDue = instant
            default: break
            }
            now = now.advanced(by: .milliseconds(150))
        }
        let gaps = zip(starts, starts.dropFirst()).map { $0.duration(to: $1) }
        #expect(starts.count >= 40, "typing still refreshes the preview: \(starts.count) renders")
        #expect(starts.count <= 100, "at most every other keystroke renders: \(starts.count) of 200")
        #expect(gaps.dropFirst().allSatisfy { $0 >= .milliseconds(340) }, "gaps \(gaps.prefix(5))")
        #expect(gaps.allSatisfy { $0 <= .milliseconds(750) + .milliseconds(150) + .milliseconds(35) })
    }

    @Test("renderBudget 1 disables the rule: cheap-by-cadence renders follow every keystroke")
    func budgetDisabled() {
        let configuration = Debouncer.Configuration(renderBudget: 1)
        let (trainedDebouncer, start) = trained(renderDuration: .milliseconds(35), interval: .milliseconds(150), configuration: configuration)
        var debouncer = trainedDebouncer
        #expect(render(&debouncer, at: start, taking: .milliseconds(35)) == .idle)
        #expect(debouncer.keystroke(at: start.advanced(by: .milliseconds(100))) == .renderNow)
    }

    @Test("the budget never defers a render past maxDelay after the latest keystroke")
    func maxWaitWins() {
        let (trainedDebouncer, start) = trained(renderDuration: .milliseconds(400), interval: .milliseconds(150))
        var debouncer = trainedDebouncer
        _ = render(&debouncer, at: start, taking: .milliseconds(400))
        let first = start.advanced(by: .milliseconds(500))
        guard case .renderAt(let due) = debouncer.keystroke(at: first) else {
            Issue.record("expected a scheduled render")
            return
        }
        // c / budget = 4 s after the last start, but a lone keystroke settles maxDelay after it.
        #expect(due == first.advanced(by: debouncer.configuration.maxDelay))
    }
}
