import Foundation
import MarkdownRenderer
import TestSupport
import Testing

/// Every shared corpus document rendered with both profiles: block by block, the
/// github profile differs from cmark only in the ways `Docs/GITHUB_PROFILE.md` lists,
/// and every difference is put in one of those classes.
@Suite struct ProfileDifferenceTests {
    enum Difference: String, CaseIterable { case frontMatter, headingIDs, alert, math, mathFence }

    /// The class of the difference between a block's two renders, or nil when none fits.
    static func classify(cmark: String, github: String) -> Difference? {
        let withoutIDs = github.replacing(#/ id="[^"]*"><a class="anchor" href="#[^"]*" aria-label="Link to this section"></a>/#, with: ">")
        if withoutIDs == cmark { return .headingIDs }
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
            #expect(plain.map(\.lines) == rich.map(\.lines), "\(url.lastPathComponent): the same blocks")
            for (before, after) in zip(plain, rich) where before.html != after.html {
                guard let difference = Self.classify(cmark: before.html, github: after.html) else {
                    Issue.record("\(url.lastPathComponent) lines \(before.lines): unclassified\ncmark:  \(before.html.prefix(400))\ngithub: \(after.html.prefix(400))")
                    continue
                }
                counts[difference, default: 0] += 1
            }
        }
        print("profile differences over \(files.count) documents: " + Difference.allCases.map { "\($0.rawValue) \(counts[$0] ?? 0)" }.joined(separator: ", "))
        #expect((counts[.headingIDs] ?? 0) > 0, "the corpus has headings")
    }
}
