import Foundation
import MarkdownRenderer
import TestSupport
import Testing

/// Every shared corpus document rendered with both profiles: block by block, the
/// github profile differs from cmark only in the ways `Docs/GITHUB_PROFILE.md` lists,
/// and every difference is put in one of those classes.
@Suite struct ProfileDifferenceTests {
    enum Difference: String, CaseIterable { case frontMatter, headingIDs, alert, math, mathFence, rawHTML }

    /// The class of the difference between a block's two renders, or nil when none fits.
    static func classify(cmark: String, github: String) -> Difference? {
        let withoutIDs = github.replacing(#/ id="[^"]*"><a class="anchor" href="#[^"]*" aria-label="Link to this section"></a>/#, with: ">")
        if withoutIDs == cmark { return .headingIDs }
        if cmark.contains("<!-- raw HTML omitted -->") && !github.contains("<!-- raw HTML omitted -->") { return .rawHTML }
        if cmark.hasPrefix("<blockquote>\n<p>[!"), github.hasPrefix(#"<div class="markdown-alert"#) { return .alert }
        if cmark.contains(#"class="language-math""#), github.contains(#"<div class="math math-display">"#) { return .mathFence }
        if cmark.contains("$"), withoutIDs.contains(#"<span class="math math-"#) { return .math }
        return nil
    }

    @Test(.enabled(if: SharedData.runsTests(needing: "corpus"), "needs ../shared/corpus"))
    func theGitHubProfileDiffersOnlyInDocumentedWays() throws {
        let cmark = MarkdownRenderer(), github = MarkdownRenderer(options: RenderOptions(profile: .github))
        var counts: [Difference: Int] = [:]
        let files = try SharedData.files(in: "corpus", suffixes: [".md"])
        #expect(!files.isEmpty)
        for url in files {
            let text = String(decoding: try Data(contentsOf: url), as: UTF8.self)
            var plain = cmark.parseBlocks(text).blocks
            var rich = github.parseDocument(text).blocks
            if let first = rich.first, first.kind == .frontMatter {
                counts[.frontMatter, default: 0] += 1
                rich.removeFirst()
                plain.removeAll { $0.lines.lowerBound <= first.lines.upperBound }
            }
            // Raw HTML can hold several blocks together (`<details>` … `</details>`):
            // each github block is compared with the cmark blocks within its lines.
            var next = 0
            for after in rich {
                var covered: [ParsedBlock] = []
                while next < plain.count, plain[next].lines.upperBound <= after.lines.upperBound { covered.append(plain[next]); next += 1 }
                #expect(covered.first?.lines.lowerBound == after.lines.lowerBound, "\(url.lastPathComponent): a block at line \(after.lines.lowerBound)")
                let before = covered.map(\.html).joined()
                if covered.count > 1 || after.kind == .openHTMLBlock {
                    #expect(before.contains("<!-- raw HTML omitted -->"), "\(url.lastPathComponent) lines \(after.lines): only raw HTML groups blocks")
                }
                guard before != after.html else { continue }
                guard let difference = Self.classify(cmark: before, github: after.html) else {
                    Issue.record("\(url.lastPathComponent) lines \(after.lines): unclassified\ncmark:  \(before.prefix(400))\ngithub: \(after.html.prefix(400))")
                    continue
                }
                if difference == .rawHTML {
                    let problems = ExecutableMarkup.problems(in: after.html)
                    #expect(problems.isEmpty, "\(url.lastPathComponent) lines \(after.lines): \(problems)")
                }
                counts[difference, default: 0] += 1
            }
            #expect(next == plain.count, "\(url.lastPathComponent): every block compared")
        }
        print("profile differences over \(files.count) documents: " + Difference.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
        #expect((counts[.headingIDs] ?? 0) > 0, "the corpus has headings")
    }
}
