import MarkdownRenderer
import Testing

@Suite("MarkdownRenderer options")
struct RenderOptionsTests {
    let gfm = MarkdownRenderer()

    @Test("safe by default: raw HTML and javascript: URLs are suppressed; unsafe opts in")
    func safeByDefault() {
        let markdown = "<div onclick=\"x()\">hi</div>\n\n[a](javascript:alert(1)) <b>bold</b>\n"
        let safe = gfm.render(markdown)
        #expect(!safe.contains("<div"))
        #expect(!safe.contains("<b>"))
        #expect(safe.contains("<!-- raw HTML omitted -->"))
        #expect(safe.contains("<a href=\"\">a</a>"))
        let unsafe = MarkdownRenderer(options: RenderOptions(allowsUnsafeHTML: true)).render(markdown)
        #expect(unsafe.contains("<div onclick=\"x()\">hi</div>"))
        #expect(unsafe.contains("<a href=\"javascript:alert(1)\">a</a>"))
        #expect(unsafe.contains("<b>bold</b>"))
    }

    @Test("every GFM extension is on by default and can be turned off")
    func extensions() {
        let markdown = """
        | a | b |
        |---|:-:|
        | 1 | 2 |

        ~~gone~~ www.example.com

        - [x] done

        <xmp>

        note[^1]

        [^1]: the footnote

        """
        let all = MarkdownRenderer(options: RenderOptions(allowsUnsafeHTML: true)).render(markdown)
        #expect(all.contains("<table>"))
        #expect(all.contains("<del>gone</del>"))
        #expect(all.contains("<a href=\"http://www.example.com\">www.example.com</a>"))
        #expect(all.contains("<input type=\"checkbox\" checked=\"\" disabled=\"\" />"))
        #expect(all.contains("&lt;xmp>"))
        #expect(all.contains("<section class=\"footnotes\""))

        let none = MarkdownRenderer(options: RenderOptions(extensions: [], allowsUnsafeHTML: true)).render(markdown)
        for marker in ["<table>", "<del>", "<a href", "checkbox", "&lt;xmp>", "footnotes"] {
            #expect(!none.contains(marker), "\(marker) should be absent without extensions")
        }
        #expect(none.contains("<xmp>"))

        for gfmExtension in GFMExtension.allCases {
            let only = MarkdownRenderer(options: RenderOptions(extensions: [gfmExtension], allowsUnsafeHTML: true)).render(markdown)
            #expect(only != none, "\(gfmExtension) changes nothing")
        }
    }

    @Test("sourcepos, smart punctuation, hard and no breaks")
    func inlineFlags() {
        #expect(MarkdownRenderer(options: RenderOptions(sourcePositions: true)).render("# T\n") == "<h1 data-sourcepos=\"1:1-1:3\">T</h1>\n")
        #expect(MarkdownRenderer(options: RenderOptions(smartPunctuation: true)).render("\"a\" -- b...\n") == "<p>“a” – b…</p>\n")
        #expect(gfm.render("\"a\" -- b...\n") == "<p>&quot;a&quot; -- b...</p>\n")
        #expect(MarkdownRenderer(options: RenderOptions(hardBreaks: true)).render("a\nb\n") == "<p>a<br />\nb</p>\n")
        #expect(MarkdownRenderer(options: RenderOptions(noBreaks: true)).render("a\nb\n") == "<p>a b</p>\n")
        #expect(gfm.render("a\nb\n") == "<p>a\nb</p>\n")
    }

    @Test("code block info strings: GitHub pre lang and full info string")
    func codeBlocks() {
        let markdown = "```swift title=x\nlet a = 1\n```\n"
        #expect(gfm.render(markdown) == "<pre><code class=\"language-swift\">let a = 1\n</code></pre>\n")
        #expect(MarkdownRenderer(options: RenderOptions(githubPreLang: true)).render(markdown) == "<pre lang=\"swift\"><code>let a = 1\n</code></pre>\n")
        #expect(MarkdownRenderer(options: RenderOptions(fullInfoString: true)).render(markdown)
            == "<pre><code class=\"language-swift\" data-meta=\"title=x\">let a = 1\n</code></pre>\n")
    }

    @Test("table alignment as style attributes; strikethrough with two tildes only")
    func tableAndStrikethrough() {
        let table = "| a |\n|:-:|\n| 1 |\n"
        #expect(gfm.render(table).contains("<th align=\"center\">a</th>"))
        #expect(MarkdownRenderer(options: RenderOptions(tablePreferStyleAttributes: true)).render(table).contains("<th style=\"text-align: center\">a</th>"))
        #expect(gfm.render("~a~\n") == "<p><del>a</del></p>\n")
        #expect(MarkdownRenderer(options: RenderOptions(strikethroughDoubleTilde: true)).render("~a~ ~~b~~\n") == "<p>~a~ <del>b</del></p>\n")
    }

    @Test("String and byte inputs render alike; empty input renders nothing")
    func inputs() {
        let markdown = "# Title\n\nSome *text* with ünïcödé and 🎉 www.example.org.\n"
        #expect(gfm.render(markdown) == gfm.render(bytes: Array(markdown.utf8)))
        #expect(gfm.render(bytes: markdown.utf8) == gfm.render(markdown))
        #expect(gfm.render("") == "")
        #expect(gfm.render(bytes: [UInt8]()) == "")
    }
}

@Suite("MarkdownRenderer String output")
struct StringOutputTests {
    @Test("large outputs decoded in slices equal the bytes, whatever multi-byte scalars straddle a slice edge")
    func slicedDecoding() {
        let renderer = MarkdownRenderer()
        // Paragraphs of ASCII broken by 2-, 3- and 4-byte scalars at shifting offsets.
        var markdown = ""
        for index in 0..<3_000 {
            markdown += String(repeating: "a", count: index % 37) + ["é", "€", "🎉", "x"][index % 4] + " www.example.com/\(index)\n"
            if index % 50 == 0 { markdown += "\n| a | b |\n|---|---|\n| ü | \(index) |\n\n" }
        }
        let bytes = renderer.renderUTF8(markdown)
        #expect(bytes.count > 100_000)
        let html = renderer.render(markdown)
        #expect(Array(html.utf8) == bytes)
        #expect(html == String(decoding: bytes, as: UTF8.self))
    }
}
