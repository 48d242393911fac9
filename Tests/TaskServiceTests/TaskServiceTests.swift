import Foundation
import Testing
import TaskService
import ThreadPool
import Primitives

@Suite("TaskService")
struct TaskServiceTests {
    private func service(ttl: Duration = .seconds(600), clock: ManualClock = ManualClock(), workers: Int = 2) -> TaskService {
        TaskService(configuration: .init(concurrentTasks: workers, timeToLive: ttl, tickInterval: nil), clock: clock)
    }

    private func names(_ events: [TaskEvent]) -> [String] { events.map(\.name) }

    @Test("a task runs: started, progress, completed with its result; the status says so")
    func completes() async throws {
        let service = service()
        let gate = Gate()
        let id = try service.submit(GatedTask(gate: gate))
        #expect(id.count == 16)
        let events = service.events(of: id)
        #expect(gate.waitForArrivals(1))
        #expect(service.status(of: id)?.state == .running)
        #expect(service.status(of: id)?.progress == .init(fraction: 0.25, message: "waiting"))
        gate.open()
        let collected = await collect(events)
        #expect(names(collected).last == "task_completed")
        #expect(names(collected).contains("progress_update"))
        let status = try #require(service.status(of: id))
        #expect(status.state == .completed && status.error == nil && status.progress.fraction == 0.75)
        #expect(status.timings.runningMs != nil && status.timings.timeoutMs == 180_000)
        let json = try #require(String(data: JSONEncoder().encode(status), encoding: .utf8))
        #expect(json.contains("\"result\":{\"answer\":42}") && json.contains("\"state\":\"completed\"") && json.contains("\"gate\":\"yes\""))
        service.shutdown()
    }

    @Test("cancel while running: the task stops, ends cancelled, commits nothing")
    func cancelRunning() async throws {
        let service = service()
        let gate = Gate()
        let task = GatedTask(gate: gate)
        let id = try service.submit(task)
        #expect(gate.waitForArrivals(1))
        let events = service.events(of: id)
        #expect(service.cancel(id) == .requested)
        let collected = await collect(events)
        #expect(names(collected) == ["task_started", "task_failed"])
        #expect(collected.last?.status?.state == .cancelled && collected.last?.status?.error == "cancelled")
        #expect(task.commits.withLock { $0 } == 0)
        #expect(service.cancel(id) == .alreadyEnded(.cancelled))
        #expect(service.cancel("nope") == .unknown)
        service.shutdown()
    }

    @Test("cancel while queued: the task never runs")
    func cancelQueued() async throws {
        let service = service(workers: 1)
        let gate = Gate()
        let first = try service.submit(GatedTask(gate: gate))
        #expect(gate.waitForArrivals(1))
        let queued = GatedTask(gate: gate)
        let second = try service.submit(queued)
        #expect(service.status(of: second)?.state == .queued)
        #expect(service.cancel(second) == .cancelled)
        #expect(service.status(of: second)?.state == .cancelled)
        gate.open()
        #expect(await service.finalStatus(of: first)?.state == .completed)
        #expect(queued.commits.withLock { $0 } == 0)
        #expect(gate.waitForArrivals(1) && service.status(of: second)?.timings.runningMs == nil)
        service.shutdown()
    }

    @Test("timeout: past its limit on the service's clock, the task is asked to stop and ends timed out")
    func timesOut() async throws {
        let clock = ManualClock()
        let service = service(clock: clock)
        let gate = Gate()
        let id = try service.submit(GatedTask(gate: gate), timeout: .seconds(5))
        #expect(gate.waitForArrivals(1))
        clock.advance(by: .seconds(4))
        service.tick()
        #expect(service.status(of: id)?.state == .running)
        clock.advance(by: .seconds(1))
        service.tick()
        let final = await service.finalStatus(of: id)
        #expect(final?.state == .timedOut && final?.error == "timed out after 5 s")
        service.shutdown()
    }

