import Foundation
import Testing
import TestSupport

/// The live page in real headless Chromium: patches applied to the DOM equal a fresh
/// parse of the full render, unchanged blocks keep their nodes, and a dropped stream
/// resumes with `Last-Event-ID`.
@Suite("live preview in headless Chromium", .serialized)
struct BrowserPreviewTests {
    static let runs = SharedData.isCI || HeadlessChromium.isAvailable

    /// Highlighted and typeset like the page does, so the comparison covers highlighting
    /// and math too.
    static let compareScript = """
    const [html] = arguments;
    const live = document.getElementById('preview');
    const template = document.createElement('template');
    template.innerHTML = html;
    const expected = live.cloneNode(false);
    expected.append(template.content);
    if (window.hljs) for (const code of expected.querySelectorAll('pre code[class*="language-"]')) window.hljs.highlightBlock(code);
    if (window.katex) for (const math of expected.querySelectorAll('.math')) {
      window.katex.render(math.textContent, math, { displayMode: math.classList.contains('math-display'), throwOnError: false });
    }
    return expected.isEqualNode(live);
    """

    /// Resolves once the page shows `version` (or later) and, when asked, is connected.
    static let waitScript = """
    const [version, connected, done] = arguments;
    const check = () => {
      const s = window.previewEngine;
      if (s && s.version !== null && s.version >= version && (!connected || s.connected)) done(true);
      else requestAnimationFrame(check);
    };
    check();
    """

