// Loading traces, giving every transaction a replay time, padding, windows.

import DocumentModel
import EditTraces
import Foundation

/// Where a trace comes from: a file, or the seeded generator run in memory.
enum TraceSource: Sendable, Hashable, CustomStringConvertible {
    case file(String)
    case synthetic(SyntheticSpec)

    /// A path, or `synthetic:<size>[:<edits>[:<seed>]]`.
    init(argument: String) throws(ReplayError) {
        if argument.hasPrefix("synthetic:") {
            self = .synthetic(try SyntheticSpec(argument))
        } else {
            self = .file(argument)
        }
    }

    /// What the command line says to get this trace again (for child processes).
    var argument: String {
        switch self {
        case .file(let path): path
        case .synthetic(let spec): spec.argument
        }
    }

    var description: String { argument }
}

/// A synthetic trace: start content of `bytes` UTF-8 bytes, `edits` edit lines, `seed`.
struct SyntheticSpec: Sendable, Hashable {
    var label: String
    var bytes: Int
    var edits: Int
    var seed: UInt64

    /// The traces `replay generate` writes to `Fixtures/traces/`: the document sizes the
    /// real traces lack. The seed of each is its size in KiB.
    static let fixtures: [SyntheticSpec] = [
        SyntheticSpec(label: "100k", bytes: 100 << 10, edits: defaultEdits, seed: 100),
        SyntheticSpec(label: "1m", bytes: 1 << 20, edits: defaultEdits, seed: 1024),
        SyntheticSpec(label: "5m", bytes: 5 << 20, edits: defaultEdits, seed: 5120),
    ]
    static let defaultEdits = 3000

    var name: String { "synthetic-\(label)" }
    var argument: String { "synthetic:\(label):\(edits):\(seed)" }

    init(label: String, bytes: Int, edits: Int, seed: UInt64) {
        self.label = label
        self.bytes = bytes
        self.edits = edits
        self.seed = seed
    }

    /// Parses `synthetic:<size>[:<edits>[:<seed>]]`, size like `100k`, `1m`, `5m` (KiB, MiB)
    /// or bytes; the seed defaults to that of the fixture of the same size, else the size in
    /// KiB.
    init(_ text: String) throws(ReplayError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).dropFirst().map(String.init)
        guard (1...3).contains(parts.count), let bytes = Self.parseSize(parts[0]) else {
            throw .usage("bad synthetic trace '\(text)': expected synthetic:<size>[:<edits>[:<seed>]], e.g. synthetic:5m")
        }
        let fixture = Self.fixtures.first { $0.bytes == bytes }
        label = fixture?.label ?? parts[0].lowercased()
        self.bytes = bytes
        edits = Self.defaultEdits
        seed = fixture?.seed ?? UInt64(bytes >> 10)
        if parts.count >= 2 {
            guard let value = Int(parts[1]), value > 0 else { throw .usage("bad edit count in '\(text)'") }
            edits = value
        }
        if parts.count == 3 {
            guard let value = UInt64(parts[2]) else { throw .usage("bad seed in '\(text)'") }
            seed = value
        }
    }

    static func parseSize(_ text: String) -> Int? {
        let lower = text.lowercased()
        if lower.hasSuffix("k"), let value = Int(lower.dropLast()) { return value << 10 }
        if lower.hasSuffix("m"), let value = Int(lower.dropLast()) { return value << 20 }
        return Int(lower)
    }

    func generate() -> EditTrace {
        SyntheticTraceGenerator.generate(.init(seed: seed, edits: edits, startContentBytes: bytes, name: name))
    }
}

/// How a trace's times were turned into replay times.
enum TimeBasis: Sendable, Hashable, CustomStringConvertible {
    /// Millisecond timestamps, used as recorded.
    case milliseconds
    /// Timestamps of `resolutionMs` resolution; the k-th of the n transactions sharing one
    /// timestamp is placed at t + k/n × resolution.
    case spread(resolutionMs: Int)
    /// No timestamps: one transaction every `cadenceMs`.
    case cadence(ms: Int)

    var description: String {
        switch self {
        case .milliseconds: "1 ms timestamps"
        case .spread(let resolution): resolution == 1000 ? "1 s timestamps, spread within each second" : "\(resolution) ms timestamps, spread"
        case .cadence(let ms): "no timestamps, one edit every \(ms) ms"
        }
    }
}

