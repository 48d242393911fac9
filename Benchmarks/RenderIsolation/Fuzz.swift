import ArgumentParser
import Foundation
import Primitives
import RenderWorkers
import TestSupport

/// Seeded hostile documents through the worker path (`WorkerFuzz`): no render may hang,
/// HTML that comes back must equal the in-process render, and this process must survive
/// every input (a crash ends the run).
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fuzz", abstract: "Seeded hostile documents through render workers.")

    @Option(help: "Documents to render.") var inputs = 2_000
    @Option(help: "The generator's seed.") var seed: UInt64 = 1
    @Option(help: "Largest document in KiB.") var maxKib = 256
    @Option(help: "Base deadline in milliseconds.") var deadlineMs = 250
    @Option(help: "Deadline per KiB in milliseconds.") var msPerKib = 1
    @Option(help: "Worker memory cap in MiB.") var memoryMb = 512

    func run() throws {
        let limits = RenderLimits(baseDeadline: .milliseconds(deadlineMs), deadlinePerKiB: .milliseconds(msPerKib), memoryLimit: memoryMb << 20)
        let workers = RenderWorkerPool.defaultWorkerCount
        let pool = RenderWorkerPool(executable: try Setup.worker(), workerCount: workers, limits: limits)
        defer { pool.shutdown() }
        let report = WorkerFuzz.run(pool: pool, inputs: inputs, seed: seed, maxBytes: maxKib << 10, threads: workers)
        print("render-isolation fuzz: seed \(seed), \(report.inputs) documents up to \(maxKib) KiB (\(report.bytes >> 20) MiB), \(workers) workers, "
              + String(format: "%.1f s", report.elapsed.milliseconds / 1000))
        print("outcomes: " + report.outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("hangs: \(report.hangs.count), HTML mismatches: \(report.mismatches.count), crashes of this process: 0 (it is still running); workers started: \(pool.counters.started)")
        for line in report.hangs + report.mismatches { print("  " + line) }
        if !report.hangs.isEmpty || !report.mismatches.isEmpty { throw ExitCode(1) }
    }
}
