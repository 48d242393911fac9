// live-latency: keystroke to painted in a real browser (headless Chromium), for the live
// page applying block patches against the same page replacing the whole document on
// each version (what peers do: innerHTML), in the same run, at 10 KB and 1 MB.
//
//   live-latency [--keystrokes 200] [--interval-ms 40] [--file PATH]
//
// Each keystroke inserts one character into a paragraph in the middle of the document,
// through the engine (every-keystroke policy, in-process renderer). The edit's time is
// taken just before the edit; the page records, for each version, the time of the
// animation frame after the version reached the DOM (`window.previewEngine.painted`).
// Both are epoch milliseconds on this machine. A keystroke's latency is from its edit
// to the first painted version at or after it. See Docs/BENCHMARKS.md.
import ArgumentParser
import Dispatch
import Foundation
import PreviewEngine
import PreviewServer
import TestSupport

@main
struct LiveLatency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "live-latency",
        abstract: "Keystroke-to-painted latency of the live page in headless Chromium: block patches against whole-document replacement."
    )

    @Option(help: "Keystrokes per run.")
    var keystrokes = 200

    @Option(help: "Milliseconds between keystrokes.")
    var intervalMs = 40

    @Option(help: "The document the sizes are cut from (default: ../shared/corpus/rust-book-full.md).")
    var file: String?

    func run() async throws {
        let path = file ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../shared/corpus/rust-book-full.md").standardized.path
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        let source = Array(data)
        print("live-latency: \(keystrokes) keystrokes \(intervalMs) ms apart, headless Chromium, \(URL(fileURLWithPath: path).lastPathComponent)")
        print("| size | page | p50 ms | p90 ms | p99 ms | max ms | versions painted |")
        print("|---|---|---|---|---|---|---|")
        for size in [10 * 1024, 1024 * 1024] {
            let text = Self.prefix(source, size)
            var p50s: [String: Double] = [:]
            for wholeDocument in [false, true] {
                let result = try await measure(text: text, wholeDocument: wholeDocument)
                let name = wholeDocument ? "whole document (innerHTML)" : "block patches"
                p50s[name] = result.p50
                print("| \(text.utf8.count / 1024) KiB | \(name) | \(f(result.p50)) | \(f(result.p90)) | \(f(result.p99)) | \(f(result.max)) | \(result.painted) of \(keystrokes) |")
            }
            if let patches = p50s["block patches"], let whole = p50s["whole document (innerHTML)"], patches > 0 {
                print("| \(text.utf8.count / 1024) KiB | whole / patches, p50 | \(f(whole / patches))x | | | | |")
            }
        }
    }

    struct Result { var p50, p90, p99, max: Double; var painted: Int }

    func measure(text: String, wholeDocument: Bool) async throws -> Result {
        let engine = PreviewEngine(configuration: .init(policy: .everyKeystroke, statisticsDelay: nil, isolation: .inProcess))
        let server = PreviewServer()
        engine.subscribe(on: DispatchQueue(label: "live-latency")) { event in
            if case .rendered(let result) = event { server.publish(result.patch, content: result.content, of: result.documentID) }
        }
        try await server.start()
        server.open("doc.md", folder: nil, rawHTML: wholeDocument)
        try engine.open("doc.md", text: text)
        let browser = try await HeadlessChromium()
        try await browser.navigate(to: server.url(ofDocument: "doc.md")!)
        _ = try await browser.executeAsync(Self.waitScript, [0])
        // Type at the start of a paragraph in the middle of the document.
        let scalars = Array(text.unicodeScalars)
        var offset = scalars.count / 2
        while offset + 2 < scalars.count && !(scalars[offset] == "\n" && scalars[offset + 1] == "\n" && scalars[offset + 2].properties.isAlphabetic) {
            offset += 1
        }
        offset += 2
        var edits: [(version: UInt64, at: Double)] = []
        let clock = ContinuousClock()
        var next = clock.now
        for index in 0 ..< keystrokes {
            next += .milliseconds(intervalMs)
            try await clock.sleep(until: next)
            let at = Date().timeIntervalSince1970 * 1000
            let version = try engine.edit("doc.md", .insert(String("typing "[("typing ".index("typing ".startIndex, offsetBy: index % 7))]), at: offset + index))
            edits.append((version, at))
        }
        _ = try await browser.executeAsync(Self.waitScript, [Int(edits.last!.version)])
        let painted = (try await browser.execute("return window.previewEngine.painted;") as? [[Any]] ?? []).compactMap { entry -> (version: UInt64, at: Double)? in
            guard entry.count == 2, let version = (entry[0] as? NSNumber)?.uint64Value, let at = (entry[1] as? NSNumber)?.doubleValue else { return nil }
            return (version, at)
        }
        await browser.quit()
        await server.stop()
        _ = engine.shutdown(timeout: .seconds(5))
        var latencies: [Double] = []
        var cursor = 0
        for edit in edits {
            while cursor < painted.count && painted[cursor].version < edit.version { cursor += 1 }
            if cursor < painted.count { latencies.append(painted[cursor].at - edit.at) }
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(p * Double(latencies.count)))] }
        return Result(p50: percentile(0.5), p90: percentile(0.9), p99: percentile(0.99), max: latencies.last ?? .nan,
                      painted: painted.filter { $0.version > 0 }.count)
    }

    static let waitScript = """
    const [version, done] = arguments;
    const check = () => {
      const s = window.previewEngine;
      if (s && s.version !== null && s.version >= version) requestAnimationFrame(() => done(true));
      else setTimeout(check, 5);
    };
    check();
    """

    /// The first `count` bytes of `bytes`, cut back to a line end.
    static func prefix(_ bytes: [UInt8], _ count: Int) -> String {
        var end = min(count, bytes.count)
        while end < bytes.count && end > 0 && bytes[end - 1] != 0x0A { end -= 1 }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}

private func f(_ value: Double) -> String { String(format: "%.1f", value) }

