import Foundation
import MarkdownRenderer
import Primitives
import Testing
import SiteExport
import TaskService
import TestSupport
import ThreadPool

@Suite("SiteExport")
struct SiteExportTests {
    private let service = TaskService(configuration: .init(tickInterval: nil))

    /// No highlighter or typesetter installed: the site has no assets folder.
    static let noAssets = SiteAssets(katexFolder: "/nonexistent", highlightScriptPath: "/nonexistent", highlightStylesFolder: "/nonexistent")

    private func export(_ folder: TemporaryFolder, renderer: PageRenderer = .inProcess(options: RenderOptions()), strict: Bool = false,
                        assets: SiteAssets = noAssets) async throws -> TaskStatus {
        let locations = try ExportLocations.resolve(source: "docs", destination: "site", roots: [folder.path], base: folder.path)
        let id = try service.submit(SiteExport(locations: locations, renderer: renderer, strict: strict, assets: assets))
        return try #require(await service.finalStatus(of: id))
    }

    private func report(_ status: TaskStatus) throws -> ExportReport {
        try #require(status.result as? ExportReport)
    }

    @Test("every Markdown file becomes a page with the preview's CSS, links to pages, assets copied, an index")
    func writesSite() async throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/a.md", "# Alpha\n\n[b](sub/b.md#part) [web](https://x.org/y.md) ![p](img/p.png)\n")
        try folder.write("docs/sub/b.md", "Beta has no heading. [back](../a.md)\n")
        try folder.write("docs/img/p.png", bytes: [0x89, 0x50, 0x4E, 0x47, 0, 1, 2])
        try folder.write("docs/notes.txt", "plain")
        try folder.write("docs/.git/config", "hidden")
        try folder.write("docs/.draft.md", "# hidden\n")
        let status = try await export(folder)
        #expect(status.state == .completed, "\(status.error ?? "")")
        let report = try report(status)
        #expect(report.pages == 2 && report.assets == 2 && report.failures.isEmpty && report.index == "index.html")
        #expect(folder.files(under: "site") == [".mdpreview-export", "a.html", "img/p.png", "index.html", "notes.txt", "sub/b.html"])
        let alpha = try #require(folder.read("site/a.html"))
        let fragment = MarkdownRenderer().render(folder.read("docs/a.md")!)
        #expect(alpha == HTMLPage.wrap(body: SiteLinks.rewrite(fragment), title: "Alpha"))
        #expect(alpha.contains("href=\"sub/b.html#part\"") && alpha.contains("href=\"https://x.org/y.md\"") && alpha.contains("src=\"img/p.png\""))
        #expect(folder.read("site/sub/b.html")?.contains("<title>sub/b.md</title>") == true, "no heading: the path is the title")
        #expect(folder.read("site/sub/b.html")?.contains("href=\"../a.html\"") == true)
        let index = try #require(folder.read("site/index.html"))
        #expect(index.contains("<a href=\"a.html\">Alpha</a>") && index.contains("<a href=\"sub/b.html\">sub/b.md</a>"))
        #expect(folder.read("site/img/p.png").map { Array($0.utf8) } != nil)
        #expect(status.progress.fraction == 1)
        #expect(folder.entries().filter { $0.contains("mdpreview-") }.isEmpty, "no temporary folder left")
    }

    @Test("the highlighter and KaTeX are copied into _mdpreview/, fonts inlined; every page loads them from the site's root")
    func copiesAssets() async throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/a.md", "# A\n\n$x^2$\n\n```swift\nlet x = 1\n```\n")
        try folder.write("docs/deep/er/b.md", "# B\n")
        try folder.write("docs/_mdpreview/page.js", "a file of the source with the assets' name")
        try folder.write("assets/katex/katex.min.js", "/* katex */")
        try folder.write("assets/katex/katex.min.css", ".katex{src:url(fonts/KaTeX_Main-Regular.woff2) format('woff2'),url(fonts/KaTeX_Main-Regular.woff) format('woff')}"
            + "@font-face{src:url(fonts/Missing.woff2) format('woff2')}")
        try folder.write("assets/katex/fonts/KaTeX_Main-Regular.woff2", bytes: [1, 2, 3])
        try folder.write("assets/hl/highlight.min.js", "/* hljs */")
        try folder.write("assets/hl/styles/atom-one-light.css", ".light{}")
        try folder.write("assets/hl/styles/atom-one-dark.css", ".dark{}")
        let assets = SiteAssets(katexFolder: folder.path + "/assets/katex", highlightScriptPath: folder.path + "/assets/hl/highlight.min.js",
                                highlightStylesFolder: folder.path + "/assets/hl/styles")
        let status = try await export(folder, renderer: .inProcess(options: RenderOptions(profile: .github)), assets: assets)
        #expect(status.state == .completed, "\(status.error ?? "")")
        #expect(try report(status).failures.map(\.file) == ["_mdpreview/page.js"])
        #expect(folder.files(under: "site/_mdpreview") == ["highlight.css", "highlight.min.js", "katex/katex.min.css", "katex/katex.min.js", "page.js"])
        #expect(folder.read("site/_mdpreview/katex/katex.min.css") == ".katex{src:url(data:font/woff2;base64,AQID) format('woff2')}@font-face{src:url(fonts/Missing.woff2) format('woff2')}")
        #expect(folder.read("site/_mdpreview/highlight.css")?.contains(".light{}\n@media (prefers-color-scheme: dark) {\n.dark{}") == true)
        #expect(folder.read("site/_mdpreview/page.js")?.contains("window.katex.render") == true)
        let top = try #require(folder.read("site/a.html"))
        #expect(top.contains(#"<script defer src="_mdpreview/katex/katex.min.js"></script>"#) && top.contains(#"<link rel="stylesheet" href="_mdpreview/highlight.css">"#))
        #expect(top.contains(#"<span class="math math-inline">x^2</span>"#))
        #expect(folder.read("site/deep/er/b.html")?.contains(#"<script defer src="../../_mdpreview/page.js"></script>"#) == true)
    }

    @Test("a second export replaces the first in one step; an index.md keeps its page and the index moves aside")
    func replacesEarlierExport() async throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/index.md", "# Home\n")
        try folder.write("docs/old.md", "# Old\n")
        #expect(try await export(folder).state == .completed)
        try FileManager.default.removeItem(atPath: folder.path + "/docs/old.md")
        try folder.write("docs/new.md", "# New\n")
        let status = try await export(folder)
        #expect(try report(status).index == "site-index.html")
        #expect(folder.files(under: "site") == [".mdpreview-export", "index.html", "new.html", "site-index.html"])
        #expect(folder.read("site/index.html")?.contains("<h1>Home</h1>") == true)
    }

    @Test("a page that fails to render is listed and left out; strict mode fails the export and leaves the destination")
    func pageFailures() async throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/good.md", "# Good\n")
        try folder.write("docs/bad.md", "BOOM\n")
        let renderer = PageRenderer { markdown in
            if markdown.starts(with: Array("BOOM".utf8)) { throw TestRenderFailure() }
            return MarkdownRenderer().renderUTF8(bytes: markdown)
        }
        let status = try await export(folder, renderer: renderer)
        #expect(status.state == .completed)
        #expect(try report(status).failures == [ExportReport.Failure(file: "bad.md", error: "the parse took longer than 1 s")])
        #expect(folder.files(under: "site") == [".mdpreview-export", "good.html", "index.html"])
        #expect(folder.read("site/index.html")?.contains("<code>bad.md</code>: the parse took longer than 1 s") == true)

        try folder.write("docs/good.md", "# Changed\n")
        let strict = try await export(folder, renderer: renderer, strict: true)
        #expect(strict.state == .failed && strict.error == "bad.md: the parse took longer than 1 s (strict export: nothing was written)")
        #expect(folder.read("site/good.html")?.contains("Good") == true, "the earlier site is intact")
        #expect(folder.entries().filter { $0.contains("mdpreview-") }.isEmpty)
    }

    @Test("cancelled or timed out mid-export: the destination is as it was and no temporary folder is left")
    func cancelLeavesDestination() async throws {
        let folder = try TemporaryFolder()
        try MarkdownTree.write(20, into: folder, under: "docs")
        #expect(try await export(folder).state == .completed)
        let before = folder.files(under: "site").map { ($0, folder.read("site/" + $0)) }
        try folder.write("docs/part0/page0.md", "# Replaced\n")
        for stop in ["cancel", "timeout"] {
            let clock = ManualClock()
            let service = TaskService(configuration: .init(tickInterval: nil), clock: clock)
            // The fifth page's render lasts until the test has stopped the task, as a
            // worker's parse would run on; the export notices before the next file.
            let progress = Locked((reached: 0, released: false))
            let renderer = PageRenderer { markdown in
                let reached = progress.withLock { $0.reached += 1; return $0.reached }
                progress.broadcast()
                if reached == 5 {
                    progress.withLock(waitingUntil: { $0.released }, deadline: .now.advanced(by: .seconds(30))) { _, _ in }
                }
                return MarkdownRenderer().renderUTF8(bytes: markdown)
            }
            let locations = try ExportLocations.resolve(source: "docs", destination: "site", roots: [folder.path], base: folder.path)
            let id = try service.submit(SiteExport(locations: locations, renderer: renderer), timeout: .seconds(30))
            progress.withLock(waitingUntil: { $0.reached >= 5 }, deadline: .now.advanced(by: .seconds(30))) { _, _ in }
            if stop == "cancel" {
                #expect(service.cancel(id) == .requested)
            } else {
                clock.advance(by: .seconds(30))
                service.tick()
            }
            progress.withLock { $0.released = true }
            progress.broadcast()
            let final = await service.finalStatus(of: id)
            #expect(final?.state == (stop == "cancel" ? .cancelled : .timedOut))
            #expect(folder.files(under: "site").map { ($0, folder.read("site/" + $0)) }.elementsEqual(before) { $0 == $1 }, "\(stop): destination unchanged")
            #expect(folder.entries().filter { $0.contains("mdpreview-") }.isEmpty, "\(stop): no temporary folder left")
            service.shutdown()
        }
    }

    @Test("an export removes the temporary folders of exports whose process is gone, not those of live ones")
    func removesAbandonedFolders() async throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/a.md", "# A\n")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        try folder.write(".site.mdpreview-\(process.processIdentifier)-dead/a.html", "old")
        try folder.write(".site.mdpreview-\(getpid())-live/a.html", "in progress")
        #expect(try await export(folder).state == .completed)
        #expect(folder.entries() == [".site.mdpreview-\(getpid())-live", "docs", "site"])
    }
}

struct TestRenderFailure: Error, CustomStringConvertible {
    var description: String { "the parse took longer than 1 s" }
}
