@testable import PreviewEngine
import Testing

@Suite("render policies")
struct RenderPolicyTests {
    let t0 = MonotonicInstant(nanoseconds: 1_000_000_000)
    func at(_ milliseconds: Int64) -> MonotonicInstant { t0.advanced(by: .milliseconds(milliseconds)) }

    @Test("every keystroke: render at once, or right after the render in flight")
    func everyKeystroke() {
        var policy = EveryKeystrokePolicy()
        #expect(policy.keystroke(at: at(0)) == .renderNow)
        policy.renderStarted(at: at(0))
        #expect(policy.keystroke(at: at(5)) == .awaitingRender)
        #expect(policy.renderFinished(at: at(10), duration: .milliseconds(10)) == .renderNow)
        policy.renderStarted(at: at(10))
        #expect(policy.renderFinished(at: at(20), duration: .milliseconds(10)) == .idle)
        #expect(!policy.hasUnrenderedEdits)
    }

    @Test("trailing debounce: each edit pushes the render back; none during continuous typing")
    func trailingDebounce() {
        var policy = TrailingDebouncePolicy(delay: .milliseconds(300))
        #expect(policy.keystroke(at: at(0)) == .renderAt(at(300)))
        #expect(policy.keystroke(at: at(200)) == .renderAt(at(500)))
        #expect(policy.tick(at: at(300)) == .renderAt(at(500)))
        #expect(policy.tick(at: at(500)) == .renderNow)
        policy.renderStarted(at: at(500))
        #expect(policy.keystroke(at: at(550)) == .awaitingRender)
        #expect(policy.renderFinished(at: at(600), duration: .milliseconds(100)) == .renderAt(at(850)))
        #expect(policy.renderFinished(at: at(900), duration: .milliseconds(100)) == .renderNow)
    }

    @Test("debounce with a dirty flag: edits during a render re-render one delay after it ends")
    func dirtyFlag() {
        var policy = DebounceWithDirtyFlagPolicy(delay: .milliseconds(200))
        #expect(policy.keystroke(at: at(0)) == .renderAt(at(200)))
        #expect(policy.tick(at: at(200)) == .renderNow)
        policy.renderStarted(at: at(200))
        #expect(policy.keystroke(at: at(250)) == .awaitingRender)
        #expect(policy.hasUnrenderedEdits)
        #expect(policy.renderFinished(at: at(300), duration: .milliseconds(100)) == .renderAt(at(500)))
        policy.renderStarted(at: at(500))
        #expect(policy.renderFinished(at: at(600), duration: .milliseconds(100)) == .idle)
    }

    @Test("the engine runs any policy: fixed debounce renders only after typing stops")
    func engineWithTrailingDebounce() throws {
        let harness = EngineHarness(renderCost: .milliseconds(5), policy: .trailingDebounce(.milliseconds(300)))
        try harness.engine.open("a", text: "")
        harness.settle()
        for index in 0..<30 {
            try harness.engine.edit("a", .insert("z", at: index))
            harness.advance(by: .milliseconds(100))
        }
        #expect(harness.log.renders(of: "a").map(\.version) == [0], "no render while typing")
        harness.settle()
        #expect(harness.log.renders(of: "a").map(\.version) == [0, 30])
        #expect(harness.log.renders(of: "a").last?.latency == .milliseconds(305))
    }
}
