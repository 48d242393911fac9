import MarkdownRenderer
@testable import PreviewEngine
import Primitives
import RenderWorkers
import Testing

/// The circuit breaker through the engine, in virtual time: the events, the trial on the
/// render timer at the end of the cool-down, the doubling, a shrinking edit, shutdown.
/// Renders fail on cue (any text holding "BAD") through an injected render function.
@Suite("engine: the circuit breaker in virtual time")
struct CircuitBreakerEngineTests {
    final class Renders: Sendable {
        private let count = Locked(0)
        var calls: Int { count.withLock { $0 } }

        func render(_ text: String, _ options: RenderOptions) -> Result<BlockParse, RenderFailure> {
            count.withLock { $0 += 1 }
            return text.contains("BAD") ? .failure(.timeout(deadline: .seconds(1))) : .success(MarkdownRenderer(options: options).parseBlocks(text))
        }
    }

    static func harness(_ renders: Renders) -> EngineHarness {
        EngineHarness(
            policy: .everyKeystroke, autosaveDelay: .seconds(3600),
            circuitBreaker: .init(failureThreshold: 2, coolDown: .seconds(10), maximumCoolDown: .seconds(15)),
            render: { renders.render($0, $1) }
        )
    }

    static func pauses(_ log: EventLog) -> [PreviewPause] {
        log.all.compactMap { if case .previewPaused(let pause) = $0 { pause } else { nil } }
    }

    static func failures(_ log: EventLog) -> [RenderFailureReport] {
        log.all.compactMap { if case .renderFailed(let report) = $0 { report } else { nil } }
    }

    static let bad = String(repeating: "x", count: 1000) + "BAD"

    @Test("two failures pause; edits render nothing; the trial runs when the cool-down ends; a failed trial doubles it (capped); success renders")
    func coolDown() throws {
        let renders = Renders()
        let harness = Self.harness(renders)
        let engine = harness.engine
        try engine.open("doc", text: Self.bad)
        harness.advance(by: .milliseconds(10))
        #expect(Self.failures(harness.log).map(\.consecutiveFailures) == [1])
        #expect(Self.pauses(harness.log).isEmpty)
        try engine.edit("doc", .insert("y", at: 0))
        harness.advance(by: .milliseconds(10))
        #expect(Self.failures(harness.log).map(\.consecutiveFailures) == [1, 2])
        let first = try #require(Self.pauses(harness.log).first)
        #expect(first.consecutiveFailures == 2 && first.reason == .timeout(deadline: .seconds(1)))
        let lastEvent = try #require(harness.log.all.last)
        guard case .previewPaused = lastEvent else { Issue.record("renderFailed, then previewPaused"); return }

        try engine.edit("doc", .insert("z", at: 0))
        harness.advance(by: harness.clock.now.duration(to: first.until) - .milliseconds(1))
        #expect(renders.calls == 2, "paused: the edit rendered nothing")
        harness.advance(by: .milliseconds(1))
        #expect(renders.calls == 3, "the trial ran when the cool-down ended")
        harness.advance(by: .milliseconds(10))   // its result arrives after its 2 ms of virtual render time
        let second = try #require(Self.pauses(harness.log).dropFirst().first, "the failed trial paused again")
        #expect(first.until.duration(to: second.until) > .seconds(14) && first.until.duration(to: second.until) < .seconds(16),
                "15 s: twice the cool-down, capped")

        let size = try engine.snapshot(of: "doc").text.unicodeScalars.count
        try engine.edit("doc", .delete(offset: size - 3, length: 3))   // no more "BAD", but not half the size
        harness.advance(by: harness.clock.now.duration(to: second.until) - .milliseconds(1))
        #expect(renders.calls == 3)
        harness.advance(by: .milliseconds(10))
        #expect(renders.calls == 4)
        let rendered = try #require(harness.log.renders(of: "doc").last)
        #expect(rendered.version == (try engine.snapshot(of: "doc").version))
        #expect(rendered.html == referenceRenderer.render(try harness.text("doc")))
        #expect(try engine.renderCounters(of: "doc").failed == 3)
    }

    @Test("an edit that halves the text starts the trial at once; renderNow too")
    func shrinkAndRenderNow() throws {
        let renders = Renders()
        let harness = Self.harness(renders)
        let engine = harness.engine
        try engine.open("doc", text: Self.bad)
        harness.advance(by: .milliseconds(10))
        try engine.replaceText("doc", with: Self.bad + "!")
        harness.advance(by: .milliseconds(10))
        #expect(Self.pauses(harness.log).count == 1)
        try engine.replaceText("doc", with: "# short BAD")   // a tenth of the size: a trial, which fails
        harness.advance(by: .milliseconds(10))
        #expect(renders.calls == 3 && Self.pauses(harness.log).count == 2)
        try engine.replaceText("doc", with: "# short")          // not half of "# short BAD": waits
        harness.advance(by: .milliseconds(10))
        #expect(renders.calls == 3)
        try engine.renderNow("doc")
        harness.advance(by: .milliseconds(10))
        #expect(renders.calls == 4)
        #expect(harness.log.renders(of: "doc").last?.html == "<h1>short</h1>\n")
    }

    @Test("shutdown does not render a paused document again and lists it as undelivered; other documents are not affected")
    func shutdownWhilePaused() throws {
        let renders = Renders()
        let harness = Self.harness(renders)
        let engine = harness.engine
        try engine.open("bad", text: Self.bad)
        try engine.open("good", text: "# fine\n")
        harness.advance(by: .milliseconds(10))
        try engine.edit("bad", .insert("y", at: 0))
        try engine.edit("good", .insert("!", at: 6))
        harness.advance(by: .milliseconds(10))
        #expect(Self.pauses(harness.log).map(\.documentID) == ["bad"])
        #expect(harness.log.renders(of: "good").last?.html == "<h1>fine!</h1>\n")
        try engine.edit("bad", .insert("z", at: 0))
        let calls = renders.calls
        let report = engine.shutdown()
        #expect(report.undelivered == ["bad"])
        #expect(renders.calls == calls, "the paused document was not rendered at shutdown")
    }
}
