// replay: the trace-replay benchmark of PreviewEngine (issue 6). See Docs/BENCHMARKS.md.
//
//   swift build -c release --product replay
//   .build/release/replay [TRACE ...] [--policy P,...] [--pad FILE] [--edits N|all] [--json] [--plot F.svg]
//   .build/release/replay TRACE --compare-clocks [--from S] [--duration S]
//   .build/release/replay generate

import ArgumentParser
import DocumentModel
import EditTraces
import Foundation
import MarkdownRenderer

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replays real typing traces through PreviewEngine and compares render policies.",
        subcommands: [RunCommand.self, GenerateCommand.self],
        defaultSubcommand: RunCommand.self)
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Replay traces with every policy (the default subcommand).",
        discussion: """
            Every transaction of a trace is applied with PreviewEngine.edit(_:transaction:) at its \
            recorded time (idle gaps capped at --max-gap; 1-second timestamps spread evenly within \
            their second; traces without timestamps at --cadence-ms). Per policy: renders, render \
            time, the latency of every edit (its time -> the first delivery of a version that \
            includes it), peak RSS, and a correctness check (the last delivered HTML is the render \
            of the final text; the final text has the header's sha256). Exit status 1 when a check \
            fails.
            """)

    @Argument(help: ArgumentHelp(
        "Trace files (.ndjson or .ndjson.gz), directories of them, or synthetic:<size>[:<edits>[:<seed>]] (generated in memory). Default: \(defaultTraceName) from ../shared/traces (--all-traces: every trace there, about 20 minutes).",
        valueName: "trace"))
    var traces: [String] = []

    @Flag(help: "With no trace named, replay every trace of ../shared/traces instead of \(defaultTraceName).")
    var allTraces = false

    @Option(name: .long, help: ArgumentHelp("Policies to run, comma-separated or repeated: every-keystroke, fixed-300, zed-200, adaptive, all.", valueName: "policy"))
    var policy: [String] = []

    @Option(help: ArgumentHelp("virtual (ManualEngineClock, as fast as the CPU allows) or real (SystemEngineClock, wall-clock time).", valueName: "virtual|real"))
    var clock: String = "virtual"

    @Flag(help: "Replay the window with both clocks, one after the other, for each policy.")
    var compareClocks = false

    @Option(help: ArgumentHelp("Start of the replayed window, in seconds of replay time after the first edit.", valueName: "seconds"))
    var from: Double = 0

    @Option(help: ArgumentHelp("Length of the window in seconds of replay time, or all. Default: all with the virtual clock, 60 with the real clock or --compare-clocks.", valueName: "seconds|all"))
    var duration: String?

    @Option(help: ArgumentHelp("Longest idle gap between two edits, in seconds; longer ones are cut to this.", valueName: "seconds"))
    var maxGap: Double = 2

    @Option(help: ArgumentHelp("Interval between the edits of traces without timestamps.", valueName: "ms"))
    var cadenceMs: Int = 150

    @Option(help: ArgumentHelp("Place the trace's text after this document and a blank line (say ../shared/corpus/rust-book-full.md).", valueName: "file"))
    var pad: String?

    @Option(help: ArgumentHelp("Replay only the first N transactions of the window, or all. Default: all, or 3000 with --pad.", valueName: "N|all"))
    var edits: String?

    @Option(help: ArgumentHelp("What a render costs in virtual time: wall (its measured wall-clock duration, as ManualEngineClock charges) or cpu (the pool thread's CPU time, robust on a busy machine).", valueName: "wall|cpu"))
    var renderTime: String = "wall"

    @Option(help: "Threads of the engine's pool, and render worker processes with --renderer workers (renders of one document never overlap).")
    var threads: Int = 1

    @Option(help: ArgumentHelp("Where documents are parsed: workers (render worker processes with limits, as the engine and mdpreview do by default; needs the mdpreview executable beside replay or PREVIEWENGINE_RENDER_WORKER) or in-process (MarkdownRenderer under its lock).", valueName: "workers|in-process"))
    var renderer: String = "workers"

    @Option(help: ArgumentHelp("incremental (re-parse the blocks around each change, the engine's default) or full (parse the whole text at every render).", valueName: "incremental|full"))
    var rendering: String = "incremental"

    @Option(help: ArgumentHelp("The render profiles, comma-separated: cmark (cmark-gfm's HTML), github (front matter, heading ids, alerts, math, raw HTML), or both (then the report compares their render time, same run).", valueName: "cmark|github|cmark,github"))
    var profile: String = "cmark"

    @Flag(help: "Check every delivered version: the HTML assembled by applying the patches in order equals MarkdownRenderer's full render of that version's text (virtual clock only). Prints mismatches: N and fallbacks: K of M.")
    var verifyEveryEdit = false

    @Flag(help: "Run each (trace, policy, clock) in a fresh child process, so peak RSS is that run's alone.")
    var isolate = false

    @Flag(help: "Print {\"runs\": [...]} as JSON on stdout instead of the table.")
    var json = false

    @Option(help: ArgumentHelp("Also write the JSON to this file (stdout keeps the table).", valueName: "file.json"))
    var jsonFile: String?

    @Option(help: ArgumentHelp("Write the latency CDFs (one panel per trace, log-scale x) to this SVG file.", valueName: "file.svg"))
    var plot: String?

    @Flag(help: "No progress bar on stderr (it is drawn only when stderr is a terminal anyway).")
    var noProgress = false

    @Flag(help: .hidden)
    var child = false

    mutating func run() throws {
        do {
            try execute()
        } catch let error as ReplayError {
            printError("replay: \(error.description)")
            throw ExitCode(2)
        }
    }

    private func execute() throws {
        guard let clockMode = ClockMode(rawValue: clock) else { throw ReplayError.usage("--clock must be virtual or real") }
        guard maxGap > 0, cadenceMs > 0, threads > 0, from >= 0 else {
            throw ReplayError.usage("--max-gap, --cadence-ms and --threads must be positive, --from not negative")
        }
        let policies = try PolicyName.parse(policy)
        guard let charge = RenderCharge(rawValue: renderTime) else { throw ReplayError.usage("--render-time must be wall or cpu") }
        let isolation = try RendererChoice.isolation(named: renderer, workers: threads, charge: charge)
        guard rendering == "incremental" || rendering == "full" else { throw ReplayError.usage("--rendering must be incremental or full") }
        let profiles = try profile.split(separator: ",").map { name throws(ReplayError) -> RenderProfile in
            guard let profile = RenderProfile(rawValue: String(name)) else { throw ReplayError.usage("--profile must be cmark, github or cmark,github") }
            return profile
        }
        guard !profiles.isEmpty else { throw ReplayError.usage("--profile must be cmark, github or cmark,github") }
        guard !verifyEveryEdit || (clockMode == .virtual && !compareClocks) else {
            throw ReplayError.usage("--verify-every-edit needs the virtual clock")
        }
        let clocks: [ClockMode] = compareClocks ? [.virtual, .real] : [clockMode]
        let durationSeconds: Double?
        switch duration {
        case "all": durationSeconds = nil
        case nil: durationSeconds = compareClocks || clockMode == .real ? 60 : nil
        case let text?:
            guard let value = Double(text), value > 0 else { throw ReplayError.usage("--duration must be a positive number of seconds or all") }
            durationSeconds = value
        }
        let limit: Int?
        switch edits {
        case "all": limit = nil
        case nil: limit = pad == nil ? nil : 3000
        case let text?:
            guard let value = Int(text), value > 0 else { throw ReplayError.usage("--edits must be a positive count or all") }
            limit = value
        }
        let padding = try pad.map { path throws(ReplayError) in try Padding(path: path) }
        let sources = try resolveSources()
        let progress = ProgressBar(enabled: !noProgress)
        let started = ContinuousClock.now

        var results: [RunResult] = []
        if isolate && !child {
            for source in sources {
                for policy in policies {
                    for clock in clocks {
                        let result = try runChild(source, policy: policy, clock: clock, durationSeconds: durationSeconds, limit: limit)
                        results.append(contentsOf: result)
                        result.forEach(announce)
                    }
                }
            }
        } else {
            let peakResets = !child && ProcessMemory.resetPeak()
            let settings = RunSettings(
                threads: threads, incremental: rendering == "incremental", verify: verifyEveryEdit, charge: charge, isolation: isolation, renderer: renderer,
                options: RenderOptions(profile: profiles[0]),
                rssScope: child ? "fresh process for this run (includes reading the trace)"
                    : peakResets ? "this process, peak reset before the run (trace already in memory)"
                    : "this process, cumulative over the runs so far",
                resetsPeakRSS: peakResets)
            for source in sources {
                let trace = try LoadedTrace.load(source, cadenceMs: cadenceMs)
                if !child {
                    progress.note("\(trace.name): \(trace.transactionCount) transactions read in " + String(format: "%.1f s", trace.loadSeconds))
                }
                let plan = try ReplayPlan(
                    trace: trace, padding: padding, maxGapNs: Int64(maxGap * 1e9), fromSeconds: from,
                    durationSeconds: durationSeconds, limit: limit)
                for policy in policies {
                    for clock in clocks {
                        // Profiles one after the other on the same plan: their ratio is same-run.
                        for renderProfile in profiles {
                            var settings = settings
                            settings.options.profile = renderProfile
                            let result = replay(plan, policy: policy, clock: clock, settings: settings, progress: progress)
                            results.append(result)
                            if !child { announce(result) }
                        }
                    }
                }
            }
        }

        if child {
            let data = try JSONEncoder().encode(results)
            FileHandle.standardOutput.write(data)
            if results.contains(where: { !$0.correct }) { throw ExitCode(1) }
            return
        }
        let targets = evaluateTargets(results)
        var jsonText = ""
        JSONOut.object([
            ("runs", .array(results.map(\.json))),
            ("targets", .array(targets.map(\.json))),
            ("total_wall_s", .number((ContinuousClock.now - started).seconds)),
        ]).write(to: &jsonText)
        if let jsonFile {
            do {
                try (jsonText + "\n").write(toFile: jsonFile, atomically: true, encoding: .utf8)
            } catch {
                throw ReplayError.usage("cannot write \(jsonFile): \(error)")
            }
        }
        if json {
            print(jsonText)
        } else {
            print(formatTable(results, targets: targets))
            for result in results {
                print("\(result.trace) \(result.policy.rawValue): \(result.incrementalSummary)")
            }
            print(String(format: "total wall time %.1f s", (ContinuousClock.now - started).seconds))
        }
        if let plot {
            do {
                try latencyPlotSVG(results).write(toFile: plot, atomically: true, encoding: .utf8)
            } catch {
                throw ReplayError.usage("cannot write \(plot): \(error)")
            }
            printError("replay: wrote \(plot)")
        }
        let failed = results.filter { !$0.correct }
        if !failed.isEmpty {
            printError("replay: \(failed.count) run(s) failed the correctness check: " + failed.map { "\($0.trace) \($0.policy.rawValue) (\($0.clock.rawValue)): \($0.failure ?? "?")" }.joined(separator: "; "))
            throw ExitCode(1)
        }
    }

    /// One line on stderr per finished run, for long runs watched in a log.
    private func announce(_ result: RunResult) {
        guard !child else { return }
        let fields = [
            result.trace.padding(toLength: 22, withPad: " ", startingAt: 0),
            (result.policy.rawValue + (result.profile == "cmark" ? "" : " " + result.profile)).padding(toLength: 22, withPad: " ", startingAt: 0),
            result.clock.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0),
            String(format: "%6d edits  p50 %8.1f  p99 %8.1f ms  render %9.0f ms  %6.1f s ", result.edits, result.p50Ms, result.p99Ms, result.renderCPUms, result.wallS),
            result.correct ? "ok" : "FAILED: \(result.failure ?? "?")",
        ]
        printError("  " + fields.joined(separator: " "))
        printError("    " + result.incrementalSummary)
    }

    /// The traces named on the command line (directories expanded), or every trace of
    /// ../shared/traces.
    private func resolveSources() throws(ReplayError) -> [TraceSource] {
        var arguments = traces
        if arguments.isEmpty {
            guard let directory = defaultTraceDirectory() else {
                throw .usage("no trace given and no ../shared/traces found (set PREVIEWENGINE_SHARED or name the traces)")
            }
            let single = (directory as NSString).appendingPathComponent(defaultTraceName)
            if allTraces || !FileManager.default.fileExists(atPath: single) {
                arguments = [directory]
            } else {
                arguments = [single]
                printError("replaying \(defaultTraceName); name traces, or pass --all-traces for every trace of \(directory)")
            }
        }
        var sources: [TraceSource] = []
        for argument in arguments {
            var isDirectory: ObjCBool = false
            if !argument.hasPrefix("synthetic:"), FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
                let found = names.filter { $0.hasSuffix(".ndjson") || $0.hasSuffix(".ndjson.gz") }.sorted()
                guard !found.isEmpty else { throw .usage("no .ndjson or .ndjson.gz trace in \(argument)") }
                sources += found.map { .file((argument as NSString).appendingPathComponent($0)) }
            } else {
                sources.append(try TraceSource(argument: argument))
            }
        }
        return sources
    }

    /// Runs one (trace, policy, clock) in a child process (`--isolate`) and reads its result.
    private func runChild(_ source: TraceSource, policy: PolicyName, clock: ClockMode, durationSeconds: Double?, limit: Int?) throws -> [RunResult] {
        // The running binary itself (even if its file was replaced since it started).
        let executable = FileManager.default.fileExists(atPath: "/proc/self/exe") ? "/proc/self/exe" : CommandLine.arguments[0]
        var arguments = [
            "run", source.argument, "--child", "--policy", policy.rawValue, "--clock", clock.rawValue,
            "--from", String(from), "--max-gap", String(maxGap), "--cadence-ms", String(cadenceMs),
            "--threads", String(threads), "--render-time", renderTime, "--renderer", renderer, "--profile", profile,
            "--duration", durationSeconds.map { String($0) } ?? "all",
            "--edits", limit.map(String.init) ?? "all",
        ]
        if let pad { arguments += ["--pad", pad] }
        if noProgress { arguments.append("--no-progress") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ReplayError.child("cannot start \(executable): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, [0, 1].contains(process.terminationStatus),
              let results = try? JSONDecoder().decode([RunResult].self, from: data), !results.isEmpty
        else {
            throw ReplayError.child("child run \(source) \(policy.rawValue) \(clock.rawValue) failed (status \(process.terminationStatus))")
        }
        return results
    }
}

/// The trace replayed when none is named.
let defaultTraceName = "json-crdt-blog-post.ndjson"

/// `../shared/traces` beside the package: from PREVIEWENGINE_SHARED, else found by
/// walking up from the current directory (and from the executable) to Package.swift.
func defaultTraceDirectory() -> String? {
    let fileManager = FileManager.default
    var candidates: [String] = []
    if let shared = ProcessInfo.processInfo.environment["PREVIEWENGINE_SHARED"] {
        candidates.append((shared as NSString).appendingPathComponent("traces"))
    }
    let executable = (try? fileManager.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    for start in [fileManager.currentDirectoryPath, (executable as NSString).deletingLastPathComponent] {
        var directory = URL(fileURLWithPath: start).standardizedFileURL
        while true {
            if fileManager.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
                candidates.append(directory.deletingLastPathComponent().appendingPathComponent("shared/traces").path)
                break
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
    }
    candidates.append((fileManager.currentDirectoryPath as NSString).appendingPathComponent("../shared/traces"))
    var isDirectory: ObjCBool = false
    return candidates.first { fileManager.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue }
}

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write the synthetic fixture traces (seeded, deterministic) as gzipped NDJSON.",
        discussion: """
            Each trace comes from EditTraces.SyntheticTraceGenerator: start content of the given size, \
            then --edits edit lines. 100k, 1m and 5m use the seeds 100, 1024 and 5120. Files are \
            compressed with `gzip -n -9` (no name or time stamp), so the same inputs give the same bytes. \
            A file whose compressed size exceeds --max-bytes is not kept: replay it with \
            synthetic:<size> instead, which generates the same trace in memory.
            """)

    @Option(help: "Directory to write to.")
    var output: String = "Fixtures/traces"

    @Option(name: .customLong("size"), help: ArgumentHelp("Start-content sizes: 100k, 1m, 5m (KiB/MiB) or bytes; repeatable.", valueName: "size"))
    var sizes: [String] = SyntheticSpec.fixtures.map(\.label)

    @Option(help: "Edit lines per trace.")
    var edits: Int = SyntheticSpec.defaultEdits

    @Option(help: "Largest compressed file kept, in bytes.")
    var maxBytes: Int = 3_000_000

    mutating func run() throws {
        for size in sizes {
            let spec: SyntheticSpec
            do throws(ReplayError) {
                spec = try SyntheticSpec("synthetic:\(size):\(edits)")
            } catch {
                printError("replay: \(error.description)")
                throw ExitCode(2)
            }
            let started = ContinuousClock.now
            let trace = spec.generate()
            let path = (output as NSString).appendingPathComponent("\(spec.name).ndjson.gz")
            let compressed = try gzip(Data(trace.ndjson.utf8))
            // Check the trace before keeping it: its edits apply and give the header's sha256.
            var document = TextDocument(trace.header.startContent)
            var transaction: [TextPatch] = []
            for edit in trace.edits {
                if !edit.continuesTransaction, !transaction.isEmpty {
                    try document.apply(transaction: transaction)
                    transaction.removeAll()
                }
                transaction.append(.replace(offset: edit.position, length: edit.deleteCount, with: edit.insertedText))
            }
            if !transaction.isEmpty { try document.apply(transaction: transaction) }
            guard ContentDigest.sha256Hex(ofUTF8: document.text) == trace.header.endContentSha256 else {
                printError("replay: \(spec.name): the generated edits do not reproduce the header's sha256")
                throw ExitCode(1)
            }
            let seconds = (ContinuousClock.now - started).seconds
            let summary = "\(spec.name): seed \(spec.seed), \(trace.header.edits) edits (\(trace.header.txns ?? 0) transactions), start \(bytes(trace.header.startContent.utf8.count)), gzipped \(bytes(compressed.count)) [\(String(format: "%.1f", seconds)) s]"
            if compressed.count > maxBytes {
                try? FileManager.default.removeItem(atPath: path)
                print("\(summary): larger than --max-bytes \(maxBytes), not written; replay it with synthetic:\(spec.label)")
                continue
            }
            try compressed.write(to: URL(fileURLWithPath: path), options: .atomic)
            print("\(summary) -> \(path) (sha256 of file \(ContentDigest.sha256Hex(of: compressed)))")
        }
    }

    /// `gzip -n -9` of `data`.
    private func gzip(_ data: Data) throws -> Data {
        let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("replay-generate-\(ProcessInfo.processInfo.processIdentifier).ndjson")
        try data.write(to: temporary)
        defer { try? FileManager.default.removeItem(at: temporary) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip", "-n", "-9", "-c", "--", temporary.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let compressed = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ReplayError.trace("gzip failed with status \(process.terminationStatus)") }
        return compressed
    }
}

ReplayCommand.main()
