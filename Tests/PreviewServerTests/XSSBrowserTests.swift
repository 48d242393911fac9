import Foundation
import MarkdownRenderer
import Testing
import TestSupport

/// The XSS list (`XSSPayloads`) rendered with the github profile, loaded in headless
/// Chromium in a page with no Content-Security-Policy (so the sanitizer alone is
/// tested): no dialog opens, no handler runs, and nothing is fetched.
@Suite("XSS payloads in headless Chromium")
struct XSSBrowserTests {
    @Test("nothing executable survives the github profile", .enabled(if: BrowserPreviewTests.runs, "needs chromium and chromium-driver"))
    func nothingRuns() async throws {
        guard HeadlessChromium.isAvailable else {
            Issue.record("chromium or chromedriver is not installed (./dev installs Debian's chromium and chromium-driver)")
            return
        }
        let browser = try await HeadlessChromium()
        try await closing(browser, then: {}) {
            let safe = try await load(RenderOptions(profile: .github), in: browser)
            #expect(safe.fired == [], "\(safe.fired)")
            #expect(safe.requests.isEmpty, "\(safe.requests)")
            // The payloads' visible text is still there: the page was rendered, not emptied.
            #expect(safe.text.contains("seven") && safe.text.contains("sixty-one") && safe.text.contains("inside an alert"))
            // The same payloads passed through (--unsafe) do run: the trap catches them.
            let unsafe = try await load(RenderOptions(profile: .github, allowsUnsafeHTML: true), in: browser)
            #expect(unsafe.fired.count >= 5 && unsafe.fired.contains("alert(2)"), "\(unsafe.fired)")
            #expect(unsafe.requests.contains { $0.hasPrefix("http://127.0.0.1:9/") }, "\(unsafe.requests)")
        }
    }

    /// The payloads rendered with `options`, loaded: what fired, what was fetched, the text.
    private func load(_ options: RenderOptions, in browser: HeadlessChromium) async throws -> (fired: [String], requests: [String], text: String) {
        let html = MarkdownRenderer(options: options).render(XSSPayloads.document)
        // A trap that records every way script could show itself.
        let page = """
        <!doctype html><html><head><meta charset="utf-8"><script>
        window.__fired = [];
        for (const name of ['alert', 'confirm', 'prompt', 'print', 'eval', 'fetch', 'open']) {
          window[name] = (...args) => { window.__fired.push(name + '(' + args.join(',') + ')'); };
        }
        </script></head><body>\(html)</body></html>
        """
        _ = try await browser.networkRequests()
        try await browser.navigate(to: "data:text/html;charset=utf-8;base64," + Data(page.utf8).base64EncodedString())
        // After the load event (images' errors have fired) and two frames (toggle, focus
        // and animation events are queued by then).
        let fired = try await browser.executeAsync("""
        const done = arguments[arguments.length - 1];
        const settle = () => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => done(window.__fired), 0)));
        if (document.readyState === 'complete') settle(); else window.addEventListener('load', settle);
        """) as? [String] ?? ["(no answer)"]
        let requests = try await browser.networkRequests().filter { !$0.hasPrefix("data:") && $0 != "about:blank" }
        let text = try await browser.execute("return document.body.textContent;") as? String ?? ""
        return (fired, requests, text)
    }
}