/// A trace in memory: its edits, grouped into transactions, each with a recorded time.
struct LoadedTrace: Sendable {
    let source: TraceSource
    let header: TraceHeader
    /// Every edit line, in order.
    let edits: [TraceEdit]
    /// Transaction `i` is `edits[starts[i]..<starts[i + 1]]`.
    let starts: [Int]
    /// Per transaction, nanoseconds since the first transaction, after spreading.
    let recordedNs: [Int64]
    let timeBasis: TimeBasis
    /// Wall time spent reading (or generating) the trace, seconds.
    let loadSeconds: Double

    var name: String { header.name }
    var transactionCount: Int { starts.count - 1 }

    static func load(_ source: TraceSource, cadenceMs: Int) throws(ReplayError) -> LoadedTrace {
        let started = ContinuousClock.now
        var edits: [TraceEdit] = []
        var starts: [Int] = []
        let header: TraceHeader
        switch source {
        case .file(let path):
            do throws(TraceError) {
                let reader = try TraceReader(contentsOf: URL(fileURLWithPath: path))
                header = reader.header
                edits.reserveCapacity(max(0, reader.header.edits))
                starts.reserveCapacity(max(0, reader.header.txns ?? reader.header.edits) + 1)
                while let transaction = try reader.nextTransaction() {
                    starts.append(edits.count)
                    edits.append(contentsOf: transaction.edits)
                }
            } catch {
                throw .trace(error.description)
            }
        case .synthetic(let spec):
            let trace = spec.generate()
            header = trace.header
            edits = trace.edits
            for (index, edit) in edits.enumerated() where index == 0 || !edit.continuesTransaction {
                starts.append(index)
            }
        }
        starts.append(edits.count)
        let (recorded, basis) = recordedTimes(header: header, edits: edits, starts: starts, cadenceMs: cadenceMs)
        return LoadedTrace(
            source: source, header: header, edits: edits, starts: starts, recordedNs: recorded,
            timeBasis: basis, loadSeconds: (ContinuousClock.now - started).seconds)
    }

    /// The recorded time of each transaction (that of its first edit), spread or made up
    /// as described by the returned basis.
    static func recordedTimes(header: TraceHeader, edits: [TraceEdit], starts: [Int], cadenceMs: Int) -> ([Int64], TimeBasis) {
        let count = starts.count - 1
        let times = (0..<count).map { edits[starts[$0]].timeMs }
        guard header.hasTimestamps, count > 0, !times.contains(nil) else {
            return ((0..<count).map { Int64($0) * Int64(cadenceMs) * 1_000_000 }, .cadence(ms: cadenceMs))
        }
        let ms = times.map { Int64($0!) }
        let origin = ms[0]
        let resolution = header.timeResolutionMs ?? 1
        guard resolution > 1 else {
            return (ms.map { ($0 - origin) * 1_000_000 }, .milliseconds)
        }
        var recorded = [Int64](repeating: 0, count: count)
        var groupStart = 0
        while groupStart < count {
            var groupEnd = groupStart + 1
            while groupEnd < count, ms[groupEnd] == ms[groupStart] { groupEnd += 1 }
            let n = Int64(groupEnd - groupStart)
            let base = (ms[groupStart] - origin) * 1_000_000
            let span = Int64(resolution) * 1_000_000
            for k in 0..<Int(n) {
                recorded[groupStart + k] = base + Int64(k) * span / n
            }
            groupStart = groupEnd
        }
        return (recorded, .spread(resolutionMs: resolution))
    }

    /// Replay times: the recorded intervals between transactions, each capped at
    /// `maxGapNs` (idle time cut short); the first transaction at 0.
    func replayTimes(maxGapNs: Int64) -> [Int64] {
        var out = [Int64](repeating: 0, count: transactionCount)
        for i in out.indices.dropFirst() {
            let gap = max(0, recordedNs[i] - recordedNs[i - 1])
            out[i] = out[i - 1] + min(gap, maxGapNs)
        }
        return out
    }

