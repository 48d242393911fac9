import EditTraces
import Foundation
import MarkdownRenderer
public import RenderWorkers

/// Seeded hostile documents (``HostileMarkdown/mixture(size:hostileShare:using:)``)
/// through a ``RenderWorkerPool`` from several threads: every render must end within
/// its deadline plus `slack` (else it counts as a hang), and HTML that comes back must
/// equal the in-process render. Shared by the CI test and `render-isolation fuzz`.
public enum WorkerFuzz {
    /// What a run found.
    public struct Report: Sendable {
        /// Documents rendered.
        public var inputs = 0
        /// Their total size in bytes.
        public var bytes = 0
        /// How renders ended: `rendered`, `timeout`, `memory`, `crash`.
        public var outcomes: [String: Int] = [:]
        /// Renders that took longer than their deadline plus the slack.
        public var hangs: [String] = []
        /// Inputs whose worker HTML differed from the in-process render.
        public var mismatches: [String] = []
        /// Wall-clock time of the run.
        public var elapsed = Duration.zero
    }

    /// Renders `inputs` documents of up to `maxBytes` generated from `seed` on `threads`
    /// threads. Input `i` is generated from `seed` and `i` alone, so any one can be re-run.
    public static func run(pool: RenderWorkerPool, inputs: Int, seed: UInt64, maxBytes: Int, threads: Int, slack: Duration = .seconds(1)) -> Report {
        let report = LockedReport()
        let next = LockedReport.Counter()
        let began = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            while let index = next.take(below: inputs) {
                var generator = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
                let size = 64 + Int(generator.next() % UInt64(maxBytes))
                let share = [0.0, 0.02, 0.1, 0.3][Int(generator.next() % 4)]
                let text = HostileMarkdown.mixture(size: size, hostileShare: share, using: &generator)
                let deadline = pool.limits.deadline(forInputBytes: text.utf8.count)
                let start = ContinuousClock.now
                let outcome: String
                var mismatch = false
                do throws(RenderFailure) {
                    let html = try pool.render(text, options: .default)
                    // Only what finished in a worker is rendered here too: it is known to end.
                    mismatch = html != MarkdownRenderer().render(text)
                    outcome = "rendered"
                } catch {
                    outcome = error.kind
                }
                let took = start.duration(to: .now)
                report.update { report in
                    report.inputs += 1
                    report.bytes += text.utf8.count
                    report.outcomes[outcome, default: 0] += 1
                    if mismatch { report.mismatches.append("input \(index) (seed \(seed))") }
                    if took > deadline + slack { report.hangs.append("input \(index) (seed \(seed)): \(took) against a deadline of \(deadline)") }
                }
            }
        }
        var result = report.value
        result.elapsed = began.duration(to: .now)
        return result
    }
}

private final class LockedReport: @unchecked Sendable {
    private let lock = NSLock()
    private var report = WorkerFuzz.Report()
    func update(_ body: (inout WorkerFuzz.Report) -> Void) { lock.withLock { body(&report) } }
    var value: WorkerFuzz.Report { lock.withLock { report } }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        func take(below limit: Int) -> Int? {
            lock.withLock {
                guard next < limit else { return nil }
                defer { next += 1 }
                return next
            }
        }
    }
}
