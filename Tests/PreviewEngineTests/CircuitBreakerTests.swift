@testable import PreviewEngine
import Testing

/// The circuit breaker inside a document's render plan: no threads, no clock, no renderer.
@Suite("engine: the circuit breaker")
struct CircuitBreakerTests {
    func at(_ milliseconds: Int64) -> MonotonicInstant { MonotonicInstant(nanoseconds: milliseconds * 1_000_000) }

    let settings = PreviewEngine.CircuitBreakerSettings(failureThreshold: 2, coolDown: .seconds(10), maximumCoolDown: .seconds(25))

    /// A plan whose first render (version 0) has run and failed at `failAt`.
    func failingPlan(size: Int = 1000) -> (RenderPlan, RenderPlan.Failure) {
        var plan = RenderPlan(policy: EveryKeystrokePolicy(), openedAt: at(0), breaker: settings)
        let started = plan.startRender(currentVersion: 0, at: at(0))
        precondition(started)
        let failure = plan.renderFailed(version: 0, textSize: size, duration: .seconds(1), at: at(1000), currentVersion: 0, shuttingDown: false)
        return (plan, failure)
    }

    /// Fails the render that `action` asked for.
    func failNext(_ plan: inout RenderPlan, version: UInt64, size: Int = 1000, at time: Int64) -> RenderPlan.Failure {
        let started = plan.startRender(currentVersion: version, at: at(time))
        precondition(started)
        return plan.renderFailed(version: version, textSize: size, duration: .seconds(1), at: at(time + 1000), currentVersion: version, shuttingDown: false)
    }

    @Test("a failure below the threshold: reported, the same text not rendered again, an edit renders")
    func belowThreshold() {
        var (plan, failure) = failingPlan()
        #expect(failure == .init(consecutiveFailures: 1, pausedUntil: nil, next: .none), "the same text would fail again")
        #expect(!plan.breaker.isOpen)
        #expect(plan.edited(version: 1, at: at(2000), textSize: 1001) == .submit, "an edit renders as usual")
        #expect(plan.counters.failed == 1 && plan.counters.delivered == 0)
    }

    @Test("K failures in a row open the breaker until the cool-down; edits do not render meanwhile")
    func opens() {
        var (plan, _) = failingPlan()
        #expect(plan.edited(version: 1, at: at(2000), textSize: 1001) == .submit)
        let second = failNext(&plan, version: 1, at: 2000)
        #expect(second == .init(consecutiveFailures: 2, pausedUntil: at(13_000), next: .armTimer(at(13_000))))
        #expect(plan.breaker.isOpen)
        #expect(plan.edited(version: 2, at: at(4000), textSize: 1002) == .none, "paused: no render")
        #expect(plan.timerFired(at: at(5000), textSize: 1002) == .armTimer(at(13_000)), "an early timer re-arms the trial")
        let started1 = plan.startRender(currentVersion: 2, at: at(5000))
        #expect(!started1, "a stale queued task renders nothing while open")
    }

    @Test("half-open: the trial runs after the cool-down; success closes and delivers")
    func trialSucceeds() {
        var (plan, _) = failingPlan()
        _ = plan.edited(version: 1, at: at(2000), textSize: 1001)
        _ = failNext(&plan, version: 1, at: 2000)
        #expect(plan.timerFired(at: at(13_000), textSize: 1001) == .submit)
        #expect(plan.breaker.state == .halfOpen)
        #expect(plan.edited(version: 2, at: at(13_001), textSize: 10) == .none, "the trial decides what comes next")
        let started = plan.startRender(currentVersion: 2, at: at(13_002))
        #expect(started)
        let finish = plan.renderFinished(version: 2, duration: .milliseconds(5), at: at(13_007), cancelled: false, currentVersion: 2, shuttingDown: false)
        #expect(finish.deliveredEditTime != nil)
        #expect(plan.breaker.state == .closed && plan.breaker.consecutiveFailures == 0)
    }

    @Test("a failed trial opens again with twice the cool-down, capped")
    func trialFails() {
        var (plan, _) = failingPlan()
        _ = plan.edited(version: 1, at: at(2000), textSize: 1001)
        _ = failNext(&plan, version: 1, at: 2000)                       // open until 13 s
        #expect(plan.timerFired(at: at(13_000), textSize: 1001) == .submit)
        let third = failNext(&plan, version: 1, at: 13_000)            // fails at 14 s
        #expect(third.pausedUntil == at(34_000), "20 s: twice the cool-down")
        #expect(plan.timerFired(at: at(34_000), textSize: 1001) == .submit)
        let fourth = failNext(&plan, version: 1, at: 34_000)           // fails at 35 s
        #expect(fourth.pausedUntil == at(60_000), "25 s: the maximum")
        #expect(fourth.consecutiveFailures == 4)
    }

    @Test("an edit that halves the text starts the trial at once; a smaller cut does not")
    func shrinkingEdit() {
        var (plan, _) = failingPlan(size: 1000)
        _ = plan.edited(version: 1, at: at(2000), textSize: 1000)
        _ = failNext(&plan, version: 1, size: 1000, at: 2000)
        #expect(plan.edited(version: 2, at: at(4000), textSize: 501) == .none)
        #expect(plan.edited(version: 3, at: at(4100), textSize: 500) == .submit)
        #expect(plan.breaker.state == .halfOpen)
    }

    @Test("renderNow ends a pause: the render is the trial")
    func renderNowForcesTrial() {
        var (plan, _) = failingPlan()
        _ = plan.edited(version: 1, at: at(2000), textSize: 1001)
        _ = failNext(&plan, version: 1, at: 2000)
        #expect(plan.renderRequested() == .submit)
        let started2 = plan.startRender(currentVersion: 1, at: at(4000))
        #expect(started2)
    }

    @Test("edits during a failed render are rendered next; renderNow during it too; shutting down renders nothing more")
    func editsDuringFailure() {
        var plan = RenderPlan(policy: EveryKeystrokePolicy(), openedAt: at(0), breaker: .init(failureThreshold: 5))
        let started3 = plan.startRender(currentVersion: 0, at: at(0))
        #expect(started3)
        _ = plan.edited(version: 1, at: at(10), textSize: 5)
        let failure = plan.renderFailed(version: 0, textSize: 5, duration: .milliseconds(20), at: at(20), currentVersion: 1, shuttingDown: false)
        #expect(failure.next == .submit, "version 1 is new text")
        let started4 = plan.startRender(currentVersion: 1, at: at(30))
        #expect(started4)
        #expect(plan.renderRequested() == .none)
        let requested = plan.renderFailed(version: 1, textSize: 5, duration: .milliseconds(20), at: at(50), currentVersion: 1, shuttingDown: false)
        #expect(requested.next == .submit, "renderNow during the render still stands")
        let started5 = plan.startRender(currentVersion: 1, at: at(60))
        #expect(started5)
        let last = plan.renderFailed(version: 1, textSize: 5, duration: .milliseconds(20), at: at(80), currentVersion: 2, shuttingDown: true)
        #expect(last.next == .none, "no render loop while shutting down")
    }
}
