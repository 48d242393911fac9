import ArgumentParser
import Dispatch
import DocumentModel
import Foundation
import PreviewEngine
import Primitives
import RenderWorkers

/// Renders per second when `documents` documents are edited at once through the engine
/// (every-keystroke policy, one pool thread per core): in process, every parse takes the
/// one process-wide lock; with workers, one process per core parses in parallel.
struct ThroughputCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "throughput", abstract: "Renders per second, several documents edited at once.")

    @Option(help: "Seconds per side and round.") var seconds = 4.0
    @Option(help: "Rounds; the sides alternate.") var rounds = 3
    @Option(help: "Documents edited at once.") var documents = 8
    @Option(help: "KiB of each document (cut from the corpus).") var documentKib = 48
    @Option(help: "Microseconds between two edits of one document: faster than renders, so renders are the bottleneck, without the edits taking the CPU the renders need.") var editIntervalUs = 2_000

    func run() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Setup.corpus.path).filter { $0.hasSuffix(".md") && $0 != "README.md" }.sorted()
        var sources: [String] = []
        for name in names { sources.append(Setup.prefix(try Setup.read(Setup.corpus.appendingPathComponent(name).path), documentKib << 10)) }
        sources.sort { $0.utf8.count > $1.utf8.count }
        let texts = (0..<documents).map { sources[$0 % sources.count] }
        let cores = RenderWorkerPool.defaultWorkerCount
        let executable = try Setup.worker()
        print("render-isolation throughput: \(documents) documents (\(texts.map { "\($0.utf8.count / 1024)" }.joined(separator: ", ")) KiB) edited at once, every-keystroke, an edit per document every \(editIntervalUs) µs, \(cores) pool threads, \(rounds) x \(seconds) s per side")
        var results: [String: [Double]] = [:]
        for _ in 0..<rounds {
            for (name, isolation) in [("in-process", RenderIsolation.inProcess), ("workers", .workers(executable: executable, count: cores))] {
                results[name, default: []].append(try measure(texts, isolation: isolation))
            }
        }
        for name in ["in-process", "workers"] {
            let values = results[name]!.sorted()
            print(String(format: "%-11@ median %7.1f renders/s   (rounds: %@)", name as NSString, values[values.count / 2],
                         values.map { String(format: "%.1f", $0) }.joined(separator: ", ") as NSString))
        }
        let ratio = results["workers"]!.sorted()[rounds / 2] / results["in-process"]!.sorted()[rounds / 2]
        print(String(format: "workers / in-process: %.2fx", ratio))
    }

    /// Renders delivered per second while every document is edited as fast as renders allow.
    private func measure(_ texts: [String], isolation: RenderIsolation) throws -> Double {
        let engine = PreviewEngine(configuration: .init(policy: .everyKeystroke, statisticsDelay: nil, isolation: isolation))
        let delivered = Locked(0)
        engine.subscribe { event in if case .rendered = event { delivered.withLock { $0 += 1 } } }
        for (index, text) in texts.enumerated() { try engine.open("doc-\(index)", text: text) }
        let stop = Locked(false)
        let group = DispatchGroup()
        for index in texts.indices {
            DispatchQueue.global().async(group: group) {
                var position = 0
                while !stop.withLock({ $0 }) {
                    _ = try? engine.edit("doc-\(index)", .insert("x", at: position))
                    position += 1
                    usleep(UInt32(editIntervalUs))
                }
            }
        }
        usleep(300_000)   // warm up: workers started, first renders done
        let start = delivered.withLock { $0 }
        let clock = ContinuousClock()
        let began = clock.now
        usleep(UInt32(seconds * 1e6))
        let count = delivered.withLock { $0 } - start
        let elapsed = began.duration(to: clock.now)
        stop.withLock { $0 = true }
        group.wait()
        engine.shutdown()
        return Double(count) / (elapsed.milliseconds / 1000)
    }
}
