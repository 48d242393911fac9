import Foundation
import MarkdownRenderer
import SiteExport
import TaskService
import Testing
import TestSupport

/// An exported site opened from disk in headless Chromium, offline: code highlighted,
/// every math element typeset with KaTeX's own fonts, links between pages with their
/// fragments, and not one request beyond the site's files.
@Suite("an export in headless Chromium")
struct ExportBrowserTests {
    @Test("the reader fixture's export works from file: URLs", .enabled(if: BrowserPreviewTests.runs, "needs chromium and chromium-driver"))
    func offlinePage() async throws {
        guard HeadlessChromium.isAvailable else {
            Issue.record("chromium or chromedriver is not installed (./dev installs Debian's chromium and chromium-driver)")
            return
        }
        let folder = try TemporaryFolder()
        let source = SharedData.fixtures.appendingPathComponent("github").path
        let locations = try ExportLocations.resolve(source: source, destination: folder.path + "/site", roots: [source, folder.path], base: folder.path)
        let service = TaskService(configuration: .init(tickInterval: nil))
        let id = try service.submit(SiteExport(locations: locations, renderer: .inProcess(options: RenderOptions(profile: .github))))
        let status = try #require(await service.finalStatus(of: id))
        #expect(status.state == .completed, "\(status.error ?? "")")
        let browser = try await HeadlessChromium()
        try await closing(browser, then: {}) {
            _ = try await browser.networkRequests()
            try await browser.navigate(to: "file://" + folder.path + "/site/reader.html")
            let page = try await browser.executeAsync("""
            const done = arguments[arguments.length - 1];
            document.fonts.ready.then(() => done({
              math: document.querySelectorAll('.math').length,
              typeset: document.querySelectorAll('.math .katex, .math .katex-error').length,
              font: document.fonts.check('16px KaTeX_Main'),
              highlighted: document.querySelectorAll('pre code.hljs .hljs-keyword').length,
              link: document.querySelector('a[href="second.html#second-section"]') !== null,
              alerts: document.querySelectorAll('.markdown-alert').length,
              title: document.title,
            }));
            """) as? [String: Any]
            #expect(page?["math"] as? Int == 30 && page?["typeset"] as? Int == 30, "\(String(describing: page))")
            #expect(page?["font"] as? Bool == true && page?["highlighted"] as? Int ?? 0 >= 1, "\(String(describing: page))")
            #expect(page?["link"] as? Bool == true && page?["alerts"] as? Int == 5)
            #expect(page?["title"] as? String == "A page as its reader sees it")
            let requests = try await browser.networkRequests()
            #expect(!requests.isEmpty && requests.allSatisfy { $0.hasPrefix("file://") || $0.hasPrefix("data:") }, "\(requests)")
        }
    }
}
