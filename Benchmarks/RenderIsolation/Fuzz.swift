import ArgumentParser
import EditTraces
import Foundation
import MarkdownRenderer
import RenderWorkers
import TestSupport

/// Seeded hostile documents through the worker path: every render must end within its
/// deadline plus a second (else a hang), HTML that comes back must equal the in-process
/// render, and this process must survive every input (a crash ends the run).
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fuzz", abstract: "Seeded hostile documents through render workers.")

    @Option(help: "Documents to render.") var inputs = 2_000
    @Option(help: "The generator's seed.") var seed: UInt64 = 1
    @Option(help: "Largest document in KiB.") var maxKib = 256
    @Option(help: "Base deadline in milliseconds (2 ms per KiB are added).") var deadlineMs = 250
    @Option(help: "Worker memory cap in MiB.") var memoryMb = 512

    func run() throws {
        let limits = RenderLimits(baseDeadline: .milliseconds(deadlineMs), memoryLimit: memoryMb << 20)
        let pool = RenderWorkerPool(executable: try Setup.worker(), workerCount: RenderWorkerPool.defaultWorkerCount, limits: limits)
        defer { pool.shutdown() }
        var generator = SplitMix64(seed: seed)
        var outcomes: [String: Int] = [:]
        var hangs = 0, mismatches = 0, bytes = 0
        let clock = ContinuousClock()
        let began = clock.now
        for index in 0..<inputs {
            let size = 64 + Int(generator.next() % UInt64(maxKib << 10))
            let share = [0.0, 0.02, 0.1, 0.3][Int(generator.next() % 4)]
            let text = HostileMarkdown.mixture(size: size, hostileShare: share, using: &generator)
            bytes += text.utf8.count
            let deadline = limits.deadline(forInputBytes: text.utf8.count)
            let start = clock.now
            do {
                let html = try pool.render(text, options: .default)
                // Only what finished in the worker is rendered here too: it is known to end.
                if html != MarkdownRenderer().render(text) {
                    mismatches += 1
                    print("input \(index): the worker's HTML differs")
                }
                outcomes["rendered", default: 0] += 1
            } catch {
                outcomes[error.kind, default: 0] += 1
            }
            if start.duration(to: clock.now) > deadline + .seconds(1) {
                hangs += 1
                print("input \(index): took \(start.duration(to: clock.now)) against a deadline of \(deadline)")
            }
        }
        let elapsed = began.duration(to: clock.now)
        print("render-isolation fuzz: seed \(seed), \(inputs) documents, \(bytes >> 20) MiB, \(String(format: "%.1f", Setup.milliseconds(elapsed) / 1000)) s")
        print("outcomes: " + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("hangs: \(hangs), HTML mismatches: \(mismatches), crashes of this process: 0 (it is still running)")
        print("workers started: \(pool.counters.started)")
        if hangs > 0 || mismatches > 0 { throw ExitCode(1) }
    }
}
