import ArgumentParser
import Foundation
import PreviewEngine
import Primitives
import RenderWorkers
import EditTraces
import TestSupport

/// Four documents typed into while a fifth, pathological one (a table bomb for the memory
/// cap, then a quadratic inline run for the deadline) fails and pauses, on two workers
/// with real limits: the good documents' edit-to-preview latency against the deadline,
/// and this process's memory growth against what the bad document would take in process.
/// The figures that `BadDocumentIsolationTests` leaves to a benchmark (it checks the
/// same scenario exactly, on a manual clock).
struct NeighboursCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "neighbours", abstract: "Good documents' latency beside a bad one.")

    @Option(help: "Edit rounds at least (one edit per good document each); the run goes on until the bad document has failed both ways.") var rounds = 120
    @Option(help: "The render deadline in milliseconds (plus 1 ms per KiB).") var deadlineMs = 400
    @Option(help: "Seed of the documents.") var seed: UInt64 = 11

    func run() throws {
        var generator = SplitMix64(seed: seed)
        let limits = RenderLimits(baseDeadline: .milliseconds(deadlineMs), deadlinePerKiB: .milliseconds(1), memoryLimit: 256 << 20)
        let residentBefore = ProcessTable.residentBytes
        let engine = PreviewEngine(configuration: .init(
            policy: .everyKeystroke, statisticsDelay: nil,
            isolation: .workers(executable: try Setup.worker(), count: 2, limits: limits),
            circuitBreaker: .init(failureThreshold: 2, coolDown: .seconds(120))
        ))
        let latest = Locked<[String: (version: UInt64, latency: Duration)]>([:])
        let failures = Locked<[String]>([])
        engine.subscribe { event in
            switch event {
            case .rendered(let result): latest.withLock { $0[result.documentID] = (result.version, result.latency) }
            case .renderFailed(let failure): failures.withLock { $0.append(failure.reason.kind) }
            default: break
            }
            latest.broadcast()
        }
        try engine.open("bad", text: HostileMarkdown.tableBomb(columns: 2_500 + Int(generator.next() % 500)))
        let good = (0..<4).map { "good-\($0)" }
        for id in good { try engine.open(id, text: HostileMarkdown.mixture(size: 2_000, hostileShare: 0, using: &generator)) }
        func waitFor(_ id: String, _ version: UInt64) throws -> Duration {
            let latency = latest.withLock(waitingUntil: { $0[id].map { $0.version >= version } ?? false }, deadline: .now.advanced(by: .seconds(60))) { state, ready in
                ready ? state[id]?.latency : nil
            }
            guard let latency else { throw ValidationError("\(id) version \(version) was not delivered within 60 s") }
            return latency
        }
        for id in good { _ = try waitFor(id, 0) }
        var latencies: [Duration] = []
        // Edits go on until the bad document has hit the memory cap and the deadline, so that
        // every good edit up to then was served beside a worker held by the bad render.
        let giveUp = MonotonicInstant.now.advanced(by: .seconds(120))
        var round = 0
        while round < rounds || failures.withLock({ $0.count < 2 }) {
            guard MonotonicInstant.now < giveUp else { throw ValidationError("the bad document did not fail twice within 120 s") }
            round += 1
            if round == 10 { try engine.replaceText("bad", with: HostileMarkdown.quadraticInlines(repetitions: 100_000 + Int(generator.next() % 20_000))) }
            for id in good {
                let position = try engine.snapshot(of: id).text.unicodeScalars.count
                let version = try engine.edit(id, .insert(round % 7 == 0 ? "\n\n*x*" : "a", at: position))
                latencies.append(try waitFor(id, version))
            }
        }
        let growth = ProcessTable.residentBytes - residentBefore
        engine.shutdown()
        latencies.sort()
        let p50 = latencies[latencies.count / 2], p99 = latencies[latencies.count * 99 / 100], worst = latencies.last!
        let deadline = Duration.milliseconds(deadlineMs)
        print("render-isolation neighbours: 4 good documents, \(latencies.count) edits, beside a bad one (failures: \(failures.withLock { $0 }.joined(separator: ", ")))")
        print(String(format: "edit-to-preview  p50 %.2f ms   p99 %.2f ms   max %.2f ms   target: p99 and max < %d ms (the deadline a bad render holds a worker for)  %@",
                     p50.milliseconds, p99.milliseconds, worst.milliseconds, deadlineMs, (p99 < deadline && worst < deadline ? "met" : "MISSED") as NSString))
        print(String(format: "resident memory growth  %d MiB   target: < 768 MiB (in process the bad document alone took 1.9 GiB)  %@",
                     growth >> 20, (growth < 768 << 20 ? "met" : "MISSED") as NSString))
    }
}
