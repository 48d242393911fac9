// event-encoding: the `render` event of mdpreview stdio written by PreviewProtocol's
// EventEncoder (hand-written JSON writer) against Foundation's JSONEncoder producing the
// same keys, same run, alternating rounds; medians of per-round times.
//
//   ./dev bench events [FILE ...]   (default: corpus documents near 10 KB, 100 KB and 1.2 MB)
import ArgumentParser
import Dispatch
import Foundation
import MarkdownRenderer
import PreviewProtocol

/// The render event's wire shape for JSONEncoder (snake_case keys, as the protocol has).
struct CodableRender: Encodable {
    let event = "render"
    let doc: String
    let version: UInt64
    let html: String
    let renderMs: Double
    let latencyMs: Double
}

struct Arguments: ParsableArguments {
    @Option(help: "Alternating rounds.") var rounds = 9
    @Option(help: "Encodings per round and side.") var iterations = 20
    @Argument(help: "Markdown files whose HTML is encoded.") var files: [String] = []
}

let arguments = Arguments.parseOrExit()
let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/corpus").standardized
let files = arguments.files.isEmpty
    ? ["README.md", "system-design-primer-README.md", "rust-book-full.md"].map { corpus.appendingPathComponent($0).path }
    : arguments.files

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

let encoder = JSONEncoder()
encoder.keyEncodingStrategy = .convertToSnakeCase
encoder.outputFormatting = [.withoutEscapingSlashes]
print("html bytes   EventEncoder ms   JSONEncoder ms   ratio (JSONEncoder / EventEncoder)")
for file in files {
    guard let data = FileManager.default.contents(atPath: file) else {
        FileHandle.standardError.write(Data("event-encoding: cannot read \(file)\n".utf8))
        exit(66)
    }
    let html = MarkdownRenderer().render(String(decoding: data, as: UTF8.self))
    let event = Event.render(RenderEvent(doc: "doc", version: 7, html: html, renderMs: 1.25, latencyMs: 3.5))
    let codable = CodableRender(doc: "doc", version: 7, html: html, renderMs: 1.25, latencyMs: 3.5)
    var buffer: [UInt8] = []
    var ours: [Double] = []
    var foundation: [Double] = []
    for round in 0..<arguments.rounds {
        let a = { seconds { for _ in 0..<arguments.iterations { buffer.removeAll(keepingCapacity: true); EventEncoder.encode(event, into: &buffer) } } }
        let b = { seconds { for _ in 0..<arguments.iterations { _ = try! encoder.encode(codable) } } }
        if round % 2 == 0 { ours.append(a()); foundation.append(b()) } else { foundation.append(b()); ours.append(a()) }
    }
    let median = { (values: [Double]) in values.sorted()[values.count / 2] * 1000 / Double(arguments.iterations) }
    print(String(format: "%10d   %15.3f   %14.3f   %.1f×", html.utf8.count, median(ours), median(foundation), median(foundation) / median(ours)))
}
