import DocumentModel
import EditTraces
import Foundation
import MarkdownRenderer
@testable import PreviewEngine
import Primitives
import RenderWorkers
import TestSupport
import Testing
import ThreadPool

/// One pathological document among five in one engine on render workers: it gets
/// `renderFailed` (the memory cap, then its deadline) and `previewPaused`, while the other
/// four render every version as if it were not there. The deadline is decided by the
/// workers' manual clock and the stuck render hangs its worker until killed, so what the
/// test checks is exact: the good documents rendered every version while the bad one held
/// a worker. (The latency and memory figures of this scenario are the isolation
/// benchmark's: `./dev bench isolation neighbours`.)
@Suite("engine: one bad document among five")
struct BadDocumentIsolationTests {
    @Test("four documents render every version while the fifth holds a worker, fails twice and pauses")
    func fiveDocuments() throws {
        var generator = SplitMix64(seed: 11)
        let workers = try HangingWorkers(workers: 2, limits: RenderLimits(baseDeadline: .seconds(1), deadlinePerKiB: .zero, memoryLimit: 256 << 20))
        var configuration = PreviewEngine.Configuration(
            policy: .everyKeystroke, statisticsDelay: nil, isolation: .inProcess,
            circuitBreaker: .init(failureThreshold: 2, coolDown: .seconds(120))
        )
        configuration.renderWorkers = workers.pool
        // Three threads, whatever the machine: one the stuck render holds, others for the rest.
        let threads = ThreadPool(configuration: .init(threadCount: 3, concurrencyLimits: [PreviewEngine.autosaveClass: 1]))
        defer { threads.shutdown() }
        let engine = PreviewEngine(configuration: configuration, clock: SystemEngineClock(), pool: threads)
        let log = EventLog()
        engine.subscribe { log.append($0) }

        // The table bomb reaches the workers' memory cap (in process it would take ~700 MB).
        try engine.open("bad", text: HostileMarkdown.tableBomb(columns: 2_500 + Int(generator.next() % 500)))
        try #require(log.wait { events in events.contains { if case .renderFailed(let f) = $0 { f.documentID == "bad" } else { false } } })
        // Then a text whose render never ends by itself: it holds one of the two workers.
        try engine.replaceText("bad", with: HangingWorkers.document)
        let stuckWorker = try #require(workers.waitForRequests(2))

        let good = (0..<4).map { "good-\($0)" }
        for id in good {
            try engine.open(id, text: HostileMarkdown.mixture(size: 2_000, hostileShare: 0, using: &generator))
        }
        // Version 0 of each (edits made before it renders would coalesce it away).
        try #require(log.wait { events in
            good.allSatisfy { id in events.contains { if case .rendered(let r) = $0 { r.documentID == id } else { false } } }
        })
        let rounds = 60
        for round in 1...rounds {
            if round == 30 { try engine.edit("bad", .insert("x", at: 0)) }   // its render still runs: must not block anyone
            for id in good {
                let position = try engine.snapshot(of: id).text.unicodeScalars.count
                let version = try engine.edit(id, .insert(round % 7 == 0 ? "\n\n*x*" : "a", at: position))
                try #require(log.wait { events in
                    events.contains { if case .rendered(let r) = $0 { r.documentID == id && r.version == version } else { false } }
                }, "\(id) version \(version) was delivered")
            }
        }
        // All of that while the bad render held its worker: no deadline has passed.
        #expect(ProcessTable.children().contains(stuckWorker), "the stuck render still runs")
        #expect(log.all.count { if case .renderFailed = $0 { true } else { false } } == 1)

        // Its deadline: the worker is killed, the document fails a second time and pauses.
        workers.clock.advance(by: .seconds(1))
        try #require(log.wait { events in
            events.contains { if case .previewPaused(let pause) = $0 { pause.documentID == "bad" } else { false } }
        }, "the bad document was paused")
        #expect(!ProcessTable.children().contains(stuckWorker), "killed and reaped")

        // Every version of the good documents, in order, each the exact full render.
        for id in good {
            let renders = log.renders(of: id)
            #expect(renders.map(\.version) == Array(0...UInt64(rounds)), "\(id): every version delivered once, in order")
            #expect(renders.last?.html == MarkdownRenderer().render(try engine.snapshot(of: id).text))
        }
        // The bad document: the memory cap, then the deadline, then the pause; no HTML.
        let failures = log.all.compactMap { if case .renderFailed(let f) = $0, f.documentID == "bad" { f } else { nil } }
        #expect(failures.map(\.reason) == [.memory(limit: 256 << 20), .timeout(deadline: .seconds(1))])
        #expect(failures.map(\.consecutiveFailures) == [1, 2])
        #expect(log.renders(of: "bad").isEmpty, "no HTML for the bad document")
        let pauseIndex = log.all.firstIndex { if case .previewPaused = $0 { true } else { false } }
        let lastFailureIndex = log.all.lastIndex { if case .renderFailed = $0 { true } else { false } }
        #expect(pauseIndex != nil && lastFailureIndex != nil && lastFailureIndex! < pauseIndex!, "renderFailed, then previewPaused")
        #expect(try engine.snapshot(of: "bad").text == "x" + HangingWorkers.document, "its text is intact")

        // The workers end with the engine.
        let last = try engine.edit(good[0], .insert("z", at: 0))
        try #require(log.wait { events in
            events.contains { if case .rendered(let r) = $0 { r.documentID == good[0] && r.version == last } else { false } }
        })
        let running = workers.pool.workerProcessIDs
        #expect(!running.isEmpty && running.allSatisfy { ProcessTable.children().contains($0) })
        engine.shutdown()
        #expect(workers.pool.workerProcessIDs.isEmpty)
        #expect(running.allSatisfy { !ProcessTable.children().contains($0) }, "killed and reaped at shutdown")
    }
}
