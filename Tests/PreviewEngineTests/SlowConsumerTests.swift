import Primitives
import Dispatch
import DocumentModel
@testable import PreviewEngine
import IncrementalRender
import MarkdownRenderer
import Testing
import ThreadPool

@Suite("engine: a subscriber that stops reading")
struct SlowConsumerTests {
    @Test("while a handler blocks, only the newest undelivered render is kept; afterwards it gets the latest version at once")
    func blockedHandlerKeepsOnlyTheNewest() throws {
        let clock = ManualEngineClock()
        clock.renderDuration = .milliseconds(1)
        let pool = ThreadPool(configuration: .init(threadCount: 2))
        defer { pool.shutdown(.cancelPending) }
        let engine = PreviewEngine(
            configuration: .init(policy: .everyKeystroke, autosaveDelay: .seconds(3600), statisticsDelay: nil),
            clock: clock, pool: pool
        )
        let gate = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        let slow = Locked<[UInt64]>([])
        let fast = Locked<[UInt64]>([])
        let slowQueue = DispatchQueue(label: "slow subscriber")
        let subscription: PreviewEngine.Subscription = engine.subscribe(on: slowQueue) { event in
            guard case .rendered(let result) = event else { return }
            if slow.withLock({ $0.isEmpty }) {
                entered.signal()
                gate.wait()
            }
            slow.withLock { $0.append(result.version) }
        }
        engine.subscribe { event in
            if case .rendered(let result) = event { fast.withLock { $0.append(result.version) } }
        }
        try engine.open("a", text: "")
        clock.advance(by: .milliseconds(2)) { pool.waitUntilIdle() }
        entered.wait()   // the slow handler holds version 0 and blocks
        for index in 0..<500 {
            try engine.edit("a", .insert("x", at: index))
            clock.advance(by: .milliseconds(2)) { pool.waitUntilIdle() }
            #expect(engine.state.withLock { $0.fanOut.mailboxes[subscription.id]!.events.count } <= 1, "at most the newest render waits")
        }
        // The other subscriber, on its own queue, kept up meanwhile.
        #expect(eventually { fast.withLock { $0.last } == 500 })
        gate.signal()
        engine.waitUntilIdle()
        #expect(slow.withLock { $0 } == [0, 500])
        #expect(subscription.droppedEventCount == 499)
        let versions = fast.withLock { $0 }
        #expect(versions.count > 250 && versions == versions.sorted() && Set(versions).count == versions.count)
    }

    @Test("the fan-out replaces the undelivered event of the same kind and document, keeps order otherwise")
    func fanOutReplacement() {
        var fanOut = EventFanOut()
        fanOut.add(1, queue: DispatchQueue(label: "q")) { _ in }
        func render(_ doc: String, _ version: UInt64) -> PreviewEvent {
            var blocks = IncrementalDocument()
            let patch = blocks.update(to: "", version: version, changes: nil) { MarkdownRenderer().parseBlocks(utf8: $0) }
            return .rendered(RenderResult(
                documentID: doc, version: version, patch: patch, content: blocks.content, update: blocks.lastUpdate,
                renderDuration: .zero, editedAt: .zero, startedAt: .zero, deliveredAt: .zero
            ))
        }
        #expect(fanOut.publish(render("a", 1)).count == 1, "an idle subscriber needs a drain")
        #expect(fanOut.publish(render("b", 1)).isEmpty, "a drain is scheduled already")
        _ = fanOut.publish(.saved(SaveResult(documentID: "a", version: 1, path: "/p")))
        _ = fanOut.publish(render("a", 2))
        _ = fanOut.publish(.closed("b"))
        var order: [String] = []
        while let next = fanOut.next(for: 1) {
            switch next.event {
            case .rendered(let result): order.append("render \(result.documentID)\(result.version)")
            case .saved(let result): order.append("saved \(result.documentID)\(result.version)")
            case .closed(let doc): order.append("closed \(doc)")
            default: order.append("other")
            }
        }
        #expect(order == ["render b1", "saved a1", "render a2", "closed b"])
        #expect(fanOut.droppedCount(of: 1) == 1)
        #expect(fanOut.publish(render("a", 3)).count == 1, "the drain ended with the queue empty")
    }

    @Test("progress and saved events are all kept while the subscriber keeps up, and bounded once it falls behind")
    func fanOutPressure() {
        var fanOut = EventFanOut()
        fanOut.add(1, queue: DispatchQueue(label: "q")) { _ in }
        for step in 0..<10 {
            _ = fanOut.publish(.progress(TaskProgressReport(documentID: "a", task: "autosave", fraction: Double(step) / 10, message: "")))
        }
        #expect(fanOut.undeliveredCount == 10, "nothing replaced below the threshold")
        for step in 0..<10_000 {
            _ = fanOut.publish(.progress(TaskProgressReport(documentID: "a", task: "autosave", fraction: Double(step) / 10_000, message: "")))
            _ = fanOut.publish(.saved(SaveResult(documentID: "a", version: UInt64(step), path: "/p")))
        }
        #expect(fanOut.undeliveredCount <= EventFanOut.pressureThreshold + 2)
        #expect(fanOut.droppedCount(of: 1) >= 20_000 - EventFanOut.pressureThreshold)
    }
}
