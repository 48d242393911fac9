import Primitives
import TaskService

/// A gate a test opens; tasks wait at it, polling their cancellation.
final class Gate: Sendable {
    private let state = Locked((open: false, arrivals: 0))

    func open() {
        state.withLock { $0.open = true }
        state.broadcast()
    }

    /// Waits until the gate opens or `stop` holds (checked every 5 ms); true if it opened.
    func pass(unless stop: () -> Bool) -> Bool {
        state.withLock { $0.arrivals += 1 }
        state.broadcast()
        while true {
            let open = state.withLock(waitingUntil: { $0.open }, deadline: .now.advanced(by: .milliseconds(5))) { state, _ in state.open }
            if open { return true }
            if stop() { return false }
        }
    }

    /// Blocks until `count` tasks arrived at the gate.
    func waitForArrivals(_ count: Int, timeout: Duration = .seconds(30)) -> Bool {
        state.withLock(waitingUntil: { $0.arrivals >= count }, deadline: .now.advanced(by: timeout)) { _, ready in ready }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String { "the disk is full" }
}

/// A task that reports two steps of progress around a gate, then commits and returns
/// its value (or throws, or ignores cancellation), as told.
struct GatedTask: LongTask {
    enum Behaviour: Sendable { case complete, fail, ignoreCancellation }

    let gate: Gate
    var key: String? = nil
    var behaviour = Behaviour.complete
    let commits = Locked(0)

    var kind: String { "test" }
    var exclusiveKey: String? { key }
    var parameters: [String: String] { ["gate": "yes"] }

    func execute(progress: TaskProgressHandle) throws -> [String: Int] {
        progress.report(fraction: 0.25, message: "waiting")
        let opened = gate.pass { behaviour != .ignoreCancellation && progress.isCancelled }
        if !opened { try progress.checkCancellation() }
        progress.report(fraction: 0.75, message: "past the gate")
        if behaviour == .fail { throw TestFailure() }
        try progress.commit { commits.withLock { $0 += 1 } }
        return ["answer": 42]
    }
}

/// Collects a task's events until its stream finishes.
func collect(_ events: AsyncStream<TaskEvent>?) async -> [TaskEvent] {
    guard let events else { return [] }
    var collected: [TaskEvent] = []
    for await event in events { collected.append(event) }
    return collected
}

/// A task that registers a stop handler, waits at a gate, then registers another.
struct StoppableTask: LongTask {
    let gate: Gate
    let calls: Locked<Int>

    var kind: String { "stoppable" }
    var exclusiveKey: String? { nil }
    var parameters: [String: String] { [:] }

    func execute(progress: TaskProgressHandle) throws -> Int {
        progress.onStop { calls.withLock { $0 += 1 } }
        _ = gate.pass { false }
        progress.onStop { calls.withLock { $0 += 1 } }
        try progress.checkCancellation()
        return 1
    }
}
