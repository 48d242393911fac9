// render-isolation: what rendering in worker processes costs and gains, against the
// in-process renderer, in the same run (issue 11). See Docs/BENCHMARKS.md.
//
//   render-isolation overhead [--rounds N] [FILE]     added time per render of a reused worker at 10 KB, 100 KB, 1 MB
//   render-isolation throughput [--seconds S] [--documents 8]   8 documents edited at once through the engine
//   render-isolation fuzz [--inputs N] [--seed S]     seeded hostile documents through the worker path
//   render-isolation neighbours [--rounds N]          good documents' latency and our memory beside a bad one
//   render-isolation                                  overhead, then throughput
//
// The worker is the mdpreview beside this executable (./dev bench isolation builds both).
import ArgumentParser
import Foundation
import RenderWorkers

struct RenderIsolationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render-isolation",
        abstract: "Render worker processes against the in-process renderer, in one run.",
        subcommands: [AllCommand.self, OverheadCommand.self, ThroughputCommand.self, FuzzCommand.self, NeighboursCommand.self],
        defaultSubcommand: AllCommand.self
    )
}

struct AllCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "all", abstract: "Overhead, then throughput.")
    func run() throws {
        let overhead = try OverheadCommand.parse([])
        try overhead.run()
        print()
        let throughput = try ThroughputCommand.parse([])
        try throughput.run()
    }
}

/// Where the benchmark's inputs and the worker come from.
enum Setup {
    static var corpus: URL {
        if let shared = ProcessInfo.processInfo.environment["PREVIEWENGINE_SHARED"] {
            return URL(fileURLWithPath: shared).appendingPathComponent("corpus")
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus").standardized
    }

    static func worker() throws -> String {
        guard let executable = RenderWorkerPool.locateExecutable() else {
            throw ValidationError("no mdpreview beside render-isolation, on PATH or in PREVIEWENGINE_RENDER_WORKER (./dev bench isolation builds it)")
        }
        return executable
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        return Array(data)
    }

    /// The first `count` bytes of `bytes`, cut back to a line end.
    static func prefix(_ bytes: [UInt8], _ count: Int) -> String {
        var end = min(count, bytes.count)
        while end < bytes.count && end > 0 && bytes[end - 1] != 0x0A { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}

RenderIsolationCommand.main()