    /// The patches of transaction `i`, shifted by `shift` scalars.
    func patches(_ i: Int, shift: Int) -> LazyMapCollection<ArraySlice<TraceEdit>, TextPatch> {
        edits[starts[i]..<starts[i + 1]].lazy.map {
            TextPatch.replace(offset: $0.position + shift, length: $0.deleteCount, with: $0.insertedText)
        }
    }
}

/// A large document the trace's text is placed in (`--pad`).
struct Padding: Sendable {
    let path: String
    /// The pad's text plus a blank line: what comes before the trace's text.
    let prefix: String
    let prefixScalars: Int

    init(path: String) throws(ReplayError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .usage("cannot read pad file \(path)") }
        var text = String(decoding: data, as: UTF8.self)
        if !text.hasSuffix("\n") { text += "\n" }
        text += "\n"
        self.path = path
        prefix = text
        prefixScalars = text.unicodeScalars.count
    }
}

/// What one replay run replays: a window of a trace's transactions, in a document
/// (padded or not) holding the text the trace had just before the window.
struct ReplayPlan: Sendable {
    let trace: LoadedTrace
    let padding: Padding?
    /// The transactions replayed.
    let range: Range<Int>
    /// Per transaction of `range`, its replay time minus that of the window's first.
    let offsetsNs: [Int64]
    /// The document's text when it is opened.
    let startText: String
    let startBytes: Int
    /// Whether every transaction of the trace is replayed (so the final text must have
    /// the header's sha256).
    let coversWholeTrace: Bool
    /// The window's start in replay time (seconds after the first edit).
    let fromSeconds: Double
    let maxGapNs: Int64
    /// How the window was chosen, or nil when it is the whole trace.
    let windowLabel: String?

    var shift: Int { padding?.prefixScalars ?? 0 }

    /// The transactions with replay times in [from, from + duration), at most `limit` of
    /// them.
    init(trace: LoadedTrace, padding: Padding?, maxGapNs: Int64, fromSeconds: Double, durationSeconds: Double?, limit: Int?) throws(ReplayError) {
        let times = trace.replayTimes(maxGapNs: maxGapNs)
        let fromNs = Int64(fromSeconds * 1e9)
        let lower = times.firstIndex { $0 >= fromNs } ?? times.count
        var upper = times.count
        if let durationSeconds {
            let endNs = fromNs + Int64(durationSeconds * 1e9)
            upper = times[lower...].firstIndex { $0 >= endNs } ?? times.count
        }
        if let limit { upper = min(upper, lower + limit) }
        guard upper > lower else {
            throw .usage("\(trace.name): no transaction in the window from \(fromSeconds) s (the trace spans \(Double(times.last ?? 0) / 1e9) s of replay time)")
        }
        self.trace = trace
        self.padding = padding
        self.maxGapNs = maxGapNs
        self.fromSeconds = fromSeconds
        range = lower..<upper
        offsetsNs = times[lower..<upper].map { $0 - times[lower] }
        coversWholeTrace = lower == 0 && upper == trace.transactionCount
        if coversWholeTrace {
            windowLabel = nil
        } else if fromSeconds > 0 || durationSeconds != nil {
            let end = durationSeconds.map { String(format: "%g s", fromSeconds + $0) } ?? "end"
            windowLabel = String(format: "window %g s", fromSeconds) + " to \(end) (\(upper - lower) edits)"
        } else {
            windowLabel = "first \(upper - lower) edits"
        }

        var text = (padding?.prefix ?? "") + trace.header.startContent
        if lower > 0 {
            var document = TextDocument(text)
            let shift = padding?.prefixScalars ?? 0
            for i in 0..<lower {
                do throws(EditError) {
                    try document.apply(transaction: trace.patches(i, shift: shift))
                } catch {
                    throw .trace("\(trace.name): transaction \(i) does not apply: \(error)")
                }
            }
            text = document.text
        }
        startText = text
        startBytes = text.utf8.count
    }
}

extension Duration {
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) * 1e-18
    }
}

/// A failure that stops the command (not a failed correctness check).
enum ReplayError: Error, CustomStringConvertible {
    case usage(String)
    case trace(String)
    case child(String)

    var description: String {
        switch self {
        case .usage(let message), .trace(let message), .child(let message): message
        }
    }
}
