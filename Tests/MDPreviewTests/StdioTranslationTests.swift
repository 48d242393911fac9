import Foundation
@testable import mdpreview
@testable import PreviewStdio
@testable import PreviewEngine
import PreviewProtocol
import RenderWorkers
import Testing

/// The wire events of a document whose renders fail (the engine's side is
/// `BadDocumentIsolationTests`).
@Suite("mdpreview stdio: failure events on the wire")
struct StdioTranslationTests {
    static func json(_ event: PreviewEvent, now: MonotonicInstant = .zero) throws -> [String: Any] {
        let wire = try #require(StdioTranslation.wireEvent(for: event, now: now))
        return try #require(try JSONSerialization.jsonObject(with: Data(EventEncoder.encode(wire))) as? [String: Any])
    }

    @Test("renderFailed carries the reason's kind, its message and the failures in a row")
    func renderFailed() throws {
        for (reason, kind) in [(RenderFailure.memory(limit: 256 << 20), "memory"), (.timeout(deadline: .seconds(2)), "timeout"), (.crash("killed by signal 9"), "crash")] {
            let event = try Self.json(.renderFailed(RenderFailureReport(documentID: "bad", version: 7, reason: reason, consecutiveFailures: 2)))
            #expect(event["event"] as? String == "renderFailed")
            #expect(event["doc"] as? String == "bad" && event["version"] as? Int == 7)
            #expect(event["reason"] as? String == kind)
            #expect(event["message"] as? String == reason.description)
            #expect(event["failures"] as? Int == 2)
        }
    }

    @Test("previewPaused: the retry delay is measured by the engine's clock, never negative")
    func previewPaused() throws {
        let start = MonotonicInstant(nanoseconds: 5_000_000_000)
        let pause = PreviewPause(documentID: "bad", reason: .timeout(deadline: .seconds(2)), consecutiveFailures: 2, until: start.advanced(by: .seconds(10)))
        let event = try Self.json(.previewPaused(pause), now: start)
        #expect(event["event"] as? String == "previewPaused")
        #expect(event["reason"] as? String == "timeout" && event["failures"] as? Int == 2)
        #expect(event["retry_in_ms"] as? Double == 10_000)
        let late = try Self.json(.previewPaused(pause), now: start.advanced(by: .seconds(11)))
        #expect(late["retry_in_ms"] as? Double == 0)
    }
}

/// The render-limit flags of `stdio`, `serve` and `export`.
@Suite("mdpreview: render limit flags")
struct RenderLimitFlagsTests {
    @Test("the flags become the workers' count, deadline and memory cap; --in-process renders in process")
    func flags() throws {
        let limits = try StdioRenderLimits.parse(["--render-workers", "2", "--render-timeout-ms", "2000", "--render-ms-per-kib", "1", "--render-memory-mb", "256"])
        guard case .workers(_, let count, let workerLimits) = limits.isolation else {
            Issue.record("workers expected")
            return
        }
        #expect(count == 2)
        #expect(workerLimits == RenderLimits(baseDeadline: .seconds(2), deadlinePerKiB: .milliseconds(1), memoryLimit: 256 << 20))
        #expect(try StdioRenderLimits.parse(["--in-process"]).isolation == .inProcess)
        for bad in [["--render-workers", "0"], ["--render-timeout-ms", "0"], ["--render-ms-per-kib", "-1"], ["--render-memory-mb", "0"]] {
            #expect(throws: (any Error).self, "\(bad)") { try StdioRenderLimits.parse(bad) }
        }
    }
}
