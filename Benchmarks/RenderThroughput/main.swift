// render-throughput: MarkdownRenderer against direct libcmark-gfm C calls, same run.
//
// Usage: render-throughput [--rounds N] [--min-ms MS] [--json] [--profile c|swift|swift-utf8 [--iterations N]] [FILE ...]
// --profile renders on one side only, a fixed number of times, for valgrind --tool=callgrind.
// Default files: the corpus documents nearest 2 KB, 100 KB and 1.2 MB in ../shared/corpus.
// Both sides parse with the same options and extensions and produce the HTML; the C side
// frees the char buffer, the Swift side returns a String. Rounds alternate the two sides
// and each side's figure is the median over rounds, so a noisy neighbour hits both.
import ArgumentParser
import CCmarkGFM
import Foundation
import MarkdownRenderer

struct Arguments: ParsableArguments {
    @Option(help: "Alternating rounds per file.") var rounds = 7
    @Option(name: .customLong("min-ms"), help: "Shortest timed stretch per side and round, in milliseconds.") var minimumMilliseconds = 300.0
    @Flag(help: "Print JSON.") var json = false
    @Option(name: .customLong("profile"), help: "Render on one side only (c, swift, swift-utf8), no timing: for callgrind.") var profileSide: String?
    @Option(name: .customLong("iterations"), help: "Renders per file with --profile.") var profileIterations = 20
    @Argument(help: "Markdown files. Default: the corpus documents nearest 2 KB, 100 KB and 1.2 MB.") var files: [String] = []
}

let arguments = Arguments.parseOrExit()
let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../../shared/corpus").standardized
let files = arguments.files.isEmpty
    ? ["tldr-tar.md", "system-design-primer-README.md", "rust-book-full.md"].map { corpus.appendingPathComponent($0).path }
    : arguments.files

let options = RenderOptions.default
let renderer = MarkdownRenderer(options: options)

/// The same work as MarkdownRenderer, written directly against the C API.
func renderDirect(_ bytes: UnsafeBufferPointer<CChar>, flags: Int32, extensions: [OpaquePointer]) -> Int {
    let parser = cmark_parser_new(flags)!
    for pointer in extensions { cmark_parser_attach_syntax_extension(parser, pointer) }
    cmark_parser_feed(parser, bytes.baseAddress, bytes.count)
    let document = cmark_parser_finish(parser)!
    let html = cmark_render_html(document, flags, cmark_parser_get_syntax_extensions(parser))!
    let length = strlen(html)
    free(html)
    cmark_node_free(document)
    cmark_parser_free(parser)
    return length
}

cmark_gfm_core_extensions_ensure_registered()
let cExtensions: [OpaquePointer] = ["table", "strikethrough", "autolink", "tagfilter", "tasklist"].compactMap { (name: String) in cmark_find_syntax_extension(name) }
let cFlags = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_FOOTNOTES

/// Runs `body` until `minimumMilliseconds` have passed; returns bytes per second.
func throughput(bytes: Int, _ body: () -> Int) -> Double {
    var iterations = 0
    var sink = 0
    let clock = ContinuousClock()
    let start = clock.now
    var elapsed = Duration.zero
    repeat {
        sink &+= body()
        iterations += 1
        elapsed = clock.now - start
    } while elapsed < .milliseconds(arguments.minimumMilliseconds)
    precondition(sink > 0)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Double(bytes * iterations) / seconds
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

struct Row: Codable {
    let file: String
    let bytes: Int
    /// Direct C calls.
    let directCMBps: Double
    /// `MarkdownRenderer.renderUTF8`: HTML as UTF-8 bytes.
    let utf8MBps: Double
    let utf8Ratio: Double
    /// `MarkdownRenderer.render`: HTML as a `String`.
    let stringMBps: Double
    let stringRatio: Double
}

var rows: [Row] = []
for path in files {
    guard let data = FileManager.default.contents(atPath: path) else {
        FileHandle.standardError.write(Data("render-throughput: cannot read \(path)\n".utf8))
        exit(66)
    }
    let text = String(decoding: data, as: UTF8.self)
    let bytes = Array(text.utf8)
    // Same output on both sides, or the comparison means nothing.
    let cLength = bytes.withUnsafeBufferPointer { buffer in
        buffer.withMemoryRebound(to: CChar.self) { renderDirect($0, flags: cFlags, extensions: cExtensions) }
    }
    precondition(renderer.render(text).utf8.count == cLength, "wrapper and C output differ for \(path)")

    if let side = arguments.profileSide {
        // For `valgrind --tool=callgrind`: a fixed amount of work on one side.
        var sink = 0
        for _ in 0..<arguments.profileIterations {
            if side == "c" {
                sink &+= bytes.withUnsafeBufferPointer { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { renderDirect($0, flags: cFlags, extensions: cExtensions) }
                }
            } else {
                sink &+= side == "swift-utf8" ? renderer.renderUTF8(text).count : renderer.render(text).utf8.count
            }
        }
        print("\(side) \((path as NSString).lastPathComponent): \(sink) bytes of HTML")
        continue
    }
    var swiftRates: [Double] = [], utf8Rates: [Double] = [], cRates: [Double] = []
    for _ in 0..<arguments.rounds {
        cRates.append(bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                throughput(bytes: bytes.count) { renderDirect(chars, flags: cFlags, extensions: cExtensions) }
            }
        })
        utf8Rates.append(throughput(bytes: bytes.count) { renderer.renderUTF8(text).count })
        swiftRates.append(throughput(bytes: bytes.count) { renderer.render(text).utf8.count })
    }
    let stringRate = median(swiftRates) / 1e6, utf8Rate = median(utf8Rates) / 1e6, cRate = median(cRates) / 1e6
    rows.append(Row(
        file: (path as NSString).lastPathComponent, bytes: bytes.count, directCMBps: cRate,
        utf8MBps: utf8Rate, utf8Ratio: utf8Rate / cRate, stringMBps: stringRate, stringRatio: stringRate / cRate
    ))
}

if arguments.json {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    print(String(decoding: try encoder.encode(["runs": rows]), as: UTF8.self))
} else {
    func pad(_ text: String, _ width: Int) -> String { text.count >= width ? text : text + String(repeating: " ", count: width - text.count) }
    print(pad("file", 34) + pad("bytes", 10) + pad("C MB/s", 9) + pad("renderUTF8", 12) + pad("ratio", 8) + pad("render", 9) + "ratio")
    for row in rows {
        print(pad(row.file, 34) + pad("\(row.bytes)", 10) + pad(String(format: "%.1f", row.directCMBps), 9)
            + pad(String(format: "%.1f", row.utf8MBps), 12) + pad(String(format: "%.3f", row.utf8Ratio), 8)
            + pad(String(format: "%.1f", row.stringMBps), 9) + String(format: "%.3f", row.stringRatio))
    }
    print("(\(arguments.rounds) alternating rounds of >= \(Int(arguments.minimumMilliseconds)) ms per side; medians)")
}
