import Foundation
import RenderWorkers
import TestSupport
import Testing

/// A bounded run of the seeded fuzz (`render-isolation fuzz` runs it at length): no hang,
/// no HTML different from the in-process render, and this process survives every input.
@Suite("render workers: seeded hostile documents")
struct WorkerFuzzTests {
    @Test("100 seeded documents up to 64 KiB, a quarter of them hostile or more: no hang, no mismatch")
    func boundedFuzz() throws {
        let pool = RenderWorkerPool(
            executable: try Subprocess.builtProduct("mdpreview").path, workerCount: 2,
            limits: RenderLimits(baseDeadline: .milliseconds(250), deadlinePerKiB: .milliseconds(1), memoryLimit: 512 << 20)
        )
        defer { pool.shutdown() }
        let report = WorkerFuzz.run(pool: pool, inputs: 100, seed: 2026, maxBytes: 64 << 10, threads: 2, slack: .seconds(5))
        #expect(report.inputs == 100)
        #expect(report.hangs.isEmpty, "\(report.hangs)")
        #expect(report.mismatches.isEmpty, "\(report.mismatches)")
        #expect((report.outcomes["rendered"] ?? 0) >= 25, "the benign quarter at least renders: \(report.outcomes)")
        print("bounded fuzz: \(report.outcomes), \(report.elapsed)")
    }
}
