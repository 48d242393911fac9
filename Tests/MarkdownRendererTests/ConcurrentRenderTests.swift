import Foundation
import MarkdownRenderer
import TestSupport
import Testing

/// Debian's libcmark-gfm is not safe for concurrent parses (its special-character tables
/// are globals): without MarkdownRenderer's parse lock, threads rendering URL-heavy text
/// at once drop autolinks. This stress test renders URL- and table-heavy documents from
/// several threads for a few seconds and requires every output to equal the
/// single-threaded render.
@Suite("concurrent rendering")
struct ConcurrentRenderTests {
    /// A generated document dense with autolinks, e-mail addresses, tables and emphasis.
    static func urlHeavyDocument(seed: Int) -> String {
        var lines = ["# Links \(seed)", ""]
        for row in 0..<400 {
            let n = row &* 7919 &+ seed
            lines.append("- see https://example.com/\(n)/path?q=\(n % 97) and www.site\(n % 13).org, mail a\(n)@b\(n % 5).io ~~old~~ *em*")
        }
        lines += ["", "| url | mail | task |", "|:---|:---:|---:|"]
        for row in 0..<300 {
            lines.append("| http://t\(row).example.net/x_\(seed) | u\(row)@mail.example | [x](https://l/\(row)) www.w\(row).com |")
        }
        lines += ["", "- [ ] task with https://task.example/\(seed)", "- [x] done www.done.example", ""]
        return lines.joined(separator: "\n")
    }

    static func documents() throws -> [String] {
        var documents = (0..<3).map(urlHeavyDocument(seed:))
        if let corpus = try SharedData.folder("corpus") {
            for name in ["public-apis-README.md", "awesome-readme.md"] {
                let url = corpus.appendingPathComponent(name)
                if let data = FileManager.default.contents(atPath: url.path) {
                    documents.append(String(decoding: data, as: UTF8.self))
                }
            }
        }
        return documents
    }

    @Test("several threads rendering at once produce exactly the single-threaded output")
    func stress() throws {
        let documents = try Self.documents()
        let renderer = MarkdownRenderer()
        let expected = documents.map { renderer.render($0) }
        // The inputs exercise what the global tables break: the generated documents have
        // www. autolinks and tables, and every document has links.
        #expect(expected.prefix(3).allSatisfy { $0.contains("<a href=\"http://www.") && $0.contains("<table>") })
        #expect(expected.allSatisfy { $0.contains("<a href") })

        let seconds = Double(ProcessInfo.processInfo.environment["PREVIEWENGINE_STRESS_SECONDS"] ?? "") ?? 3
        let threadCount = 4
        let tally = StressTally()
        let deadline = Date().addingTimeInterval(seconds)
        let done = DispatchGroup()
        for index in 0..<threadCount {
            done.enter()
            let thread = Thread {
                var position = index
                var renders = 0, wrong = 0
                repeat {
                    let slot = position % documents.count
                    if renderer.render(documents[slot]) != expected[slot] { wrong += 1 }
                    renders += 1
                    position += 1
                } while Date() < deadline
                tally.add(renders: renders, wrong: wrong)
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        done.wait()
        let (renders, wrong) = tally.totals
        print("concurrent rendering: \(renders) renders on \(threadCount) threads in \(seconds) s, \(wrong) differed")
        #expect(wrong == 0)
        #expect(renders >= threadCount * 2, "every thread rendered at least twice")
    }

    @Test("renderers with different options used at once do not affect each other")
    func mixedOptions() {
        let document = Self.urlHeavyDocument(seed: 42)
        let variants = [RenderOptions(), RenderOptions(extensions: []), RenderOptions(allowsUnsafeHTML: true, sourcePositions: true), RenderOptions(extensions: [.autolink], smartPunctuation: true)]
        let expected = variants.map { MarkdownRenderer(options: $0).render(document) }
        #expect(Set(expected).count == variants.count)
        let tally = StressTally()
        DispatchQueue.concurrentPerform(iterations: 64) { iteration in
            let slot = iteration % variants.count
            let html = MarkdownRenderer(options: variants[slot]).render(document)
            tally.add(renders: 1, wrong: html == expected[slot] ? 0 : 1)
        }
        #expect(tally.totals == (64, 0))
    }

    @Test("the github profile's sanitizer (libxml2) on several threads at once gives the single-threaded output")
    func concurrentSanitizing() {
        let document = (0 ..< 40).map { "<details>\n<summary>S\($0)</summary>\n\n**md** <kbd>\($0)</kbd> <img src=x onerror=alert(\($0))>\n\n</details>\n" }.joined(separator: "\n")
        let renderer = MarkdownRenderer(options: RenderOptions(profile: .github))
        let expected = renderer.render(document)
        #expect(expected.contains("<kbd>39</kbd>") && !expected.contains("onerror"))
        let tally = StressTally()
        DispatchQueue.concurrentPerform(iterations: 32) { _ in
            tally.add(renders: 1, wrong: renderer.render(document) == expected ? 0 : 1)
        }
        #expect(tally.totals == (32, 0))
    }
}

private final class StressTally: @unchecked Sendable {
    private let lock = NSLock()
    private var renders = 0, wrong = 0
    func add(renders: Int, wrong: Int) { lock.withLock { self.renders += renders; self.wrong += wrong } }
    var totals: (Int, Int) { lock.withLock { (renders, wrong) } }
}
