import MarkdownRenderer
import Testing

/// The github profile's features, each on our own inputs: slugs and ids, front matter,
/// alerts and math (see `Docs/GITHUB_PROFILE.md`).
@Suite struct GitHubProfileTests {
    let github = MarkdownRenderer(options: RenderOptions(profile: .github))
    let cmark = MarkdownRenderer()

    // MARK: Heading ids

    @Test(arguments: [
        ("Task lists", "task-lists"), ("C++ & you?", "c--you"), ("  Leading and trailing  ", "--leading-and-trailing--"),
        ("日本語の見出し", "日本語の見出し"), ("🎉 Party time", "-party-time"), ("Ünïcödé Wörds", "ünïcödé-wörds"),
        ("snake_case-and-dash", "snake_case-and-dash"), ("Version 2.0 (beta)", "version-20-beta"), ("a\tb", "ab"),
        ("Привет, мир", "привет-мир"), ("", ""),
    ])
    func slugs(text: String, slug: String) {
        #expect(HeadingSlug.base(of: text) == slug)
    }

    @Test func duplicatesAreNumberedAsGitHubDoes() {
        var assigner = HeadingIDAssigner()
        #expect(["a", "a", "a-1", "a", "b", "", ""].map { assigner.id(for: $0) } == ["a", "a-1", "a-1-1", "a-2", "b", "", "-1"])
    }

    @Test func tenThousandCollisionsGetDistinctIDs() {
        var assigner = HeadingIDAssigner()
        let ids = (0 ..< 10000).map { _ in assigner.id(for: "same") }
        #expect(Set(ids).count == 10000 && ids.last == "same-9999")
    }

