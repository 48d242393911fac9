// `--plot FILE.svg`: latency CDFs of the policies, one panel per trace, log-scale x.

import Foundation

func policyColor(_ policy: PolicyName) -> String {
    switch policy {
    case .everyKeystroke: "#d62728"
    case .fixed300: "#1f77b4"
    case .zed200: "#2ca02c"
    case .adaptive: "#111111"
    }
}

func svgEscape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

func latencyPlotSVG(_ results: [RunResult]) -> String {
    let groups = grouped(results)
    let panelWidth = 540.0
    let left = 58.0, right = 16.0, top = 40.0, plotHeight = 240.0
    let legendRows = groups.map { legendColumns($0.runs) == 1 ? $0.runs.count : ($0.runs.count + 1) / 2 }.max() ?? 1
    let panelHeight = 14 + top + plotHeight + 44 + Double(legendRows) * 15 + 16
    let columns = min(3, max(1, groups.count))
    let rows = (groups.count + columns - 1) / columns
    let width = Double(columns) * panelWidth
    let height = Double(rows) * panelHeight + 44
    var svg = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="11">
        <rect width="100%" height="100%" fill="white"/>
        <text x="10" y="18" font-size="14" font-weight="bold">Preview latency per edit (CDF)</text>
        <text x="10" y="34" font-size="11">edit -> first delivery of a version that includes it; dashed: real clock</text>

        """
    for (index, group) in groups.enumerated() {
        let x0 = Double(index % columns) * panelWidth
        let y0 = Double(index / columns) * panelHeight + 44
        let plotLeft = x0 + left, plotRight = x0 + panelWidth - right
        let plotTop = y0 + top + 14, plotBottom = plotTop + plotHeight
        let points = group.runs.flatMap(\.cdf)
        let minMs = max(0.01, points.map { $0[0] }.filter { $0 > 0 }.min() ?? 0.1)
        let maxMs = max(minMs * 10, points.map { $0[0] }.max() ?? 1000)
        let lowDecade = floor(log10(minMs)), highDecade = ceil(log10(maxMs))
        func x(_ ms: Double) -> Double {
            let v = (log10(max(ms, minMs)) - lowDecade) / (highDecade - lowDecade)
            return plotLeft + v * (plotRight - plotLeft)
        }
        func y(_ fraction: Double) -> Double { plotBottom - fraction * (plotBottom - plotTop) }
        func f(_ value: Double) -> String { String(format: "%.1f", value) }

        svg += "<g>\n"
        for (line, text) in titleLines(group.key, limit: 64).enumerated() {
            svg += "<text x=\"\(f(x0 + 14))\" y=\"\(f(y0 + 24 + Double(line) * 15))\" font-size=\"12\" font-weight=\"bold\">\(svgEscape(text))</text>\n"
        }
        svg += "<rect x=\"\(f(plotLeft))\" y=\"\(f(plotTop))\" width=\"\(f(plotRight - plotLeft))\" height=\"\(f(plotBottom - plotTop))\" fill=\"none\" stroke=\"#999\"/>\n"
        var decade = lowDecade
        while decade <= highDecade {
            let ms = pow(10, decade)
            let label = ms >= 1 ? String(format: "%.0f", ms) : String(format: "%g", ms)
            svg += "<line x1=\"\(f(x(ms)))\" y1=\"\(f(plotTop))\" x2=\"\(f(x(ms)))\" y2=\"\(f(plotBottom))\" stroke=\"#e4e4e4\"/>\n"
            svg += "<text x=\"\(f(x(ms)))\" y=\"\(f(plotBottom + 14))\" text-anchor=\"middle\">\(label)</text>\n"
            if decade < highDecade {
                for m in 2...9 {
                    let minor = Double(m) * ms
                    svg += "<line x1=\"\(f(x(minor)))\" y1=\"\(f(plotBottom))\" x2=\"\(f(x(minor)))\" y2=\"\(f(plotBottom - 4))\" stroke=\"#999\"/>\n"
                }
            }
            decade += 1
        }
        svg += "<text x=\"\(f((plotLeft + plotRight) / 2))\" y=\"\(f(plotBottom + 32))\" text-anchor=\"middle\">latency (ms, log scale)</text>\n"
        for fraction in [0.0, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0] {
            let dashed = fraction == 0.9 || fraction == 0.99
            svg += "<line x1=\"\(f(plotLeft))\" y1=\"\(f(y(fraction)))\" x2=\"\(f(plotRight))\" y2=\"\(f(y(fraction)))\" stroke=\"#e4e4e4\"\(dashed ? " stroke-dasharray=\"3,3\"" : "")/>\n"
            if fraction == 0.99 {
                svg += "<text x=\"\(f(plotRight + 2))\" y=\"\(f(y(fraction) + 8))\" font-size=\"9\" fill=\"#777\">99</text>\n"
            } else {
                svg += "<text x=\"\(f(plotLeft - 6))\" y=\"\(f(y(fraction) + 4))\" text-anchor=\"end\">\(String(format: "%.0f%%", fraction * 100))</text>\n"
            }
        }
        svg += "<text transform=\"translate(\(f(x0 + 14)),\(f((plotTop + plotBottom) / 2))) rotate(-90)\" text-anchor=\"middle\">edits at or below</text>\n"

        for run in group.runs where !run.cdf.isEmpty {
            var path = "M\(f(x(run.cdf[0][0]))),\(f(y(0)))"
            var previous = 0.0
            for point in run.cdf {
                path += " L\(f(x(point[0]))),\(f(y(previous))) L\(f(x(point[0]))),\(f(y(point[1])))"
                previous = point[1]
            }
            let dash = run.clock == .real ? " stroke-dasharray=\"6,3\"" : ""
            let weight = run.policy == .adaptive ? "2.2" : "1.5"
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(policyColor(run.policy))\" stroke-width=\"\(weight)\"\(dash)/>\n"
        }
        // Legend under the x axis, two entries per row.
        let entries = group.runs
        let showClock = Set(entries.map(\.clock)).count > 1
        let perRow = legendColumns(entries)
        for (n, run) in entries.enumerated() {
            let lx = plotLeft - 40 + Double(n % perRow) * (panelWidth - left) / 2
            let ey = plotBottom + 54 + Double(n / perRow) * 15
            let dash = run.clock == .real ? " stroke-dasharray=\"6,3\"" : ""
            svg += "<line x1=\"\(f(lx))\" y1=\"\(f(ey - 4))\" x2=\"\(f(lx + 22))\" y2=\"\(f(ey - 4))\" stroke=\"\(policyColor(run.policy))\" stroke-width=\"2\"\(dash)/>\n"
            let label = "\(run.policy.rawValue)\(showClock ? " (\(run.clock.rawValue))" : "")  p50 \(msText(run.p50Ms)), p99 \(msText(run.p99Ms)) ms"
            svg += "<text x=\"\(f(lx + 27))\" y=\"\(f(ey))\">\(svgEscape(label))</text>\n"
        }
        svg += "</g>\n"
    }
    svg += "</svg>\n"
    return svg
}

/// A latency in ms with as many decimals as a reader needs.
func msText(_ ms: Double) -> String {
    String(format: ms < 1 ? "%.2f" : ms < 100 ? "%.1f" : "%.0f", ms)
}

/// Legend entries per row: two, or one when the labels name the clock too (longer).
func legendColumns(_ runs: [RunResult]) -> Int {
    Set(runs.map(\.clock)).count > 1 ? 1 : 2
}

/// `text` broken after ", " so that no line is much longer than `limit` characters.
func titleLines(_ text: String, limit: Int) -> [String] {
    var lines: [String] = []
    var current = ""
    for part in text.components(separatedBy: ", ") {
        if current.isEmpty {
            current = part
        } else if current.count + 2 + part.count <= limit {
            current += ", " + part
        } else {
            lines.append(current + ",")
            current = part
        }
    }
    if !current.isEmpty { lines.append(current) }
    return lines
}
