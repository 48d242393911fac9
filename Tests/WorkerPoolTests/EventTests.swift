import Primitives
import Testing
import WorkerPool

@Suite("Events and progress")
struct EventTests {
    @Test("a task's events in order, carrying id, name, key and priority")
    func lifecycleEvents() async throws {
        let clock = ManualClock()
        let pool = WorkerPool(configuration: .deterministic(clock: clock))
        let stream = pool.events()
        let handle = try pool.submit(name: "render", priority: .high, key: "doc-1") { context in
            #expect(context.taskID.rawValue > 0)
            #expect(context.name == "render")
            #expect(context.key == "doc-1")
            #expect(context.priority == .high)
            context.reportProgress(0.5, message: "parsed")
            clock.advance(by: .milliseconds(3))
            context.reportProgress(1.5, message: "done")
            return "html"
        }
        pool.start()
        #expect(handle.wait(timeout: .seconds(20))?.value == "html")
        #expect(handle.progress == TaskProgress(fraction: 1, message: "done"))
        pool.shutdown()
        let events = await collect(stream).filter { $0.taskID == handle.id }
        #expect(events.map(\.kind.label) == ["submitted", "started", "progress", "progress", "completed"])
        #expect(events.allSatisfy { $0.name == "render" && $0.key == "doc-1" && $0.priority == .high })
        let progress = events.compactMap { event -> TaskProgress? in
            if case .progress(let progress) = event.kind { progress } else { nil }
        }
        #expect(progress == [TaskProgress(fraction: 0.5, message: "parsed"), TaskProgress(fraction: 1, message: "done")])
        #expect(events.last?.time.nanoseconds == 3_000_000)
    }

    @Test("coalesced, cancelled and failed tasks are reported")
    func otherEndings() async throws {
        let pool = WorkerPool(configuration: .deterministic())
        let stream = pool.events()
        let replaced = try pool.submit(key: "k") { _ in }
        let replacement = try pool.submit(key: "k") { _ in }
        let cancelled = try pool.submit { _ in }
        cancelled.cancel()
        let failing = try pool.submit { _ in throw Boom() }
        pool.start()
        pool.shutdown(.drain)
        let events = await collect(stream)
        func kinds(_ id: TaskID) -> [String] { events.filter { $0.taskID == id }.map(\.kind.label) }
        #expect(kinds(replaced.id) == ["submitted", "coalesced"])
        #expect(kinds(replacement.id) == ["submitted", "started", "completed"])
        #expect(kinds(cancelled.id) == ["submitted", "cancelled"])
        #expect(kinds(failing.id) == ["submitted", "started", "failed"])
        let submitted = events.first { $0.taskID == replacement.id }
        if case .submitted(let replacing) = submitted?.kind { #expect(replacing == replaced.id) }
        let coalesced = events.first { $0.taskID == replaced.id && $0.kind.label == "coalesced" }
        if case .coalesced(let into) = coalesced?.kind { #expect(into == replacement.id) }
    }

    @Test("every open stream gets every event; a stream opened after shutdown is finished")
    func severalObservers() async throws {
        let pool = WorkerPool(configuration: .deterministic())
        let first = pool.events()
        let second = pool.events()
        for _ in 0..<3 { try pool.submit { _ in } }
        pool.start()
        pool.shutdown(.drain)
        let firstEvents = await collect(first)
        let secondEvents = await collect(second)
        #expect(firstEvents.count == 9)
        #expect(firstEvents.map(\.taskID) == secondEvents.map(\.taskID))
        #expect(await collect(pool.events()).isEmpty)
    }

    @Test("progress after cancellation is ignored")
    func progressAfterCancel() async throws {
        let pool = WorkerPool(configuration: .deterministic(startsPaused: false))
        let stream = pool.events()
        let started = Signals()
        let gate = Gate()
        let handle = try pool.submit { context in
            started.signal()
            gate.wait()
            context.reportProgress(0.9, message: "late")
        }
        #expect(started.wait())
        handle.cancel()
        gate.open()
        #expect(pool.waitUntilIdle(timeout: .seconds(20)))
        pool.shutdown()
        #expect(handle.progress == nil)
        let labels = await collect(stream).filter { $0.taskID == handle.id }.map(\.kind.label)
        #expect(labels == ["submitted", "started", "cancelled"])
    }

    @Test("a context kept after its task ended is safe to use; its reports are ignored")
    func escapedContext() throws {
        let pool = WorkerPool(configuration: .deterministic(startsPaused: false))
        let kept = Recorder<TaskContext>()
        let handle = try pool.submit(name: "escape") { context in kept.append(context) }
        #expect(handle.wait(timeout: .seconds(20))?.state == .finished)
        let context = try #require(kept.values.first)
        context.reportProgress(0.5, message: "too late")
        #expect(handle.progress == nil)
        #expect(context.taskID == handle.id)
        #expect(context.name == "escape")
        #expect(!context.isCancelled)
        pool.shutdown()
        context.reportProgress(1, message: "after shutdown")
        #expect(handle.progress == nil)
    }
}
