import ArgumentParser
import Foundation
import Primitives
import MarkdownRenderer
import RenderWorkers

/// The time a reused worker adds to one render: the same text rendered in process
/// (`MarkdownRenderer.render`) and in a warm worker (`RenderWorkerPool.render`), both to
/// a `String`, alternating, each side's p50 over the rounds.
struct OverheadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "overhead", abstract: "Added time per render at 10 KB, 100 KB and 1 MB.")

    @Option(help: "Renders per side and size (alternating).") var rounds = 201
    @Argument(help: "The document the inputs are cut from (default: rust-book-full.md of the corpus).") var file: String?

    func run() throws {
        let source = try Setup.read(file ?? Setup.corpus.appendingPathComponent("rust-book-full.md").path)
        let pool = RenderWorkerPool(executable: try Setup.worker(), workerCount: 1)
        defer { pool.shutdown() }
        let renderer = MarkdownRenderer()
        print("render-isolation overhead: one reused worker against the in-process renderer, \(rounds) renders each, alternating")
        print("size      in-process p50   worker p50   added p50   added %   in-process p90   worker p90")
        for size in [10 << 10, 100 << 10, 1 << 20] {
            let text = Setup.prefix(source, size)
            let rounds = size >= 1 << 20 ? max(21, self.rounds / 4) : self.rounds
            guard try pool.render(text, options: .default) == renderer.render(text) else { throw ValidationError("the worker's HTML differs") }
            var inProcess: [Double] = [], isolated: [Double] = []
            let clock = ContinuousClock()
            for _ in 0..<rounds {
                var start = clock.now
                _ = renderer.render(text)
                inProcess.append(start.duration(to: clock.now).milliseconds)
                start = clock.now
                _ = try pool.render(text, options: .default)
                isolated.append(start.duration(to: clock.now).milliseconds)
            }
            inProcess.sort()
            isolated.sort()
            let p50 = (inProcess[rounds / 2], isolated[rounds / 2]), p90 = (inProcess[rounds * 9 / 10], isolated[rounds * 9 / 10])
            print(String(format: "%-9@ %10.3f ms %10.3f ms %+9.3f ms %+8.1f%% %12.3f ms %10.3f ms",
                         "\(size >> 10) KiB" as NSString, p50.0, p50.1, p50.1 - p50.0, (p50.1 / p50.0 - 1) * 100, p90.0, p90.1))
        }
    }
}
