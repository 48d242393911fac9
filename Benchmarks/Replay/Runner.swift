// One replay run: one trace window, one policy, one clock, through the real engine.

import Dispatch
import DocumentModel
import EditTraces
import Foundation
import Histogram
import MarkdownRenderer
import IncrementalRender
import PreviewEngine
import Primitives
import ThreadPool

/// The render policies compared, by their names in the output.
enum PolicyName: String, CaseIterable, Sendable, Codable {
    case everyKeystroke = "every-keystroke"
    case fixed300 = "fixed-300"
    case zed200 = "zed-200"
    case adaptive

    var choice: RenderPolicyChoice {
        switch self {
        case .everyKeystroke: .everyKeystroke
        case .fixed300: .trailingDebounce(.milliseconds(300))
        case .zed200: .debounceWithDirtyFlag(.milliseconds(200))
        case .adaptive: .default
        }
    }

    var summary: String {
        switch self {
        case .everyKeystroke: "render after every edit (.everyKeystroke)"
        case .fixed300: "trailing debounce 300 ms, VS Code's preview (.trailingDebounce)"
        case .zed200: "debounce 200 ms + dirty flag, Zed's preview (.debounceWithDirtyFlag)"
        case .adaptive: "ours, AdaptiveDebouncer defaults (.default)"
        }
    }

    /// `maxWait` of the adaptive policy's configuration (750 ms by default).
    static var adaptiveMaxWait: Duration {
        if case .adaptive(let configuration) = PolicyName.adaptive.choice { return configuration.maxWait }
        return .zero
    }

    static func parse(_ values: [String]) throws(ReplayError) -> [PolicyName] {
        let names = values.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if names.isEmpty || names == ["all"] { return allCases }
        var out: [PolicyName] = []
        for name in names {
            guard let policy = PolicyName(rawValue: name) else {
                throw .usage("unknown policy '\(name)'; expected \(allCases.map(\.rawValue).joined(separator: ", ")) or all")
            }
            if !out.contains(policy) { out.append(policy) }
        }
        return out
    }
}

enum ClockMode: String, Sendable, Codable {
    case virtual, real
}

/// Everything measured in one run.
struct RunResult: Codable, Sendable {
    var trace: String
    var source: String
    var policy: PolicyName
    var clock: ClockMode
    /// Where documents were parsed: `workers` or `in-process`.
    var renderer: String
    var edits: Int
    var patches: Int
    var rendersRequested: Int
    var rendersStarted: Int
    var rendersDelivered: Int
    var rendersCancelled: Int
    var rendersWasted: Int
    var renderCPUms: Double
    var meanRenderMs: Double
    /// What renders were charged in virtual time (`renderCPUms` sums those charges).
    var renderCharge: RenderCharge
    /// Sums of the renders' wall-clock and thread-CPU durations, whatever was charged.
    var renderWallMs: Double
    var renderThreadCPUms: Double
    var p50Ms: Double
    var p90Ms: Double
    var p99Ms: Double
    var maxMs: Double
    var meanMs: Double
    var undelivered: Int
    var peakRSSBytes: Int
    var rssScope: String
    var correct: Bool
    var htmlCheck: Bool
    var shaCheck: String
    var failure: String?
    var padFile: String?
    var paddedBytes: Int
    var startBytes: Int
    var finalBytes: Int
    var timeBasis: String
    var maxGapS: Double
    var fromS: Double
    var spanS: Double
    var wholeTrace: Bool
    var window: String?
    var wallS: Double
    var maxEditLagMs: Double?
    var maxWaitMs: Double
    /// `incremental` (windows re-parsed) or `full` (the whole text at every render).
    var rendering: String = "incremental"
    /// The render profile (`cmark` or `github`).
    var profile: String = "cmark"
    /// The median charge of one render, in milliseconds.
    var medianRenderMs: Double = 0
    /// The charge of the first render (the whole document before any edit), in ms.
    var firstRenderMs: Double = 0
    /// What the renders after the first cost: the keystrokes' share of `renderCPUms`.
    var keystrokeRenderMs: Double { renderCPUms - firstRenderMs }
    /// Renders after the first that parsed the whole text, and all renders after the first.
    var fallbacks: Int = 0
    var updates: Int = 0
    /// Full parses by reason (`IncrementalDocument`'s `FullParseReason`).
    var fallbackReasons: [String: Int] = [:]
    /// HTML bytes the delivered patches carried, and the whole HTML of those versions.
    var patchBytes: Int = 0
    var fullHTMLBytes: Int = 0
    /// Delivered versions checked against the full render (`--verify-every-edit`), and
    /// how many differed; nil when not verified.
    var verifiedVersions: Int?
    var mismatches: Int?
    /// Deliveries the client took as a snapshot because it had not seen the patch's base.
    var snapshotsApplied: Int = 0
    /// The final version's blocks: how many, table bytes per block, and all bytes kept.
    var blocks: Int = 0
    var blockTableBytesPerBlock: Int = 0
    var blockBytes: Int = 0
    /// Latency CDF: (milliseconds, fraction of edits at or below), for `--plot`.
    var cdf: [[Double]]
}

