import EditTraces
import Dispatch
import DocumentModel
import MarkdownRenderer
@testable import PreviewEngine
import Testing

@Suite("engine: rendering, ordering and debouncing in virtual time")
struct RenderSchedulingTests {
    @Test("opening renders version 0 at once; the result carries version, HTML and durations")
    func openRenders() throws {
        let harness = EngineHarness(renderCost: .milliseconds(3))
        try harness.engine.open("a", text: "# Title www.example.com\n")
        harness.advance(by: .milliseconds(3))
        let renders = harness.log.renders(of: "a")
        try #require(renders.count == 1)
        #expect(renders[0].version == 0)
        #expect(renders[0].html == referenceRenderer.render("# Title www.example.com\n"))
        #expect(renders[0].renderDuration == .milliseconds(3))
        #expect(renders[0].latency == .milliseconds(3))
    }

    @Test("leading edge: the first keystroke after a pause renders at once when rendering is cheap")
    func leadingEdge() throws {
        let harness = EngineHarness(renderCost: .milliseconds(2))
        try harness.engine.open("a", text: "")
        harness.advance(by: .seconds(5))
        try harness.engine.edit("a", .insert("x", at: 0))
        harness.engine.waitUntilIdle()
        #expect(try harness.engine.renderCounters(of: "a").started == 2, "the render started without any time passing")
        harness.advance(by: .milliseconds(2))
        let last = try #require(harness.log.renders(of: "a").last)
        #expect(last.version == 1)
        #expect(last.html == "<p>x</p>\n")
        #expect(last.latency == .milliseconds(2))
    }

    @Test("expensive renders wait while a burst is under way; maxWait still refreshes during continuous typing")
    func maxWaitDuringContinuousTyping() throws {
        let maxWait = Duration.milliseconds(750)
        let renderCost = Duration.milliseconds(200)
        let harness = EngineHarness(renderCost: renderCost, debouncer: .init(maxWait: maxWait))
        try harness.engine.open("a", text: "")
        harness.advance(by: .seconds(2))
        // 20 s of typing, one keystroke every 100 ms: renders cost twice the cadence.
        var typedAt: [UInt64: MonotonicInstant] = [:]
        for index in 0..<200 {
            let version = try harness.engine.edit("a", .insert("w", at: index))
            typedAt[version] = harness.clock.now
            harness.advance(by: .milliseconds(100))
        }
        harness.settle()
        let renders = harness.log.renders(of: "a").filter { $0.version > 0 }
        #expect(renders.count >= 10, "continuous typing still refreshes the preview")
        #expect(renders.count < 100, "an expensive document is not rendered on every keystroke")
        var previous = try #require(typedAt[1])
        for render in renders {
            // No edit waits longer than maxWait for its render to start, plus the render in
            // flight when it came and its own render.
            #expect(previous.duration(to: render.deliveredAt) <= maxWait + renderCost * 2, "gap before version \(render.version)")
            previous = render.deliveredAt
        }
        #expect(renders.last?.version == 200)
        #expect(renders.last?.html == referenceRenderer.render(String(repeating: "w", count: 200)))
    }

