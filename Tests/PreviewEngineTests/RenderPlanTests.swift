@testable import PreviewEngine
import Testing

/// The render rules as a value: no threads, no clock, no renderer.
@Suite("engine: the render plan")
struct RenderPlanTests {
    func at(_ milliseconds: Int64) -> MonotonicInstant { MonotonicInstant(nanoseconds: milliseconds * 1_000_000) }

    /// Starts and finishes one render of `version` at `start` taking `milliseconds`.
    func render(
        _ plan: inout RenderPlan, version: UInt64, current: UInt64? = nil, start: Int64, taking milliseconds: Int64 = 10,
        cancelled: Bool = false, shuttingDown: Bool = false
    ) -> RenderPlan.Finish? {
        guard plan.startRender(currentVersion: version, at: at(start)) else { return nil }
        return plan.renderFinished(
            version: version, duration: .milliseconds(milliseconds), at: at(start + milliseconds), cancelled: cancelled,
            currentVersion: current ?? version, shuttingDown: shuttingDown
        )
    }

    @Test("a delivered render reports its newest covered edit; versions it covers are not rendered again")
    func deliveryAndLatency() throws {
        var plan = RenderPlan(policy: EveryKeystrokePolicy(), openedAt: at(0))
        #expect(render(&plan, version: 0, start: 0) == .init(deliveredEditTime: at(0), next: .none))
        #expect(plan.edited(version: 1, at: at(100), textSize: 100) == .submit)
        #expect(plan.edited(version: 2, at: at(120), textSize: 100) == .submit)
        #expect(render(&plan, version: 2, start: 130) == .init(deliveredEditTime: at(120), next: .none))
        let started28 = plan.startRender(currentVersion: 2, at: at(200))
        #expect(!started28, "version 2 is delivered already")
        #expect(plan.counters.started == 2 && plan.counters.delivered == 2 && plan.counters.discarded == 0)
        #expect(plan.counters.renderTime == .milliseconds(20))
    }

    @Test("one render at a time: a task that starts while one runs renders nothing")
    func oneAtATime() {
        var plan = RenderPlan(policy: EveryKeystrokePolicy(), openedAt: at(0))
        let started36 = plan.startRender(currentVersion: 0, at: at(0))
        #expect(started36)
        #expect(plan.edited(version: 1, at: at(5), textSize: 100) == .none, "the policy waits for the render in flight")
        let started38 = plan.startRender(currentVersion: 1, at: at(6))
        #expect(!started38)
        let finish = plan.renderFinished(version: 0, duration: .milliseconds(10), at: at(10), cancelled: false, currentVersion: 1, shuttingDown: false)
        #expect(finish == .init(deliveredEditTime: at(0), next: .submit), "the edit made meanwhile is rendered next")
        #expect(plan.isRendering == false)
    }

    @Test("an older render finishing after a newer delivery is discarded, so versions only increase")
    func versionOrder() {
        var plan = RenderPlan(policy: EveryKeystrokePolicy(), openedAt: at(0))
        _ = plan.edited(version: 1, at: at(1), textSize: 100)
        _ = plan.edited(version: 2, at: at(2), textSize: 100)
        #expect(render(&plan, version: 2, start: 3)?.deliveredEditTime == at(2))
        // A render of version 1 (started from a snapshot taken earlier) ends late.
        let started51 = plan.startRender(currentVersion: 3, at: at(20))
        #expect(started51)
        let late = plan.renderFinished(version: 1, duration: .milliseconds(1), at: at(21), cancelled: false, currentVersion: 3, shuttingDown: false)
        #expect(late.deliveredEditTime == nil)
        #expect(plan.lastDeliveredVersion == 2)
        #expect(plan.counters.discarded == 1)
    }

    @Test("a cancelled render is discarded and counted")
    func cancelled() {
        var plan = RenderPlan(policy: EveryKeystrokePolicy(), openedAt: at(0))
        let finish = render(&plan, version: 0, start: 0, cancelled: true)
        #expect(finish?.deliveredEditTime == nil)
        #expect(plan.counters.discarded == 1 && plan.counters.delivered == 0)
        #expect(!plan.hasDelivered(0))
    }