    @Test("finished tasks are kept up to the limit, the oldest forgotten first (finished tasks cannot grow memory without bound); a running one is never dropped")
    func finishedTasksAreBounded() async throws {
        let service = TaskService(configuration: .init(concurrentTasks: 1, timeToLive: .seconds(600), finishedLimit: 3, tickInterval: nil), clock: ManualClock())
        let open = Gate()
        open.open()
        var finished: [String] = []
        for _ in 0 ..< 5 {
            finished.append(try service.submit(GatedTask(gate: open)))
            _ = await service.finalStatus(of: finished.last!)
        }
        let held = Gate()
        let running = try service.submit(GatedTask(gate: held))
        #expect(held.waitForArrivals(1))
        #expect(Set(service.tasks.map(\.id)) == Set(finished.suffix(3) + [running]))
        held.open()
        _ = await service.finalStatus(of: running)
        #expect(Set(service.tasks.map(\.id)) == Set(finished.suffix(2) + [running]), "the running task, once finished, pushes out the oldest")
        service.shutdown()
    }

    @Test("the default timeout is 180 s")
    func defaultTimeout() {
        #expect(TaskServiceConfiguration().defaultTimeout == .seconds(180))
    }

    @Test("single flight: a second task with the same key is refused while the first runs, accepted after")
    func singleFlight() async throws {
        let service = service()
        let gate = Gate()
        let first = try service.submit(GatedTask(gate: gate, key: "/site"))
        #expect(throws: TaskServiceError.busy(runningTask: first)) { try service.submit(GatedTask(gate: gate, key: "/site")) }
        let other = try service.submit(GatedTask(gate: gate, key: "/other"))
        gate.open()
        #expect(await service.finalStatus(of: first)?.state == .completed)
        #expect(await service.finalStatus(of: other)?.state == .completed)
        let again = try service.submit(GatedTask(gate: gate, key: "/site"))
        #expect(await service.finalStatus(of: again)?.state == .completed)
        service.shutdown()
    }

    @Test("a failing task ends failed with its error")
    func fails() async throws {
        let service = service()
        let gate = Gate()
        gate.open()
        let id = try service.submit(GatedTask(gate: gate, behaviour: .fail))
        let final = await service.finalStatus(of: id)
        #expect(final?.state == .failed && final?.error == "the disk is full")
        #expect(final?.failure is TestFailure, "the thrown value, for callers that act on its type")
        service.shutdown()
    }

    @Test("a late subscriber gets the final event at once and its stream ends")
    func lateSubscriber() async throws {
        let service = service()
        let gate = Gate()
        gate.open()
        let id = try service.submit(GatedTask(gate: gate))
        _ = await service.finalStatus(of: id)
        let collected = await collect(service.events(of: id))
        #expect(names(collected) == ["task_completed"])
        #expect(service.events(of: "unknown") == nil)
        service.shutdown()
    }

    @Test("heartbeats go to the subscribers of unfinished tasks on every tick")
    func heartbeats() async throws {
        let service = service()
        let gate = Gate()
        let id = try service.submit(GatedTask(gate: gate))
        #expect(gate.waitForArrivals(1))
        let events = service.events(of: id)
        service.tick()
        service.tick()
        gate.open()
        let collected = await collect(events)
        #expect(names(collected).filter { $0 == "heartbeat" }.count == 2)
        #expect(names(collected).first == "task_started" && collected.last?.isFinal == true)
        service.shutdown()
    }

    @Test("the service ticks on its own clock once it has a task: heartbeats, then the timeout, with no tick() call")
    func ticksOnItsOwnClock() async throws {
        let clock = ManualClock()
        let service = TaskService(configuration: .init(tickInterval: .seconds(1)), clock: clock)
        #expect(clock.armedTimers == 0, "no task, no ticks")
        let gate = Gate()
        let id = try service.submit(GatedTask(gate: gate), timeout: .milliseconds(2_500))
        #expect(gate.waitForArrivals(1))
        #expect(clock.waitForTimers(1))
        let events = try #require(service.events(of: id))
        clock.advance(by: .seconds(1))
        clock.advance(by: .seconds(1))
        #expect(clock.armedTimers == 1, "each tick arms the next")
        clock.advance(by: .seconds(1))   // past 2.5 s: the tick times the task out
        gate.open()
        let final = await service.finalStatus(of: id)
        #expect(final?.state == .timedOut, "\(String(describing: final))")
        let collected = await collect(events)
        // One per tick: at 1 s, 2 s, and the 3 s tick that also asked the task to stop.
        #expect(names(collected).filter { $0 == "heartbeat" }.count == 3)
        service.shutdown()
        #expect(clock.armedTimers == 0, "shutdown disarms the tick")
    }

