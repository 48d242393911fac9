import Primitives
import AdaptiveDebouncer
import Dispatch
import DocumentModel
import Foundation
import MarkdownRenderer
import RenderWorkers
@testable import PreviewEngine
import ThreadPool
import Saving

/// Records every event an engine delivers, in delivery order.
final class EventLog: Sendable {
    private let events = Locked<[PreviewEvent]>([])

    func append(_ event: PreviewEvent) {
        events.withLock { $0.append(event) }
        events.broadcast()
    }

    /// Waits (real time) until `condition` holds for the events so far, or `timeout`
    /// passes; returns whether it held. Woken by every event, never by polling.
    @discardableResult
    func wait(timeout: Duration = .seconds(60), until condition: ([PreviewEvent]) -> Bool) -> Bool {
        events.withLock(waitingUntil: { condition($0) }, deadline: MonotonicInstant.now.advanced(by: timeout)) { _, ready in ready }
    }

    var all: [PreviewEvent] { events.withLock { $0 } }

    var renders: [RenderResult] {
        all.compactMap { if case .rendered(let result) = $0 { result } else { nil } }
    }

    func renders(of id: DocumentID) -> [RenderResult] { renders.filter { $0.documentID == id } }

    var saves: [SaveResult] { all.compactMap { if case .saved(let result) = $0 { result } else { nil } } }

    var saveFailures: [SaveFailure] { all.compactMap { if case .saveFailed(let failure) = $0 { failure } else { nil } } }

    var statistics: [DocumentStatistics] { all.compactMap { if case .statistics(let value) = $0 { value } else { nil } } }
}

/// An engine on a virtual clock: time moves only through `advance`, and every render is
/// charged `renderCost` of virtual time.
final class EngineHarness: Sendable {
    let clock: ManualEngineClock
    let engine: PreviewEngine
    let log = EventLog()

    init(
        renderCost: Duration = .milliseconds(2),
        workers: Int = 2,
        debouncer: AdaptiveDebouncer<MonotonicInstant>.Configuration = .init(),
        policy: RenderPolicyChoice? = nil,
        autosaveDelay: Duration = .seconds(1),
        statistics: Bool = false,
        writer: any AutosaveWriter = AtomicFileWriter(),
        isolation: RenderIsolation = .inProcess,
        circuitBreaker: PreviewEngine.CircuitBreakerSettings = .init(),
        render: (@Sendable (String, RenderOptions) -> Result<BlockParse, RenderFailure>)? = nil
    ) {
        clock = ManualEngineClock(start: MonotonicInstant(nanoseconds: 1_000_000_000))
        clock.renderDuration = renderCost
        let pool = ThreadPool(configuration: .init(threadCount: workers, concurrencyLimits: ["autosave": 1]))
        var configuration = PreviewEngine.Configuration(policy: policy ?? .adaptive(debouncer), autosaveDelay: autosaveDelay, statisticsDelay: statistics ? .milliseconds(300) : nil)
        configuration.autosaveWriter = writer
        configuration.isolation = isolation
        configuration.circuitBreaker = circuitBreaker
        configuration.injectedRender = render
        engine = PreviewEngine(configuration: configuration, clock: clock, pool: pool)
        engine.subscribe { [log] event in log.append(event) }
    }

    /// Lets virtual time pass, running due timers and waiting for the work they start.
    func advance(by duration: Duration) {
        clock.advance(by: duration) { engine.waitUntilIdle() }
    }

    /// Runs every armed timer, however far ahead, until none is left.
    func settle(limit: Duration = .seconds(600)) {
        let end = clock.now.advanced(by: limit)
        engine.waitUntilIdle()
        while let next = clock.nextDeadline, next <= end {
            clock.advance(to: next) { engine.waitUntilIdle() }
        }
        engine.waitUntilIdle()
    }

    func text(_ id: DocumentID) throws -> String { try engine.snapshot(of: id).text }

    deinit {
        engine.shutdown()
        engine.pool.shutdown(.cancelPending)
    }
}

let referenceRenderer = MarkdownRenderer()

/// A temporary directory removed when the test ends.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("previewengine-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Blocks the first caller of ``pass()`` until the test opens ``gate``; later callers
/// pass at once. ``entered`` is signalled when the first caller arrives.
final class FirstCallGate: Sendable {
    private let calls = Locked(0)
    let entered = DispatchSemaphore(value: 0)
    let gate = DispatchSemaphore(value: 0)

    /// How many calls arrived.
    var callCount: Int { calls.withLock { $0 } }

    func pass() {
        let call = calls.withLock { count -> Int in
            count += 1
            return count
        }
        if call == 1 {
            entered.signal()
            gate.wait()
        }
    }
}