    @Test("results arrive in version order, each the exact render of its version's text")
    func orderingAndExactness() throws {
        let harness = EngineHarness(renderCost: .milliseconds(30), workers: 2)
        try harness.engine.open("a", text: "")
        var texts: [UInt64: String] = [0: ""]
        var generator = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let current = try harness.text("a")
            let scalars = current.unicodeScalars.count
            let offset = Int(generator.next() % UInt64(scalars + 1))
            let insert = ["a", " ", "\n", "*", "# ", "www.x.com ", "|", "-"][Int(generator.next() % 8)]
            let version = try harness.engine.edit("a", .insert(insert, at: offset))
            texts[version] = try harness.text("a")
            harness.advance(by: .milliseconds(Int64(generator.next() % 120)))
        }
        harness.settle()
        let renders = harness.log.renders(of: "a")
        #expect(renders.count > 5)
        for (earlier, later) in zip(renders, renders.dropFirst()) {
            #expect(earlier.version < later.version, "a version was delivered after a newer one")
            #expect(earlier.deliveredAt <= later.deliveredAt)
        }
        for render in renders {
            #expect(render.html == referenceRenderer.render(try #require(texts[render.version])), "version \(render.version)")
        }
        #expect(renders.last?.version == 300)
    }

    @Test("renders requested while one is queued coalesce into one execution")
    func coalescing() throws {
        let harness = EngineHarness(renderCost: .milliseconds(1), workers: 1)
        try harness.engine.open("a", text: "start")
        harness.advance(by: .seconds(2))
        let gate = Gate()
        // Occupy the only worker so renders queue up.
        try harness.engine.pool.submit(priority: .critical) { _ in gate.wait() }
        for index in 0..<10 {
            try harness.engine.edit("a", .insert("!", at: 5 + index))
            try harness.engine.renderNow("a")
        }
        gate.open()
        harness.settle()
        let counters = try harness.engine.renderCounters(of: "a")
        #expect(counters.coalesced >= 9, "\(counters)")
        #expect(counters.started == 2, "one render at open, one for the ten edits: \(counters)")
        let last = try #require(harness.log.renders(of: "a").last)
        #expect(last.version == 10)
        #expect(last.html == "<p>start!!!!!!!!!!</p>\n")
    }

    @Test("one render in flight per document: edits during a render wait for it, then render once")
    func oneInFlight() throws {
        let harness = EngineHarness(renderCost: .milliseconds(40))
        try harness.engine.open("a", text: "")
        harness.advance(by: .seconds(2))
        try harness.engine.edit("a", .insert("a", at: 0))
        harness.engine.waitUntilIdle()
        for index in 1..<6 {
            harness.advance(by: .milliseconds(5))
            try harness.engine.edit("a", .insert("b", at: index))
        }
        #expect(try harness.engine.renderCounters(of: "a").started == 2)
        harness.settle()
        let counters = try harness.engine.renderCounters(of: "a")
        #expect(counters.started == 3, "\(counters)")
        #expect(harness.log.renders(of: "a").map(\.version) == [0, 1, 6])
    }

    @Test("invalid edits are rejected with nothing changed and nothing rendered")
    func invalidEdits() throws {
        let harness = EngineHarness()
        try harness.engine.open("a", text: "héllo 🎉\n")
        harness.settle()
        let before = harness.log.renders.count
        let invalid: [TextPatch] = [
            .insert("x", at: 100),
            .delete(offset: 3, length: 50),
            .insert("x", at: -1),
            .insert("x", at: 7, unit: .utf16),   // between the surrogates of 🎉
            .insert("x", at: 2, unit: .utf8),    // inside é
            .replace(from: LinePosition(line: 5, character: 0), to: LinePosition(line: 5, character: 0), with: "x"),
        ]
        for patch in invalid {
            #expect(throws: EngineError.self) { try harness.engine.edit("a", patch) }
        }
        #expect(throws: EngineError.self) { try harness.engine.edit("a", transaction: [.insert("ok", at: 0), .insert("x", at: 99)]) }
        #expect(throws: EngineError.unknownDocument("b")) { try harness.engine.edit("b", .insert("x", at: 0)) }
        #expect(throws: EngineError.documentAlreadyOpen("a")) { try harness.engine.open("a", text: "") }
        let snapshot = try harness.engine.snapshot(of: "a")
        #expect(snapshot.version == 0)
        #expect(snapshot.text == "héllo 🎉\n")
        harness.settle()
        #expect(harness.log.renders.count == before)
    }

    @Test("a burst in one document does not starve another's renders")
    func fairnessAcrossDocuments() throws {
        let harness = EngineHarness(renderCost: .milliseconds(40), workers: 1)
        try harness.engine.open("busy", text: "")
        try harness.engine.open("quiet", text: "")
        harness.advance(by: .seconds(2))
        try harness.engine.edit("quiet", .insert("q", at: 0))
        var quietDeliveredAfter: Int?
        for index in 0..<100 {
            try harness.engine.edit("busy", .insert("x", at: index))
            try harness.engine.renderNow("busy")
            harness.advance(by: .milliseconds(10))
            if quietDeliveredAfter == nil, harness.log.renders(of: "quiet").contains(where: { $0.version == 1 }) {
                quietDeliveredAfter = index
            }
        }
        let delivered = try #require(quietDeliveredAfter, "the quiet document was never rendered during the burst")
        #expect(delivered < 15, "quiet document waited for \(delivered) busy keystrokes")
    }
}

/// A one-shot gate a test opens to release a blocked task.
final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func wait() { semaphore.wait() }
    func open() { semaphore.signal() }
}