    @Test func headingsGetIDsAndAnchorLinks() {
        let html = github.render("# Intro\n\n## Intro\n\n- item\n\n  ### *Nested* `code`\n\nSetext\n---\n")
        #expect(html == """
        <h1 id="intro"><a class="anchor" href="#intro" aria-label="Link to this section"></a>Intro</h1>
        <h2 id="intro-1"><a class="anchor" href="#intro-1" aria-label="Link to this section"></a>Intro</h2>
        <ul>
        <li>
        <p>item</p>
        <h3 id="nested-code"><a class="anchor" href="#nested-code" aria-label="Link to this section"></a><em>Nested</em> <code>code</code></h3>
        </li>
        </ul>
        <h2 id="setext"><a class="anchor" href="#setext" aria-label="Link to this section"></a>Setext</h2>

        """)
    }

    // MARK: Front matter

    @Test func yamlFrontMatterIsATableAndNamesThePage() throws {
        let text = "---\ntitle: \"My Blog Post\"\ndate: 2024-01-15 # a comment\ntags: [markdown, preview]\nauthor:\n  name: Ann\n---\n# Body\n"
        let html = github.render(text)
        #expect(html.hasPrefix(#"<table class="front-matter" data-front-matter="yaml" data-title="My Blog Post">"#))
        #expect(html.contains("<th>title</th>\n<th>date</th>\n<th>tags</th>\n<th>author</th>"))
        #expect(html.contains("<td>My Blog Post</td>\n<td>2024-01-15</td>\n<td>[markdown, preview]</td>\n<td><pre>name: Ann</pre></td>"))
        #expect(!html.contains("<hr />") && html.contains(#"<h1 id="body">"#))
        let blocks = github.parseDocument(text).blocks
        #expect(blocks.first?.kind == .frontMatter && blocks.first?.lines == 0 ... 6 && blocks[1].lines == 7 ... 7)
    }

    @Test func tomlFrontMatter() {
        let html = github.render("+++\ntitle = \"Notes\"\n[extra]\nkey = 1\n+++\ntext\n")
        #expect(html.contains(#"data-front-matter="toml" data-title="Notes""#) && html.contains("<th>extra</th>") && html.contains("<td><pre>key = 1</pre></td>"))
        #expect(html.hasSuffix("<p>text</p>\n"))
    }

    @Test func malformedFrontMatterIsShownAsWrittenWithANotice() {
        let html = github.render("---\ntitle: fine\nthis line is not yaml\n---\n")
        #expect(html.contains(#"<div class="front-matter front-matter-invalid" data-front-matter="yaml">"#))
        #expect(html.contains("(line 3: expected &#39;key: value&#39;)") || html.contains("(line 3: expected 'key: value')"))
        #expect(html.contains("<pre><code class=\"language-yaml\">title: fine\nthis line is not yaml\n</code></pre>"))
        #expect(!html.contains("<h2"))
    }

    @Test func frontMatterWithoutAClosingLineIsMarkdown() {
        let text = "---\ntitle: x\n"
        #expect(github.render(text) == "<hr />\n<p>title: x</p>\n")
        #expect(cmark.render(text) == "<hr />\n<p>title: x</p>\n")
    }

    @Test func aOneMegabyteFrontMatterRendersWhole() {
        let text = "---\n" + String(repeating: "key: value\n", count: 100_000) + "---\nend\n"
        let html = github.render(text)
        #expect(html.hasSuffix("<p>end</p>\n") && html.contains("<th>key</th>"))
    }

    // MARK: Alerts

    @Test(arguments: ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION", "note", "Warning"])
    func alerts(kind: String) {
        let html = github.render("> [!\(kind)]\n> Body *text*.\n>\n> More.\n")
        let name = kind.lowercased()
        #expect(html.hasPrefix(#"<div class="markdown-alert markdown-alert-\#(name)">"# + "\n" + #"<p class="markdown-alert-title"><svg class="alert-icon""#))
        #expect(html.hasSuffix("</svg>\(name.prefix(1).uppercased() + name.dropFirst())</p>\n<p>Body <em>text</em>.</p>\n<p>More.</p>\n</div>\n"))
    }

    @Test(arguments: ["> [!NOTE] same line\n> text\n", "> [!NOTE]\n", "> [!NOTES]\n> text\n", "- > [!NOTE]\n  > text\n", "> text\n> [!NOTE]\n"])
    func notAlerts(text: String) {
        #expect(!github.render(text).contains("markdown-alert"))
    }

    // MARK: Math

    @Test(arguments: [
        ("$x^2$", #"<p><span class="math math-inline">x^2</span></p>"#),
        ("$a_b_c$", #"<p><span class="math math-inline">a_b_c</span></p>"#),
        (#"$a \\ b$"#, #"<p><span class="math math-inline">a \\ b</span></p>"#),
        ("$*x*$ *y*", #"<p><span class="math math-inline">*x*</span> <em>y</em></p>"#),
        ("$a<b & c>d$", #"<p><span class="math math-inline">a&lt;b &amp; c&gt;d</span></p>"#),
        (#"\$5 and \$6"#, "<p>$5 and $6</p>"),
        ("$5 and $6", "<p>$5 and $6</p>"),
        ("$ x$", "<p>$ x$</p>"),
        ("$x $", "<p>$x $</p>"),
        (#"$a\$b$"#, #"<p><span class="math math-inline">a\$b</span></p>"#),
        ("$$\\sum_i x_i$$", #"<p><span class="math math-display">\sum_i x_i</span></p>"#),
        ("$$\n\\int_0^1 f\n$$", #"<p><span class="math math-display">\int_0^1 f</span></p>"#),
        ("$`a$b`$", #"<p><span class="math math-inline">a$b</span></p>"#),
        ("`$x$` code", "<p><code>$x$</code> code</p>"),
        ("$x\n\ny$", "<p>$x</p>\n<p>y$</p>"),
        ("unclosed $x", "<p>unclosed $x</p>"),
        ("$$unclosed", "<p>$$unclosed</p>"),
        ("$$ $$", "<p>$$ $$</p>"),
        ("[$x$](http://a.b)", #"<p><a href="http://a.b"><span class="math math-inline">x</span></a></p>"#),
        ("| $a$ | b |\n|---|---|\n", #"<table>\#n<thead>\#n<tr>\#n<th><span class="math math-inline">a</span></th>"#),
        ("```math\n\\frac{1}{2} \\\\ x\n```", #"<div class="math math-display">\frac{1}{2} \\ x</div>"#),
        ("```math\n<x>\n```", #"<div class="math math-display">&lt;x&gt;</div>"#),
        ("- ```math\n  y\n  ```", "<ul>\n<li>\n<div class=\"math math-display\">y</div>\n</li>\n</ul>"),
        ("# $E=mc^2$", ##"<h1 id="emc2"><a class="anchor" href="#emc2" aria-label="Link to this section"></a><span class="math math-inline">E=mc^2</span></h1>"##),
        ("$\\frac{1$", #"<p><span class="math math-inline">\frac{1</span></p>"#),
        ("a$b$c", #"<p>a<span class="math math-inline">b</span>c</p>"#),
        ("$x$5", "<p>$x$5</p>"),
        ("![alt $x$](i.png)", #"<p><img src="i.png" alt="alt x" /></p>"#),
        ("$$a$$ and $b$", #"<p><span class="math math-display">a</span> and <span class="math math-inline">b</span></p>"#),
        ("~~$x$~~", #"<p><del><span class="math math-inline">x</span></del></p>"#),
    ])
    func math(markdown: String, html: String) {
        #expect(github.render(markdown).hasPrefix(html), "\(markdown.debugDescription)")
    }

    @Test func theCmarkProfileKeepsDollarsAsMarkdown() {
        #expect(cmark.render("$a_b_c$ > [!NOTE]\n") == "<p>$a_b_c$ &gt; [!NOTE]</p>\n")
        #expect(cmark.render("# Intro\n") == "<h1>Intro</h1>\n")
    }

    // MARK: Bad input

    @Test func tenThousandDollarsInARow() {
        let html = github.render(String(repeating: "$", count: 10000) + "\n")
        #expect(html.hasPrefix("<p>") && html.hasSuffix("</p>\n"))
        let openers = github.render(String(repeating: "$a ", count: 10000) + "\n")
        #expect(openers == "<p>" + String(repeating: "$a ", count: 9999) + "$a</p>\n", "no closer: every $ is text")
    }

    @Test func aOneMegabyteMathBlock() {
        let tex = String(repeating: "x^2 + ", count: 170_000)
        let html = github.render("$$\n" + tex + "\n$$\n")
        #expect(html == #"<p><span class="math math-display">"# + tex.dropLast() + "</span></p>\n")
    }
}
