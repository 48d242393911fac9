import Dispatch
import DocumentModel
import EditTraces
import Foundation
import MarkdownRenderer
@testable import PreviewEngine
import RenderWorkers
import TestSupport
import Testing

/// One pathological document among five in one engine on render workers: it gets
/// `renderFailed` and `previewPaused`, the other four render every version as if it
/// were not there, and the engine's memory stays bounded (real time: the limits are
/// real deadlines and real memory caps).
@Suite("engine: one bad document among five")
struct BadDocumentIsolationTests {
    static let limits = RenderLimits(baseDeadline: .milliseconds(400), deadlinePerKiB: .milliseconds(1), memoryLimit: 256 << 20)

    @Test("four documents typed into keep their latency while the fifth fails and pauses")
    func fiveDocuments() throws {
        var generator = SplitMix64(seed: 11)
        // The bad document: a table bomb (memory), then a quadratic inline run (time).
        let tableBomb = HostileMarkdown.tableBomb(columns: 2_500 + Int(generator.next() % 500))
        let quadratic = HostileMarkdown.quadraticInlines(repetitions: 100_000 + Int(generator.next() % 20_000))
        let residentBefore = ProcessTable.residentBytes

        let engine = PreviewEngine(configuration: .init(
            policy: .everyKeystroke, statisticsDelay: nil,
            isolation: .workers(executable: try Subprocess.builtProduct("mdpreview").path, count: 2, limits: Self.limits),
            circuitBreaker: .init(failureThreshold: 2, coolDown: .seconds(120))
        ))
        let log = EventLog()
        engine.subscribe { log.append($0) }
        try engine.open("bad", text: tableBomb)
        let good = (0..<4).map { "good-\($0)" }
        for id in good {
            try engine.open(id, text: HostileMarkdown.mixture(size: 2_000, hostileShare: 0, using: &generator))
        }

        // Version 0 of each (edits made before it renders would coalesce it away).
        try #require(log.wait(timeout: .seconds(30)) { events in
            good.allSatisfy { id in events.contains { if case .rendered(let r) = $0 { r.documentID == id } else { false } } }
        })
        var latencies: [Duration] = []
        let rounds = 120
        for round in 1...rounds {
            if round == 10 { try engine.replaceText("bad", with: quadratic) }
            if round == 60 { try engine.edit("bad", .insert("x", at: 0)) }   // paused or failing: must not block anyone
            for id in good {
                let position = try engine.snapshot(of: id).text.unicodeScalars.count
                let version = try engine.edit(id, .insert(round % 7 == 0 ? "\n\n*x*" : "a", at: position))
                let delivered = log.wait(timeout: .seconds(30)) { events in
                    events.contains { if case .rendered(let r) = $0 { r.documentID == id && r.version == version } else { false } }
                }
                try #require(delivered, "\(id) version \(version) was delivered")
                latencies.append(log.renders(of: id).last!.latency)
            }
        }
        #expect(log.wait(timeout: .seconds(60)) { events in
            events.contains { if case .previewPaused(let pause) = $0 { pause.documentID == "bad" } else { false } }
        }, "the bad document was paused")

        // Every version of the good documents, in order, each the exact full render.
        for id in good {
            let renders = log.renders(of: id)
            #expect(renders.map(\.version) == Array(0...UInt64(rounds)), "\(id): every version delivered once, in order")
            #expect(renders.last?.html == MarkdownRenderer().render(try engine.snapshot(of: id).text))
        }
        latencies.sort()
        let p50 = latencies[latencies.count / 2], p99 = latencies[latencies.count * 99 / 100]
        print("five documents: good documents' edit-to-preview p50 \(p50), p99 \(p99), max \(latencies.last!) over \(latencies.count) edits")
        #expect(p99 < Self.limits.baseDeadline && latencies.last! < Self.limits.baseDeadline,
                "no good render waited for a bad one (each held a worker ≥ 400 ms; in process the worst wait was 7.1 s)")

        // The bad document: failures with their reasons, then the pause; nothing rendered.
        let failures = log.all.compactMap { if case .renderFailed(let f) = $0, f.documentID == "bad" { f } else { nil } }
        #expect(failures.count == 2)
        // The table bomb hits the memory cap; a ThreadSanitizer build of the worker is so slow
        // that it hits the deadline first (StdioBadDocumentTests pins `memory`). Never a crash.
        #expect(failures.first.map { if case .crash = $0.reason { false } else { true } } == true, "the table bomb was stopped by a limit")
        #expect(failures.last.map { if case .timeout = $0.reason { true } else { false } } == true, "the quadratic run hit its deadline")
        #expect(log.renders(of: "bad").isEmpty, "no HTML for the bad document")
        let pauseIndex = log.all.firstIndex { if case .previewPaused = $0 { true } else { false } }
        let lastFailureIndex = log.all.lastIndex { if case .renderFailed = $0 { true } else { false } }
        #expect(pauseIndex != nil && lastFailureIndex != nil && lastFailureIndex! < pauseIndex!, "renderFailed, then previewPaused")
        #expect(try engine.snapshot(of: "bad").text == "x" + quadratic, "its text is intact")

        // In process, the table bomb alone would have taken about 700 MB.
        let growth = ProcessTable.residentBytes - residentBefore
        print("five documents: resident memory grew by \(growth >> 20) MiB")
        // Other suites run in this process at the same time (under ThreadSanitizer their
        // memory counts several times over), so the bound leaves room for them; in
        // process the bad document alone grew it by 1.9 GiB.
        #expect(growth < 768 << 20, "the engine's memory stays bounded")

        // The workers end with the engine.
        guard case .workers(let pool) = engine.renderBackend else { Issue.record("the engine renders in workers"); return }
        // A render after the bad document's last failure, so that a worker is running.
        let last = try engine.edit(good[0], .insert("z", at: 0))
        try #require(log.wait(timeout: .seconds(30)) { events in
            events.contains { if case .rendered(let r) = $0 { r.documentID == good[0] && r.version == last } else { false } }
        })
        let workers = pool.workerProcessIDs
        #expect(!workers.isEmpty && workers.allSatisfy { ProcessTable.children().contains($0) })
        engine.shutdown()
        #expect(pool.workerProcessIDs.isEmpty)
        #expect(workers.allSatisfy { !ProcessTable.children().contains($0) }, "killed and reaped at shutdown")
    }
}