    @Test("time to live: a finished task is listed until its TTL passes, then forgotten; running ones stay")
    func timeToLive() async throws {
        let clock = ManualClock()
        let service = service(ttl: .seconds(60), clock: clock)
        let gate = Gate()
        let open = Gate()
        open.open()
        let done = try service.submit(GatedTask(gate: open))
        _ = await service.finalStatus(of: done)
        let running = try service.submit(GatedTask(gate: gate))
        #expect(gate.waitForArrivals(1))
        #expect(Set(service.tasks.map(\.id)) == [done, running])
        clock.advance(by: .seconds(59))
        service.tick()
        #expect(service.status(of: done) != nil)
        clock.advance(by: .seconds(1))
        service.tick()
        #expect(service.status(of: done) == nil && service.tasks.map(\.id) == [running])
        gate.open()
        _ = await service.finalStatus(of: running)
        service.shutdown()
    }

    @Test("at most finishedLimit finished tasks are kept, oldest dropped first")
    func finishedLimit() async throws {
        let service = TaskService(configuration: .init(finishedLimit: 3, tickInterval: nil), clock: ManualClock())
        let gate = Gate()
        gate.open()
        var ids: [String] = []
        for _ in 0 ..< 5 {
            let id = try service.submit(GatedTask(gate: gate))
            _ = await service.finalStatus(of: id)
            ids.append(id)
        }
        #expect(service.tasks.map(\.id) == Array(ids.suffix(3)))
        service.shutdown()
    }

    @Test("cancel after the task began committing is too late; a task that ignores cancellation before committing still ends cancelled")
    func commitRules() async throws {
        let service = service()
        let gate = Gate()
        let stubborn = GatedTask(gate: gate, behaviour: .ignoreCancellation)
        let id = try service.submit(stubborn)
        #expect(gate.waitForArrivals(1))
        #expect(service.cancel(id) == .requested)
        gate.open()
        let final = await service.finalStatus(of: id)
        #expect(final?.state == .cancelled)
        #expect(stubborn.commits.withLock { $0 } == 0, "commit refuses once cancelled")
        service.shutdown()
    }

    @Test("stop handlers run once when the running task is cancelled or times out, at once when registered after")
    func stopHandlers() async throws {
        let clock = ManualClock()
        let service = service(clock: clock)
        for reason in ["cancelled", "timed_out"] {
            let gate = Gate()
            let calls = Locked(0)
            let task = StoppableTask(gate: gate, calls: calls)
            let id = try service.submit(task, timeout: .seconds(10))
            #expect(gate.waitForArrivals(1))
            #expect(calls.withLock { $0 } == 0)
            if reason == "cancelled" {
                #expect(service.cancel(id) == .requested)
            } else {
                clock.advance(by: .seconds(10))
                service.tick()
            }
            #expect(calls.withLock { $0 } == 1, "the handler ran on the cancelling thread")
            gate.open()
            #expect(await service.finalStatus(of: id)?.state.rawValue == reason)
            #expect(calls.withLock { $0 } == 2, "a handler registered after the stop ran at once")
        }
        service.shutdown()
    }

    @Test("twelve tasks on two workers: all end, none hangs, queued ones wait their turn")
    func manyTasks() async throws {
        let service = service()
        let gate = Gate()
        let ids = try (0 ..< 12).map { index in try service.submit(GatedTask(gate: gate, key: "k\(index)")) }
        #expect(gate.waitForArrivals(2))
        #expect(service.tasks.filter { $0.state == .queued }.count == 10)
        gate.open()
        for id in ids { #expect(await service.finalStatus(of: id)?.state == .completed) }
        service.shutdown()
        #expect(throws: TaskServiceError.shutDown) { try service.submit(GatedTask(gate: gate)) }
    }
}
