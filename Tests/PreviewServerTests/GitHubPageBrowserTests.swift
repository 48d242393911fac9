import Foundation
import MarkdownRenderer
import PreviewServer
import PreviewStdio
import Testing
import TestSupport

/// The github profile's page in headless Chromium: front matter title, heading ids and
/// anchors, alerts, KaTeX output, fragment links that scroll without leaving the page,
/// and duplicate headings renumbered live. `PREVIEWENGINE_SCREENSHOTS=DIR` also writes
/// light and dark screenshots there (how `Docs/screenshots/` was made).
@Suite("the github page in headless Chromium", .serialized)
struct GitHubPageBrowserTests {
    static let runs = SharedData.isCI || HeadlessChromium.isAvailable
    static let options = RenderOptions(profile: .github)

    @Test("ids, alerts, KaTeX, front matter title, fragment links and live renumbering", .enabled(if: runs, "needs chromium and chromium-driver"))
    func readerPage() async throws {
        guard HeadlessChromium.isAvailable else {
            Issue.record("chromium or chromedriver is not installed (./dev installs Debian's chromium and chromium-driver)")
            return
        }
        #expect(FileManager.default.fileExists(atPath: "/usr/share/javascript/katex/katex.min.js"), "./dev installs libjs-katex")
        let text = try String(contentsOf: SharedData.fixtures.appendingPathComponent("github/reader.md"), encoding: .utf8)
        let harness = try await LivePreviewHarness(highlightScript: "/usr/share/javascript/highlight.js/highlight.min.js")
        let folder = SharedData.fixtures.appendingPathComponent("github").path
        try await harness.open("reader.md", text: text, folder: folder, options: Self.options)
        let linked = LinkedFileDocuments(engine: harness.engine, server: harness.server, options: Self.options)
        linked.register("reader.md", path: folder + "/reader.md")
        harness.server.openLinkedDocuments(with: linked.open)
        defer { linked.stop() }
        let browser = try await HeadlessChromium()
        try await closing(browser, then: harness.stop) {
            try await browser.navigate(to: try #require(harness.server.url(ofDocument: "reader.md")))
            #expect(try await browser.executeAsync(BrowserPreviewTests.waitScript, [0, true]) as? Bool == true)
            #expect(try await browser.execute(BrowserPreviewTests.compareScript, [try harness.fullRender(of: "reader.md", options: Self.options)]) as? Bool == true)
            #expect(try await browser.execute("return document.title;") as? String == "A page as its reader sees it — mdpreview")

            let ids = try await browser.execute("return Array.from(document.querySelectorAll('#preview :is(h1,h2,h3,h4,h5,h6)')).map((h) => h.id);") as? [String]
            #expect(ids == [
                "overview", "details", "details-1", "details-2", "c--rust-a-comparison", "日本語の見出し", "émojis--and-ünïcode",
                "snake_case-and-kebab-case", "version-20-beta", "version-20-beta-1", "deep-heading", "deeper-heading", "deepest-heading",
                "alerts", "math", "code", "links-between-documents", "raw-html", "qa-whats-new", "qa-whats-new-1", "100-done", "中文标题",
                "한국어-제목", "ελληνικά", "emoji-only-", "code-heading", "heading-with-a-link", "heading-with-bold-and-em",
                "trailing-punctuation", "hyphen---spaced---out", "repeat", "repeat-1", "repeat-1-1", "repeat-2", "dotsanddots",
                "under_score", "ünïcödé-wörds", "привет-мир", "apostrophes-curly", "details-3",
            ])
            let anchors = try await browser.execute("return Array.from(document.querySelectorAll('#preview h2 > a.anchor:first-child')).length;") as? Int
            #expect(ids?.count == 40 && anchors == 13)
            let alerts = try await browser.execute("""
            return Array.from(document.querySelectorAll('.markdown-alert')).map((a) => a.className + ':' + a.querySelector('.markdown-alert-title').textContent);
            """) as? [String]
            #expect(alerts == ["note", "tip", "important", "warning", "caution"].map { "markdown-alert markdown-alert-\($0):" + $0.prefix(1).uppercased() + $0.dropFirst() })
            // The quote that is not an alert, and the one holding math.
            #expect(try await browser.execute("return document.querySelectorAll('#preview blockquote').length;") as? Int == 2)

            // Every math element typeset by KaTeX; the broken one shows its source in red.
            let math = try await browser.execute("""
            const all = Array.from(document.querySelectorAll('#preview .math'));
            return { count: all.length, typeset: all.filter((m) => m.querySelector('.katex, .katex-error')).length,
                     errors: Array.from(document.querySelectorAll('#preview .katex-error')).map((e) => e.textContent + '|' + getComputedStyle(e).color),
                     display: document.querySelectorAll('#preview .katex-display').length,
                     unknown: Array.from(document.querySelectorAll('#preview .katex-html *')).filter((e) => e.childElementCount === 0 && e.textContent === '\\\\undefinedcommand').map((e) => getComputedStyle(e).color),
                     dollars: document.getElementById('preview').textContent.includes('Prices stay text: $5 and $10, and $ spaced $ dollars.') }
            """) as? [String: Any]
            #expect(math?["count"] as? Int == 30 && math?["typeset"] as? Int == 30, "\(String(describing: math))")
            // `a_b_c` reaches KaTeX untouched, which rejects it as TeX does (a double subscript).
            #expect(math?["errors"] as? [String] == ["a_b_c|rgb(204, 0, 0)", #"\frac{1}{|rgb(204, 0, 0)"#])
            // An unknown command is typeset in red, the rest of its formula intact.
            #expect(math?["unknown"] as? [String] == ["rgb(204, 0, 0)"], "\(String(describing: math))")
            #expect(math?["display"] as? Int == 5)
            #expect(math?["dollars"] as? Bool == true)

            if let folder = ProcessInfo.processInfo.environment["PREVIEWENGINE_SCREENSHOTS"] {
                _ = try await browser.execute("window.scrollTo(0, 0); return true;")
                for scheme in ["light", "dark"] {
                    try await browser.emulateColorScheme(scheme)
                    _ = try await browser.executeAsync("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));")
                    try await browser.screenshot().write(to: URL(fileURLWithPath: folder).appendingPathComponent("github-page-\(scheme).png"))
                    _ = try await browser.execute("document.getElementById('alerts').scrollIntoView(); return true;")
                    try await browser.screenshot().write(to: URL(fileURLWithPath: folder).appendingPathComponent("github-alerts-math-\(scheme).png"))
                    _ = try await browser.execute("document.querySelector('#preview details').open = true; document.getElementById('links-between-documents').scrollIntoView(); return true;")
                    try await browser.screenshot().write(to: URL(fileURLWithPath: folder).appendingPathComponent("github-raw-html-\(scheme).png"))
                    _ = try await browser.execute("document.querySelector('#preview details').open = false; return true;")
                    _ = try await browser.execute("window.scrollTo(0, 0); return true;")
                }
            }

            // A fragment link scrolls to its heading and keeps the page; a missing one does nothing.
            let jump = try await browser.executeAsync("""
            const done = arguments[arguments.length - 1];
            const before = location.pathname;
            document.querySelector('a[href="#details-2"]').click();
            requestAnimationFrame(() => {
              const top = document.getElementById('details-2').getBoundingClientRect().top;
              document.querySelector('a[href="#nowhere"]').click();
              requestAnimationFrame(() => done({ top, samePage: location.pathname === before && window.previewEngine !== undefined, hash: location.hash }));
            });
            """) as? [String: Any]
            #expect(abs(jump?["top"] as? Double ?? 999) < 30, "\(String(describing: jump))")
            #expect(jump?["samePage"] as? Bool == true && jump?["hash"] as? String == "#details-2")

            // A heading named like the later ones, typed at the top: they are renumbered in place.
            let version = try harness.insert("## Details\n\n", at: text.unicodeScalars.count - text.drop { $0 != "#" }.unicodeScalars.count, in: "reader.md")
            await harness.waitFor("reader.md", version: version)
            #expect(try await browser.executeAsync(BrowserPreviewTests.waitScript, [Int(version), false]) as? Bool == true)
            #expect(try await browser.execute(BrowserPreviewTests.compareScript, [try harness.fullRender(of: "reader.md", options: Self.options)]) as? Bool == true)
            let renumbered = try await browser.execute("return Array.from(document.querySelectorAll('#preview h2')).map((h) => h.id).filter((id) => id.startsWith('details'));") as? [String]
            #expect(renumbered == ["details", "details-1", "details-2", "details-3", "details-4"])

            // GitHub's raw HTML: a collapsed section with its Markdown, no handler left.
            let raw = try await browser.execute("""
            const details = document.querySelector('#preview details');
            return { summary: details.querySelector('summary').textContent, strong: details.querySelectorAll('strong').length,
                     kbd: details.querySelectorAll('kbd').length, named: document.getElementsByName('user-content-old-anchor').length,
                     handlers: Array.from(document.querySelectorAll('#preview *')).filter((e) => Array.from(e.attributes).some((a) => a.name.startsWith('on'))).length,
                     sub: document.querySelectorAll('#preview sub, #preview sup:not(.footnote-ref)').length, open: details.open };
            """) as? [String: Any]
            #expect(raw?["summary"] as? String == "A collapsed section" && raw?["strong"] as? Int == 1 && raw?["kbd"] as? Int == 2)
            #expect(raw?["named"] as? Int == 1 && raw?["handlers"] as? Int == 0 && raw?["sub"] as? Int == 2 && raw?["open"] as? Bool == false)

            // Links between documents: each opens the other's live preview, scrolled to the fragment.
            let real = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
            let readerPath = try await browser.execute("return location.pathname;") as? String
            let second = try await follow("second.md#second-section", to: "second-section", in: browser)
            #expect(second?["path"] as? String != readerPath && abs(second?["top"] as? Double ?? 999) < 30, "\(String(describing: second))")
            #expect(second?["title"] as? String == "second.md — mdpreview")
            #expect(try await browser.execute(BrowserPreviewTests.compareScript, [try harness.fullRender(of: LinkedFileDocuments.namePrefix + real + "/second.md", options: Self.options)]) as? Bool == true)
            let third = try await follow("third.md#third-heading", to: "third-heading", in: browser)
            #expect(third?["path"] as? String != second?["path"] as? String && abs(third?["top"] as? Double ?? 999) < 30, "\(String(describing: third))")
            #expect(try await browser.execute("return document.querySelectorAll('#preview .katex').length;") as? Int == 1)

            // A missing file and a link out of the folder get pages that say so, with a way back.
            try await browser.navigate(to: try #require(harness.server.url(ofDocument: "reader.md")))
            #expect(try await browser.executeAsync(BrowserPreviewTests.waitScript, [0, true]) as? Bool == true)
            #expect(try await follow("missing.md", to: "link-problem", in: browser)?["heading"] as? String == "No such file")
            #expect(try await follow("/documents/", to: "overview", in: browser, selector: "#back")?["path"] as? String == readerPath)
            #expect(try await follow("../outside.md", to: "link-problem", in: browser)?["heading"] as? String == "Outside the document’s folder")
        }
    }

    /// Clicks the link whose `href` is `href` (or the element `selector` picks), then
    /// waits for the page that has an element `id`: its path, title, the element's top
    /// and, on a page about a link, its heading.
    private func follow(_ href: String, to id: String, in browser: HeadlessChromium, selector: String? = nil) async throws -> [String: Any]? {
        let query = selector ?? "a[href=\"\(href)\"]"
        #expect(try await browser.execute("const link = document.querySelector(arguments[0]); if (!link) return false; link.click(); return true;", [query]) as? Bool == true, "\(query)")
        for _ in 0 ..< 3 {
            // The first try can run in the page being left; the next runs in the new one.
            if let answer = try? await browser.executeAsync(Self.arrivalScript, [id]) as? [String: Any] { return answer }
        }
        return nil
    }

    private static let arrivalScript = """
    const [id, done] = arguments;
    const check = () => {
      const problem = document.getElementById('link-problem');
      const target = document.getElementById(id);
      const live = window.previewEngine && window.previewEngine.version !== null;
      if (target && (problem || live)) {
        done({ path: location.pathname, title: document.title, top: target.getBoundingClientRect().top, heading: problem ? problem.textContent : null });
      } else {
        requestAnimationFrame(check);
      }
    };
    check();
    """
}