    @Test("renderNow while a render runs: the next render starts as soon as it finishes, even of the same version")
    func renderNowWhileRendering() {
        var plan = RenderPlan(policy: TrailingDebouncePolicy(delay: .milliseconds(300)), openedAt: at(0))
        #expect(plan.renderRequested() == .submit, "nothing runs: submit at once")
        let started71 = plan.startRender(currentVersion: 0, at: at(0))
        #expect(started71)
        #expect(plan.edited(version: 1, at: at(5), textSize: 100) == .none)
        #expect(plan.renderRequested() == .none, "remembered until the render ends")
        let finish = plan.renderFinished(version: 0, duration: .milliseconds(10), at: at(10), cancelled: false, currentVersion: 1, shuttingDown: false)
        #expect(finish.next == .submit, "not the policy's 300 ms wait")
        let started76 = plan.startRender(currentVersion: 1, at: at(11))
        #expect(started76)
        // Without renderNow the trailing policy would wait.
        #expect(plan.edited(version: 2, at: at(12), textSize: 100) == .none)
        let next = plan.renderFinished(version: 1, duration: .milliseconds(10), at: at(21), cancelled: false, currentVersion: 2, shuttingDown: false)
        #expect(next.next == .armTimer(at(312)))
    }

    @Test("renderNow during a render of the current text is answered by that render, unless it was cancelled")
    func renderNowAnsweredByRunningRender() {
        var plan = RenderPlan(policy: EveryKeystrokePolicy(), openedAt: at(0))
        let first = plan.startRender(currentVersion: 0, at: at(0))
        #expect(first)
        #expect(plan.renderRequested() == .none)
        let finish = plan.renderFinished(version: 0, duration: .milliseconds(1), at: at(1), cancelled: false, currentVersion: 0, shuttingDown: false)
        #expect(finish == .init(deliveredEditTime: at(0), next: .none), "no task that would render nothing")
        var trailing = RenderPlan(policy: TrailingDebouncePolicy(delay: .seconds(1)), openedAt: at(0))
        let second = trailing.startRender(currentVersion: 0, at: at(2))
        #expect(second)
        #expect(trailing.renderRequested() == .none)
        let cancelled = trailing.renderFinished(version: 0, duration: .milliseconds(1), at: at(3), cancelled: true, currentVersion: 0, shuttingDown: false)
        #expect(cancelled == .init(deliveredEditTime: nil, next: .submit), "nothing was delivered: the request still stands")
    }

    @Test("a timer expiry asks the policy; the trailing debounce renders once the quiet time has passed")
    func timer() {
        var plan = RenderPlan(policy: TrailingDebouncePolicy(delay: .milliseconds(300)), openedAt: at(0))
        _ = render(&plan, version: 0, start: 0)
        #expect(plan.edited(version: 1, at: at(100), textSize: 100) == .armTimer(at(400)))
        #expect(plan.edited(version: 2, at: at(200), textSize: 100) == .armTimer(at(500)))
        #expect(plan.timerFired(at: at(400), textSize: 100) == .armTimer(at(500)))
        #expect(plan.timerFired(at: at(500), textSize: 100) == .submit)
    }

    @Test("while shutting down, only an undelivered current version is rendered again, and no timer is armed")
    func shuttingDown() {
        var plan = RenderPlan(policy: TrailingDebouncePolicy(delay: .milliseconds(300)), openedAt: at(0))
        _ = plan.edited(version: 1, at: at(1), textSize: 100)
        let started107 = plan.startRender(currentVersion: 1, at: at(2))
        #expect(started107)
        _ = plan.edited(version: 2, at: at(3), textSize: 100)
        let behind = plan.renderFinished(version: 1, duration: .milliseconds(1), at: at(4), cancelled: false, currentVersion: 2, shuttingDown: true)
        #expect(behind == .init(deliveredEditTime: at(1), next: .submit))
        let done = render(&plan, version: 2, start: 5, shuttingDown: true)
        #expect(done == .init(deliveredEditTime: at(3), next: .none))
        #expect(plan.hasDelivered(2))
    }

    @Test("submissions and coalesced replacements are counted")
    func submissions() {
        var plan = RenderPlan(policy: EveryKeystrokePolicy(), openedAt: at(0))
        plan.submitted(coalesced: false)
        plan.submitted(coalesced: true)
        #expect(plan.counters.requested == 2 && plan.counters.coalesced == 1)
    }
}