struct RunSettings: Sendable {
    var threads: Int
    /// Whether renders re-parse windows (the default) or the whole text.
    var incremental: Bool
    /// Whether every delivered version is checked against the full render.
    var verify: Bool
    var charge: RenderCharge
    /// Where the engine parses.
    var isolation: RenderIsolation
    /// `workers` or `in-process`, for the report.
    var renderer: String
    /// What the renders show (the profile).
    var options: RenderOptions
    var rssScope: String
    var resetsPeakRSS: Bool
}

let documentID: DocumentID = "trace.md"

/// Replays `plan` with `policy` on `clock`. Never throws for a failed check: the result
/// says `correct: false` and why.
func replay(_ plan: ReplayPlan, policy: PolicyName, clock mode: ClockMode, settings: RunSettings, progress: ProgressBar) -> RunResult {
    if settings.resetsPeakRSS { _ = ProcessMemory.resetPeak() }
    let wallStart = ContinuousClock.now
    let pool = ThreadPool(configuration: .init(threadCount: settings.threads, concurrencyLimits: ["autosave": 1]))
    let manualClock: ManualEngineClock? = mode == .virtual ? ManualEngineClock() : nil
    let engineClock = MeasuringClock(base: manualClock ?? SystemEngineClock(), charge: settings.charge)
    let engine = PreviewEngine(
        configuration: .init(renderOptions: settings.options, policy: policy.choice, statisticsDelay: nil, isolation: settings.isolation, incrementalRendering: settings.incremental),
        clock: engineClock, pool: pool)
    let recorder = DeliveryRecorder(verifyingWith: settings.verify ? MarkdownRenderer(options: settings.options) : nil)
    let subscription = engine.subscribe { event in
        if case .rendered(let result) = event { recorder.record(result) }
    }
    defer {
        subscription.cancel()
        engine.shutdown()
        pool.shutdown(.cancelPending)
    }

    let count = plan.range.count
    var editTimes = [Int64](repeating: 0, count: count)
    var maxLagNs: Int64 = 0
    var applied = 0
    var failure: String?
    let leadNs = plan.maxGapNs
    progress.begin("\(plan.trace.name) \(policy.rawValue) (\(mode.rawValue))")

    func settleVirtual(_ clock: ManualEngineClock, limit: MonotonicInstant) -> Bool {
        engine.waitUntilIdle()
        while let next = clock.nextDeadline {
            guard next <= limit else { return false }
            clock.advance(to: next) { engine.waitUntilIdle() }
        }
        engine.waitUntilIdle()
        return true
    }

    do throws(EngineError) {
        try engine.open(documentID, text: plan.startText)
        if settings.verify { recorder.expect(try engine.snapshot(of: documentID)) }
        // The first render of the document is delivered before the first edit, which comes
        // one (capped) idle gap later.
        let origin: Int64
        if let manualClock {
            _ = settleVirtual(manualClock, limit: .init(nanoseconds: .max))
            origin = manualClock.now.nanoseconds + leadNs
        } else {
            recorder.expect(version: 0)
            _ = recorder.waitForTarget(timeout: .seconds(60))
            engine.waitUntilIdle()
            origin = monotonicNanoseconds() + leadNs
        }
        for k in 0..<count {
            let at = origin + plan.offsetsNs[k]
            if let manualClock {
                manualClock.advance(to: MonotonicInstant(nanoseconds: at)) { engine.waitUntilIdle() }
                editTimes[k] = manualClock.now.nanoseconds
            } else {
                sleep(untilMonotonic: at)
                let now = engineClock.now.nanoseconds
                editTimes[k] = now
                maxLagNs = max(maxLagNs, now - at)
            }
            let version = try engine.edit(documentID, transaction: plan.trace.patches(plan.range.lowerBound + k, shift: plan.shift))
            if version != UInt64(k + 1) {
                failure = "edit \(k) produced version \(version), expected \(k + 1)"
                break
            }
            if settings.verify { recorder.expect(try engine.snapshot(of: documentID)) }
            applied += 1
            if manualClock != nil { engine.waitUntilIdle() }
            if k & 63 == 0 { progress.update(done: k, total: count) }
        }
        progress.update(done: count, total: count)
        // Edits are over: let every timer run out, so the last version is delivered.
        if let manualClock {
            let limit = MonotonicInstant(nanoseconds: (editTimes.last ?? 0) + 3_600_000_000_000)
            if !settleVirtual(manualClock, limit: limit) {
                failure = failure ?? "timers still armed an hour after the last edit"
            }
        } else {
            recorder.expect(version: UInt64(applied))
            if !recorder.waitForTarget(timeout: .seconds(120)) {
                failure = failure ?? "the last version was not delivered within 120 s of the last edit"
            }
            engine.waitUntilIdle()
        }
    } catch {
        failure = failure ?? error.description
    }
    progress.end()

    // Measurements.
    let counters = try? engine.renderCounters(of: documentID)
    let statistics = (try? engine.incrementalStatistics(of: documentID)) ?? nil
    let memory = (try? engine.blockMemory(of: documentID)) ?? nil
    if counters == nil { failure = failure ?? "no render counters for the document" }
    let snapshot = try? engine.snapshot(of: documentID)
    let deliveries = recorder.deliveries
    var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    histogram.autoResize = true
    var undelivered = 0
    var j = 0
    for k in 0..<applied {
        let version = UInt64(k + 1)
        while j < deliveries.versions.count, deliveries.versions[j] < version { j += 1 }
        guard j < deliveries.versions.count else {
            undelivered += 1
            continue
        }
        let latencyNs = max(0, deliveries.instants[j] - editTimes[k])
        histogram.record(UInt64((latencyNs + 500) / 1000))
    }

    // Correctness: the last delivered HTML is the render of the final text, and the final
    // text is the trace's (when all of it was replayed).
    var htmlCheck = false
    var shaCheck = "n/a"
    var finalBytes = 0
    if let snapshot {
        let finalText = snapshot.text
        finalBytes = finalText.utf8.count
        let last = recorder.last
        let expected = MarkdownRenderer(options: engine.configuration.renderOptions).render(finalText)
        htmlCheck = last.version == snapshot.version && last.html == expected
        if !htmlCheck {
            failure = failure ?? "last delivered version \(last.version.map(String.init) ?? "none") of \(snapshot.version); HTML \(last.html == expected ? "equal" : "differs") (the patches applied in order)"
        }
        if plan.coversWholeTrace, applied == count {
            let scalars = finalText.unicodeScalars
            let shift = plan.shift
            let prefixIntact = plan.padding.map { scalars.prefix(shift).elementsEqual($0.prefix.unicodeScalars) } ?? true
            let own = shift == 0 ? finalText : String(String.UnicodeScalarView(scalars.dropFirst(shift)))
            let ok = prefixIntact && ContentDigest.sha256Hex(ofUTF8: own) == plan.trace.header.endContentSha256
            shaCheck = ok ? "pass" : "fail"
            if !ok { failure = failure ?? (prefixIntact ? "final text sha256 differs from the header's endContentSha256" : "the pad text was changed") }
        }
    } else {
        failure = failure ?? "no snapshot of the document"
    }
    if undelivered > 0 { failure = failure ?? "\(undelivered) edits never reached a delivered version" }
    let verification = recorder.verification
    if let mismatches = verification.mismatches, mismatches > 0 {
        failure = failure ?? "\(mismatches) delivered versions differ from the full render (first: version \(verification.firstMismatch ?? 0))"
    }

    var fallbackReasons: [String: Int] = [:]
    for (reason, count) in statistics?.fullParses ?? [:] where reason != .firstRender { fallbackReasons[reason.rawValue] = count }
    let started = counters?.started ?? 0
    let renderCPUms = (counters?.renderTime ?? .zero).milliseconds
    let maxWait = PolicyName.adaptiveMaxWait
    var result = RunResult(
        trace: plan.trace.name, source: plan.trace.source.argument, policy: policy, clock: mode, renderer: settings.renderer,
        edits: count,
        patches: plan.trace.starts[plan.range.upperBound] - plan.trace.starts[plan.range.lowerBound],
        rendersRequested: counters?.requested ?? 0, rendersStarted: started,
        rendersDelivered: counters?.delivered ?? 0, rendersCancelled: counters?.coalesced ?? 0,
        rendersWasted: counters?.discarded ?? 0, renderCPUms: renderCPUms,
        meanRenderMs: started > 0 ? renderCPUms / Double(started) : 0,
        renderCharge: mode == .virtual ? settings.charge : .wall,
        renderWallMs: engineClock.renderTotals.wallMs, renderThreadCPUms: engineClock.renderTotals.cpuMs,
        p50Ms: Double(histogram.valueAtPercentile(50)) / 1000,
        p90Ms: Double(histogram.valueAtPercentile(90)) / 1000,
        p99Ms: Double(histogram.valueAtPercentile(99)) / 1000,
        maxMs: Double(histogram.maxRecorded) / 1000,
        meanMs: histogram.mean / 1000,
        undelivered: undelivered,
        peakRSSBytes: ProcessMemory.peakRSSBytes(), rssScope: settings.rssScope,
        correct: failure == nil, htmlCheck: htmlCheck, shaCheck: shaCheck, failure: failure,
        padFile: plan.padding?.path, paddedBytes: plan.padding == nil ? 0 : plan.startBytes,
        startBytes: plan.startBytes, finalBytes: finalBytes,
        timeBasis: plan.trace.timeBasis.description, maxGapS: Double(plan.maxGapNs) / 1e9,
        fromS: plan.fromSeconds, spanS: Double(plan.offsetsNs.last ?? 0) / 1e9,
        wholeTrace: plan.coversWholeTrace, window: plan.windowLabel,
        wallS: (ContinuousClock.now - wallStart).seconds,
        maxEditLagMs: mode == .real ? Double(maxLagNs) / 1e6 : nil,
        maxWaitMs: maxWait.milliseconds,
        cdf: cdfPoints(histogram))
    result.rendering = settings.incremental ? "incremental" : "full"
    result.profile = settings.options.profile.rawValue
    result.medianRenderMs = engineClock.medianChargeMs
    result.firstRenderMs = engineClock.firstChargeMs
    result.fallbacks = statistics?.fallbacks ?? 0
    result.updates = statistics?.updates ?? 0
    result.fallbackReasons = fallbackReasons
    result.patchBytes = verification.patchBytes
    result.fullHTMLBytes = verification.fullBytes
    result.verifiedVersions = verification.verified
    result.mismatches = verification.mismatches
    result.snapshotsApplied = verification.snapshots
    result.blocks = memory?.blocks ?? 0
    result.blockTableBytesPerBlock = memory?.perBlock ?? 0
    result.blockBytes = memory?.total ?? 0
    return result
}

/// The latency CDF as (ms, fraction ≤) points, thinned to what a plot can show.
func cdfPoints(_ histogram: Histogram<UInt64>) -> [[Double]] {
    guard histogram.totalCount > 0 else { return [] }
    var points: [[Double]] = []
    var lastLog = -Double.infinity
    var lastFraction = -1.0
    var pending: [Double]?
    for value in histogram.recordedValues() {
        let ms = Double(histogram.highestEquivalentForValue(value.value)) / 1000
        let fraction = Double(value.totalCountToThisValue) / Double(histogram.totalCount)
        let logMs = log10(max(ms, 1e-3))
        if logMs - lastLog >= 0.01 || fraction - lastFraction >= 0.005 {
            points.append([ms, fraction])
            lastLog = logMs
            lastFraction = fraction
            pending = nil
        } else {
            pending = [ms, fraction]
        }
    }
    if let pending { points.append(pending) }
    return points
}
