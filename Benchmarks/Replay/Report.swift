// The readable table, the JSON output and the target evaluation.

import Foundation

/// A JSON value written with its keys in the order given.
indirect enum JSONOut {
    case number(Double)
    case integer(Int)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONOut])
    case object([(String, JSONOut)])

    func write(to out: inout String, indent: String = "") {
        switch self {
        case .number(let value):
            out += value.isFinite ? String(format: "%.3f", value) : "null"
        case .integer(let value): out += String(value)
        case .string(let value): out += quoted(value)
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += indent + "  "
                item.write(to: &out, indent: indent + "  ")
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{\n"
            for (index, (key, value)) in members.enumerated() {
                out += indent + "  " + quoted(key) + ": "
                value.write(to: &out, indent: indent + "  ")
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        }
    }

    private func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension RunResult {
    /// The run as the public JSON object: the required keys first, then the extras.
    var json: JSONOut {
        var members: [(String, JSONOut)] = [
            ("trace", .string(trace)),
            ("policy", .string(policy.rawValue)),
            ("profile", .string(profile)),
            ("edits", .integer(edits)),
            ("renders_started", .integer(rendersStarted)),
            ("renders_delivered", .integer(rendersDelivered)),
            ("renders_cancelled", .integer(rendersCancelled)),
            ("renders_wasted", .integer(rendersWasted)),
            ("render_cpu_ms", .number(renderCPUms)),
            ("p50_ms", .number(p50Ms)),
            ("p90_ms", .number(p90Ms)),
            ("p99_ms", .number(p99Ms)),
            ("max_ms", .number(maxMs)),
            ("peak_rss_bytes", .integer(peakRSSBytes)),
            ("correct", .bool(correct)),
            // Extras.
            ("clock", .string(clock.rawValue)),
            ("renderer", .string(renderer)),
            ("source", .string(source)),
            ("patches", .integer(patches)),
            ("renders_requested", .integer(rendersRequested)),
            ("renders_skipped", .integer(rendersRequested - rendersStarted - rendersCancelled)),
            ("mean_render_ms", .number(meanRenderMs)),
            ("median_render_ms", .number(medianRenderMs)),
            ("first_render_ms", .number(firstRenderMs)),
            ("rendering", .string(rendering)),
            ("fallbacks", .integer(fallbacks)),
            ("updates", .integer(updates)),
            ("fallback_reasons", .object(fallbackReasons.sorted { $0.key < $1.key }.map { ($0.key, JSONOut.integer($0.value)) })),
            ("patch_bytes", .integer(patchBytes)),
            ("full_html_bytes", .integer(fullHTMLBytes)),
            ("verified_versions", verifiedVersions.map(JSONOut.integer) ?? .null),
            ("mismatches", mismatches.map(JSONOut.integer) ?? .null),
            ("snapshots_applied", .integer(snapshotsApplied)),
            ("blocks", .integer(blocks)),
            ("block_table_bytes_per_block", .integer(blockTableBytesPerBlock)),
            ("block_bytes", .integer(blockBytes)),
            ("render_charge", .string(renderCharge.rawValue)),
            ("render_wall_ms", .number(renderWallMs)),
            ("render_thread_cpu_ms", .number(renderThreadCPUms)),
            ("mean_ms", .number(meanMs)),
            ("undelivered", .integer(undelivered)),
            ("html_check", .bool(htmlCheck)),
            ("sha_check", .string(shaCheck)),
            ("failure", failure.map(JSONOut.string) ?? .null),
            ("pad_file", padFile.map(JSONOut.string) ?? .null),
            ("padded_bytes", .integer(paddedBytes)),
            ("start_bytes", .integer(startBytes)),
            ("final_bytes", .integer(finalBytes)),
            ("time_basis", .string(timeBasis)),
            ("max_gap_s", .number(maxGapS)),
            ("from_s", .number(fromS)),
            ("span_s", .number(spanS)),
            ("whole_trace", .bool(wholeTrace)),
            ("window", window.map(JSONOut.string) ?? .null),
            ("wall_s", .number(wallS)),
            ("rss_scope", .string(rssScope)),
        ]
        if let maxEditLagMs { members.append(("max_edit_lag_ms", .number(maxEditLagMs))) }
        return .object(members)
    }

    /// Runs of the same trace, document and window share a group (a table, a plot panel).
    var groupKey: String {
        var key = trace
        if let padFile { key += " padded with \((padFile as NSString).lastPathComponent)" }
        if let window { key += ", " + window }
        if profile != "cmark" { key += ", \(profile) profile" }
        return key
    }

    /// The key of the runs that differ from this one only in their profile.
    var keyWithoutProfile: String { "\(trace)|\(padFile ?? "")|\(window ?? "")|\(policy.rawValue)|\(clock.rawValue)" }
}

/// Consecutive runs grouped by `groupKey`, in order of first appearance.
func grouped(_ results: [RunResult]) -> [(key: String, runs: [RunResult])] {
    var groups: [(key: String, runs: [RunResult])] = []
    for result in results {
        if let index = groups.firstIndex(where: { $0.key == result.groupKey }) {
            groups[index].runs.append(result)
        } else {
            groups.append((result.groupKey, [result]))
        }
    }
    return groups
}

// MARK: - Targets

/// One target of issue 6, evaluated on the runs of one group.
struct TargetCheck {
    var group: String
    var description: String
    var evaluation: String
    var passed: Bool

    var json: JSONOut {
        .object([("group", .string(group)), ("target", .string(description)),
                 ("evaluation", .string(evaluation)), ("passed", .bool(passed))])
    }
}

/// The targets (set for json-crdt-blog-post): unpadded, adaptive p50 ≤ 1.5 × every-keystroke
/// p50 + 1 ms and ≤ 0.2 × fixed-300 p50; padded to ≥ 1 MB, adaptive p50 ≤ 0.5 × fixed-300
/// p50, adaptive render CPU ≤ 0.5 × every-keystroke's, adaptive p99 ≤ maxWait + 2 × its
/// mean render time. Evaluated on virtual-clock runs.
func evaluateTargets(_ results: [RunResult]) -> [TargetCheck] {
    var checks: [TargetCheck] = []
    for (key, runs) in grouped(results.filter { $0.clock == .virtual }) {
        func run(_ policy: PolicyName) -> RunResult? { runs.first { $0.policy == policy } }
        guard let adaptive = run(.adaptive) else { continue }
        let f = { (value: Double) in String(format: "%.2f", value) }
        if adaptive.padFile == nil {
            if let every = run(.everyKeystroke) {
                let bound = 1.5 * every.p50Ms + 1
                checks.append(TargetCheck(
                    group: key, description: "adaptive p50 <= 1.5 x every-keystroke p50 + 1 ms",
                    evaluation: "\(f(adaptive.p50Ms)) ms <= 1.5 x \(f(every.p50Ms)) + 1 = \(f(bound)) ms",
                    passed: adaptive.p50Ms <= bound))
            }
            if let fixed = run(.fixed300) {
                let bound = 0.2 * fixed.p50Ms
                checks.append(TargetCheck(
                    group: key, description: "adaptive p50 <= 0.2 x fixed-300 p50",
                    evaluation: "\(f(adaptive.p50Ms)) ms <= 0.2 x \(f(fixed.p50Ms)) = \(f(bound)) ms",
                    passed: adaptive.p50Ms <= bound))
            }
        } else if adaptive.paddedBytes >= 1_000_000 {
            if let fixed = run(.fixed300) {
                let bound = 0.5 * fixed.p50Ms
                checks.append(TargetCheck(
                    group: key, description: "adaptive p50 <= 0.5 x fixed-300 p50",
                    evaluation: "\(f(adaptive.p50Ms)) ms <= 0.5 x \(f(fixed.p50Ms)) = \(f(bound)) ms",
                    passed: adaptive.p50Ms <= bound))
            }
            if let every = run(.everyKeystroke) {
                let bound = 0.5 * every.renderCPUms
                checks.append(TargetCheck(
                    group: key, description: "adaptive render CPU <= 0.5 x every-keystroke render CPU",
                    evaluation: "\(f(adaptive.renderCPUms)) ms <= 0.5 x \(f(every.renderCPUms)) = \(f(bound)) ms",
                    passed: adaptive.renderCPUms <= bound))
            }
            let bound = adaptive.maxWaitMs + 2 * adaptive.meanRenderMs
            checks.append(TargetCheck(
                group: key, description: "adaptive p99 <= maxWait + 2 x mean render time",
                evaluation: "\(f(adaptive.p99Ms)) ms <= \(f(adaptive.maxWaitMs)) + 2 x \(f(adaptive.meanRenderMs)) = \(f(bound)) ms",
                passed: adaptive.p99Ms <= bound))
        }
    }
    // The github profile's cost per keystroke against cmark's, same trace, same run.
    for github in results where github.profile == "github" {
        guard let cmark = results.first(where: { $0.profile == "cmark" && $0.keyWithoutProfile == github.keyWithoutProfile }), cmark.renderCPUms > 0 else { continue }
        // Per keystroke: the renders after the first (the first parses the whole
        // document before any edit, and is reported on its own).
        let ratio = github.keystrokeRenderMs / cmark.keystrokeRenderMs
        checks.append(TargetCheck(
            group: cmark.groupKey + " (\(github.policy.rawValue))", description: "github profile render time per keystroke <= 1.3 x cmark's (same run, renders after the first)",
            evaluation: String(format: "%.1f ms / %.1f ms = %.3f x (first render %.1f ms / %.1f ms = %.2f x)", github.keystrokeRenderMs, cmark.keystrokeRenderMs, ratio,
                               github.firstRenderMs, cmark.firstRenderMs, github.firstRenderMs / max(cmark.firstRenderMs, 0.001)),
            passed: ratio <= 1.3))
    }
    return checks
}

// MARK: - Table

func formatTable(_ results: [RunResult], targets: [TargetCheck]) -> String {
    var out = ""
    let columns: [(title: String, width: Int, leftAligned: Bool)] = [
        ("policy", 15, true), ("clock", 7, true), ("edits", 7, false), ("started", 8, false),
        ("delivered", 9, false), ("cancelled", 9, false), ("wasted", 6, false),
        ("render ms", 10, false), ("thr cpu ms", 10, false), ("mean r ms", 9, false),
        ("p50 ms", 8, false), ("p90 ms", 8, false), ("p99 ms", 8, false), ("max ms", 9, false),
        ("RSS MB", 7, false), ("wall s", 7, false), ("correct", 7, true),
    ]
    func row(_ cells: [String]) -> String {
        zip(columns, cells).map { column, cell in
            let pad = String(repeating: " ", count: max(0, column.width - cell.count))
            return column.leftAligned ? cell + pad : pad + cell
        }.joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n"
    }
    for (key, runs) in grouped(results) {
        let first = runs[0]
        out += "\n== \(key)\n"
        out += "   \(first.edits) edits (\(first.patches) patches), \(first.timeBasis), idle gaps capped at \(String(format: "%g", first.maxGapS)) s, "
        out += String(format: "%.0f s of replay time; ", first.spanS) + "document \(bytes(first.startBytes)) -> \(bytes(first.finalBytes)); "
        out += "renders charged their \(first.renderCharge == .cpu ? "thread CPU time" : "wall-clock time"), "
        out += first.renderer == "workers" ? "parsed in render worker processes\n" : "parsed in process\n"
        out += row(columns.map(\.title))
        for run in runs {
            let correct: String
            if run.correct {
                correct = run.shaCheck == "pass" ? "yes (html+sha)" : "yes (html; sha n/a)"
            } else {
                correct = "NO"
            }
            out += row([
                run.policy.rawValue, run.clock.rawValue, String(run.edits), String(run.rendersStarted),
                String(run.rendersDelivered), String(run.rendersCancelled), String(run.rendersWasted),
                String(format: "%.0f", run.renderCPUms), String(format: "%.0f", run.renderThreadCPUms),
                String(format: "%.2f", run.meanRenderMs),
                String(format: "%.1f", run.p50Ms), String(format: "%.1f", run.p90Ms),
                String(format: "%.1f", run.p99Ms), String(format: "%.1f", run.maxMs),
                String(format: "%.0f", Double(run.peakRSSBytes) / 1_048_576), String(format: "%.1f", run.wallS),
                correct,
            ])
            if let failure = run.failure { out += "   ! \(run.policy.rawValue): \(failure)\n" }
            if let lag = run.maxEditLagMs, run.clock == .real {
                out += "   (\(run.policy.rawValue), real clock: edits were applied at most " + String(format: "%.1f", lag) + " ms after their scheduled time)\n"
            }
        }
    }
    if !targets.isEmpty {
        out += "\ntargets (issue 6, set for json-crdt-blog-post; virtual clock):\n"
        for check in targets {
            out += "  [\(check.passed ? "pass" : "MISS")] \(check.group): \(check.description): \(check.evaluation)\n"
        }
    }
    return out
}

func bytes(_ count: Int) -> String {
    if count >= 1_048_576 { return String(format: "%.2f MiB", Double(count) / 1_048_576) }
    if count >= 1024 { return String(format: "%.1f KiB", Double(count) / 1024) }
    return "\(count) B"
}

extension RunResult {
    /// `mismatches: N` (when verified), `fallbacks: K of M (P%)`, the median render and
    /// the patch bytes per delivered render against the whole HTML's.
    var incrementalSummary: String {
        let share = updates > 0 ? 100 * Double(fallbacks) / Double(updates) : 0
        var parts = [String(format: "fallbacks: %d of %d (%.1f%%)", fallbacks, updates, share)]
        if let mismatches { parts.insert("mismatches: \(mismatches)" + (verifiedVersions.map { " of \($0 + mismatches) verified" } ?? ""), at: 0) }
        if !fallbackReasons.isEmpty { parts.append("[" + fallbackReasons.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "]") }
        parts.append(String(format: "%@ rendering, median render %.3f ms", rendering, medianRenderMs))
        parts.append("\(blocks) blocks keep \(bytes(blockBytes)) (\(blockTableBytesPerBlock) B each + HTML)")
        if rendersDelivered > 0 {
            parts.append("patch \(patchBytes / rendersDelivered) B vs full HTML \(fullHTMLBytes / rendersDelivered) B per delivery")
        }
        return parts.joined(separator: "  ")
    }
}
