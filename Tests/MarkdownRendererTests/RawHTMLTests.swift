import MarkdownRenderer
import Testing
import TestSupport

/// The github profile's raw HTML: GitHub's subset kept, the rest dropped (see
/// `Docs/GITHUB_PROFILE.md`, "Raw HTML").
@Suite struct RawHTMLTests {
    let github = MarkdownRenderer(options: RenderOptions(profile: .github))

    @Test func collapsibleSectionKeepsItsMarkdownContent() {
        let text = "Intro\n\n<details>\n<summary>More</summary>\n\n## Inside\n\nSome **bold** text.\n\n</details>\n\nAfter\n"
        let parse = github.parseDocument(text)
        #expect(parse.blocks.map(\.lines) == [0 ... 0, 2 ... 9, 11 ... 11])
        #expect(parse.blocks[1].html == """
        <details>
        <summary>More</summary>
        <h2 id="inside"><a class="anchor" href="#inside" aria-label="Link to this section"></a>Inside</h2>
        <p>Some <strong>bold</strong> text.</p>
        </details>

        """)
        #expect(parse.html == github.render(text))
    }

    @Test func githubsInlineSubsetIsKept() {
        let html = github.render("Press <kbd>Ctrl</kbd>, H<sub>2</sub>O, x<sup>2</sup>,<br>line, <ins>new</ins> <del>old</del> <abbr title=\"HyperText\">HTML</abbr>.\n")
        #expect(html == "<p>Press <kbd>Ctrl</kbd>, H<sub>2</sub>O, x<sup>2</sup>,<br>line, <ins>new</ins> <del>old</del> <abbr title=\"HyperText\">HTML</abbr>.</p>\n")
    }

    @Test func imagesPicturesAndNamedAnchors() {
        let html = github.render("""
        <p align="center"><img src="logo.png" width="120" alt="Logo"></p>

        <picture><source media="(prefers-color-scheme: dark)" srcset="dark.png"><img src="light.png" alt="Mode"></picture>

        <a name="old-anchor"></a><div id="target">x</div>

        """)
        #expect(html.contains(#"<p align="center"><img src="logo.png" width="120" alt="Logo"></p>"#))
        // Inline HTML on a line of its own is a paragraph's content, as on GitHub; a
        // `div` closes the paragraph, as in a browser.
        #expect(html.contains(#"<p><picture><source media="(prefers-color-scheme: dark)" srcset="dark.png"><img src="light.png" alt="Mode"></picture></p>"#))
        #expect(html.contains(#"<p><a name="user-content-old-anchor"></a></p><div id="user-content-target">x</div>"#))
    }

    @Test func scriptsHandlersStylesAndBadURLsAreDropped() {
        let html = github.render("""
        <div style="color: red" onclick="alert(1)" class="note">kept <script>alert(2)</script>text</div>

        [link](javascript:alert(3)) <a href="https://example.com/" target="_blank">ok</a> <a href="JAVASCRIPT:alert(4)">bad</a>

        """)
        #expect(html == """
        <div class="note">kept text</div>
        <p><a href="">link</a> <a href="https://example.com/">ok</a> <a>bad</a></p>

        """)
    }

    @Test func alertsAndMathKeepTheirMarkupNextToRawHTML() {
        let html = github.render("> [!TIP]\n> Press <kbd>Esc</kbd> and see $x<y$.\n")
        #expect(html.contains(#"<div class="markdown-alert markdown-alert-tip">"#))
        #expect(html.contains(#"<svg class="alert-icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">"#))
        #expect(html.contains("Press <kbd>Esc</kbd> and see "))
        #expect(html.contains(#"<span class="math math-inline">x&lt;y</span>"#) || html.contains("x&lt;y"))
    }

    @Test func unclosedElementHoldsTheRestAsOneOpenBlock() {
        let parse = github.parseDocument("<div>\n\nA\n\nB\n")
        #expect(parse.blocks.count == 1 && parse.blocks[0].kind == .openHTMLBlock && parse.blocks[0].lines == 0 ... 4)
        #expect(parse.blocks[0].html == "<div>\n<p>A</p>\n<p>B</p>\n</div>")
    }

    @Test func strayEndTagsAndOptionalEndTagsDoNotGroup() {
        let parse = github.parseDocument("</div>\n\n<p>open paragraph\n\nNext\n")
        #expect(parse.blocks.count == 3)
    }

    @Test func forgedMarkersAndPlaceholdersAreReplaced() {
        let placeholder = String(Character(Unicode.Scalar(0xFDD2)!))
        let html = github.render("Text \u{1}fake\u{2} and \(placeholder) here\n\n# Real\n")
        #expect(html == "<p>Text \u{FFFD}fake\u{FFFD} and \u{FFFD} here</p>\n<h1 id=\"real\"><a class=\"anchor\" href=\"#real\" aria-label=\"Link to this section\"></a>Real</h1>\n")
    }

    @Test func unsafeAndCmarkAreUnchanged() {
        let text = "<div onclick=\"x()\">raw</div>\n"
        #expect(MarkdownRenderer(options: RenderOptions(profile: .github, allowsUnsafeHTML: true)).render(text) == text)
        #expect(MarkdownRenderer().render(text) == "<!-- raw HTML omitted -->\n")
    }

    @Test func footnotesWithRawHTMLAreSanitized() {
        let html = github.render("Note[^1].\n\n[^1]: With <kbd>K</kbd> and <img src=x onerror=alert(1)>.\n")
        #expect(html.contains("<kbd>K</kbd>") && !html.contains("onerror"))
        #expect(html.contains(#"id="fn-1""#) && html.contains(#"id="fnref-1""#))
    }

    @Test func deepNestingAndHugeRawHTMLRenderWithAClearResult() {
        let deep = String(repeating: "<div>", count: 20_000) + "x" + String(repeating: "</div>", count: 20_000) + "\n"
        let html = github.render(deep)
        #expect(!html.isEmpty && html.count < deep.count * 2)
        let huge = "<div>\n" + String(repeating: "<span title=\"a\">text</span> ", count: 40_000) + "\n</div>\n"
        #expect(github.render(huge).contains("<span title=\"a\">text</span>"))
    }

    // MARK: The XSS list

    @Test func xssPayloadsLeaveNothingExecutable() {
        #expect(XSSPayloads.all.count >= 40)
        for payload in XSSPayloads.all {
            let html = github.render(payload + "\n")
            let problems = ExecutableMarkup.problems(in: html)
            #expect(problems.isEmpty, "\(payload) → \(html): \(problems)")
        }
        #expect(ExecutableMarkup.problems(in: github.render(XSSPayloads.document)).isEmpty)
    }
}