    @Test("typing into a document: the DOM equals the full render, the image node survives, a dropped stream catches up by patches",
          .enabled(if: runs, "needs chromium and chromium-driver"))
    func endToEnd() async throws {
        guard HeadlessChromium.isAvailable else {
            Issue.record("chromium or chromedriver is not installed (./dev installs Debian's chromium and chromium-driver)")
            return
        }
        let folder = try TemporaryFolder()
        try folder.write("pic.png", "not really a png")
        let harness = try await LivePreviewHarness(
            heartbeat: .milliseconds(100), streamLifetime: .seconds(3),
            highlightScript: "/usr/share/javascript/highlight.js/highlight.min.js"
        )
        let text = """
        # Live preview

        The first paragraph.

        ![a picture](pic.png)

        ```swift
        let answer = 42
        ```

        | a | b |
        |---|---|
        | 1 | 2 |

        - one
        - two

        """
        try await harness.open("e2e.md", text: text, folder: folder.path)
        let browser = try await HeadlessChromium()
        try await closing(browser, then: harness.stop) {
            try await browser.navigate(to: try #require(harness.server.url(ofDocument: "e2e.md")))
            #expect(try await browser.executeAsync(Self.waitScript, [0, true]) as? Bool == true)
            #expect(try await browser.execute(Self.compareScript, [try harness.fullRender(of: "e2e.md")]) as? Bool == true)
            _ = try await browser.execute("window.__picture = document.querySelector('#preview img'); return true;")

            // Type into the first paragraph, a character at a time, and add a footnote.
            var offset = "# Live preview\n\nThe first paragraph".unicodeScalars.count
            var version: UInt64 = 0
            for character in ", edited in the browser test[^1]" {
                version = try harness.insert(String(character), at: offset, in: "e2e.md")
                offset += 1
            }
            let end = try harness.engine.snapshot(of: "e2e.md").text.unicodeScalars.count
            version = try harness.insert("\n[^1]: A footnote.\n", at: end, in: "e2e.md")
            await harness.waitFor("e2e.md", version: version)
            #expect(try await browser.executeAsync(Self.waitScript, [Int(version), false]) as? Bool == true)
            #expect(try await browser.execute(Self.compareScript, [try harness.fullRender(of: "e2e.md")]) as? Bool == true)
            #expect(try await browser.execute("return document.querySelector('#preview img') === window.__picture;") as? Bool == true)
            #expect(try await browser.execute("return document.querySelector('#preview img').naturalWidth === 0 && document.querySelector('#preview img').src.endsWith('/documents/1/files/pic.png');") as? Bool == true)

            // The server ends the stream after its lifetime; edits made while the page is
            // disconnected reach it when it reconnects with Last-Event-ID, as patches.
            let dropped = try await browser.executeAsync("""
            const done = arguments[arguments.length - 1];
            const check = () => window.previewEngine.connected ? requestAnimationFrame(check) : done(window.previewEngine.connections);
            check();
            """) as? Int
            #expect(dropped == 1)
            for character in " More." {
                version = try harness.insert(String(character), at: offset, in: "e2e.md")
                offset += 1
            }
            await harness.waitFor("e2e.md", version: version)
            #expect(try await browser.executeAsync(Self.waitScript, [Int(version), true]) as? Bool == true)
            #expect(try await browser.execute("return window.previewEngine.connections;") as? Int == 2)
            #expect(try await browser.execute("return window.previewEngine.snapshots;") as? Int == 1, "caught up by patches, not a snapshot")
            #expect(try await browser.execute(Self.compareScript, [try harness.fullRender(of: "e2e.md")]) as? Bool == true)
            #expect(try await browser.execute("return document.querySelector('#preview img') === window.__picture;") as? Bool == true)
        }
    }

    @Test("text added above the viewport does not move what the reader sees; a cursor line off screen is scrolled into view",
          .enabled(if: runs, "needs chromium and chromium-driver"))
    func scrolling() async throws {
        guard HeadlessChromium.isAvailable else {
            Issue.record("chromium or chromedriver is not installed (./dev installs Debian's chromium and chromium-driver)")
            return
        }
        let harness = try await LivePreviewHarness()
        let paragraphs = (0 ..< 120).map { "Paragraph \($0): " + String(repeating: "words to fill the line ", count: 6) }
        try await harness.open("long.md", text: paragraphs.joined(separator: "\n\n") + "\n")
        let browser = try await HeadlessChromium()
        try await closing(browser, then: harness.stop) {
            try await browser.navigate(to: try #require(harness.server.url(ofDocument: "long.md")))
            #expect(try await browser.executeAsync(Self.waitScript, [0, true]) as? Bool == true)
            // Paragraph 60 at the top of the viewport, with Chromium's own scroll anchoring
            // off (as in browsers that have none), so the page's does the work.
            let before = try await browser.execute("""
            document.documentElement.style.overflowAnchor = 'none';
            document.body.style.overflowAnchor = 'none';
            window.__anchor = document.querySelectorAll('#preview p')[60];
            window.__anchor.scrollIntoView();
            return window.__anchor.getBoundingClientRect().top;
            """) as? Double
            // Three paragraphs typed at the start of the document, far above it.
            var version: UInt64 = 0
            for (index, character) in "New text\n\nmore\n\nand more\n\n".enumerated() {
                version = try harness.insert(String(character), at: index, in: "long.md")
            }
            await harness.waitFor("long.md", version: version)
            #expect(try await browser.executeAsync(Self.waitScript, [Int(version), false]) as? Bool == true)
            let after = try await browser.execute("return [window.__anchor.isConnected, window.__anchor.getBoundingClientRect().top, window.scrollY];") as? [Any]
            #expect(after?[0] as? Bool == true)
            let moved = abs((after?[1] as? Double ?? .infinity) - (before ?? 0))
            #expect(moved < 1, "the paragraph at the top moved by \(moved) px")
            #expect((after?[2] as? Double ?? 0) > 0)

            // The editor's cursor on paragraph 110's line (0-based: 3 new paragraphs, 2 lines each before it).
            harness.server.moveCursor(of: "long.md", toLine: (110 + 3) * 2)
            let visible = try await browser.executeAsync("""
            const done = arguments[arguments.length - 1];
            const target = Array.from(document.querySelectorAll('#preview p')).find((p) => p.textContent.startsWith('Paragraph 110:'));
            const check = () => {
              const top = target.getBoundingClientRect().top;
              if (top >= 0 && top < window.innerHeight) done(true); else requestAnimationFrame(check);
            };
            check();
            """) as? Bool
            #expect(visible == true)
        }
    }
}

/// The page's task panel in headless Chromium.
@Suite("task panel in headless Chromium", .serialized)
struct TaskPanelBrowserTests {
    /// Resolves with the panel's text for task `id` once it shows the task in `state`
    /// with a progress fraction (the page's CSP allows no `eval`, so the condition is fixed).
    static let waitScript = """
    const [id, state, done] = arguments;
    const check = () => {
      const shown = window.previewTasks ? window.previewTasks.shown : [];
      const node = document.querySelector('#tasks .task[data-id="' + id + '"]');
      if (shown.some((t) => t.id === id && t.state === state && t.fraction !== null) && node) done(node.innerText);
      else setTimeout(check, 50);
    };
    check();
    """

    @Test("a running export shows with its progress; Cancel stops it and the panel says cancelled",
          .enabled(if: BrowserPreviewTests.runs, "needs chromium and chromium-driver"))
    func cancelFromThePage() async throws {
        guard HeadlessChromium.isAvailable else {
            Issue.record("chromium or chromedriver is not installed (./dev installs Debian's chromium and chromium-driver)")
            return
        }
        let harness = try await TaskServerHarness()
        let id = try await harness.startHeldExport()
        let browser = try await HeadlessChromium()
        try await closing(browser, then: harness.stop) {
            try await browser.navigate(to: "http://127.0.0.1:\(harness.port)/?\(harness.query)")
            let running = try await browser.executeAsync(Self.waitScript, [id, "running"]) as? String
            #expect(running?.contains("export → site · running") == true && running?.contains("1/14 part0/figure0.png") == true, "\(running ?? "")")
            let title = try await browser.execute("return document.querySelector('#tasks .task .task-title').textContent") as? String
            #expect(title == "export → site · running")
            #expect(try await browser.execute("return document.getElementById('tasks').hidden") as? Bool == false)
            _ = try await browser.execute("document.querySelector('#tasks .task button').click()")
            let cancelled = try await browser.executeAsync(Self.waitScript, [id, "cancelled"]) as? String
            #expect(cancelled?.contains("export → site · cancelled") == true, "\(cancelled ?? "")")
            #expect(try await browser.execute("return document.querySelector('#tasks .task button').hidden") as? Bool == true)
            #expect(harness.tasks.status(of: id)?.state == .cancelled)
            #expect(harness.folder.entries(of: "root") == ["docs"])
            // A second export runs to the end: the panel says what it wrote.
            harness.holdRenders(false)
            let (_, second) = try await harness.export()
            let secondID = try #require(second["id"] as? String)
            let completed = try await browser.executeAsync(Self.waitScript, [secondID, "completed"]) as? String
            #expect(completed?.contains("12 pages, 2 other files") == true, "\(completed ?? "")")
        }
    }
}

/// Runs `body`, then quits the browser before stopping the server (`stop`), whether
/// `body` threw or not: the server should not see a page reconnecting while it stops.
func closing(_ browser: HeadlessChromium, then stop: () async -> Void, _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch {
        await browser.quit()
        await stop()
        throw error
    }
    await browser.quit()
    await stop()
}
